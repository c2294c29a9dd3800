"""The 送达回证's 邮件被退回的情况 and 传真 (`returned`, `fax`, 0003) were added without freezing the
proofs that existed then: those rows still verify, but the new columns were not watched until each
row's next action. Proofs whose frozen state lacks only these columns, every frozen field still
holding, are frozen anew through the ledger; one changed behind the actions' back is left for verify.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

from lawtrail.ledger.migrating import refreeze_added_columns


def freeze_added_columns(apps: Any, schema_editor: BaseDatabaseSchemaEditor) -> None:
    refreeze_added_columns(apps, schema_editor, "compliance", "ServiceProof", columns={"returned", "fax"},
                           reason="送达证明增加邮件退回和传真两项后冻结此前的送达证明")


class Migration(migrations.Migration):

    dependencies = [
        ('compliance', '0004_stored_findings_and_deadlines'),
        ('events', '0003_record_states'),
        ('ledger', '0002_tiles_and_checkpoint_notes'),
    ]

    operations = [
        migrations.RunPython(freeze_added_columns, migrations.RunPython.noop),
    ]
