"""The party's 登记单位 (`unit`, 0003) and the 送达's system document number (`document_ref`, 0002)
were added without freezing the rows that existed then: those rows still verify (verify compares
the fields their states froze), but the new columns were not watched until each row's next action.
Rows whose frozen state lacks only these columns, every frozen field still holding, are frozen anew
through the ledger; a row changed behind the actions' back is left for verify to name.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

from lawtrail.ledger.migrating import refreeze_added_columns


def freeze_added_columns(apps: Any, schema_editor: BaseDatabaseSchemaEditor) -> None:
    refreeze_added_columns(apps, schema_editor, "cases", "Party", columns={"unit_id"},
                           reason="当事人增加登记单位后冻结此前登记的当事人")
    refreeze_added_columns(apps, schema_editor, "cases", "Service", columns={"document_ref"},
                           reason="送达记录增加送达文书编号后冻结此前的送达记录")


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0008_intake_captures_in_store'),
        ('events', '0003_record_states'),
        ('ledger', '0002_tiles_and_checkpoint_notes'),
    ]

    operations = [
        migrations.RunPython(freeze_added_columns, migrations.RunPython.noop),
    ]
