"""A document belongs to a case, a complaint, or a patrol inspection (日常巡视检查) that opened no
case: the patrol's 检查记录, 责令改正决定书 and 监察建议书 (劳动保障监察 第九条), signed as 第七条
and 第十条 ask, are its own.

SQLite rebuilds the table to change the check constraint, which drops its trigger: it is dropped
first and put back afterwards, now also refusing to move an issued document to another inspection.
Documents are tracked records and their rows gained a column: the migration freezes every
document's new state through the ledger (docs/ledger.md, "A schema change of a tracked model").
"""

from __future__ import annotations

from typing import Any

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

from lawtrail.documents.sql import DOCUMENT_POSTGRES, DOCUMENT_POSTGRES_0005, DOCUMENT_SQLITE, DOCUMENT_SQLITE_0005
from lawtrail.events.migrating import refreeze


def _execute(schema_editor: BaseDatabaseSchemaEditor, statements: dict[str, list[str]]) -> None:
    for sql in statements.get(schema_editor.connection.vendor, []):
        schema_editor.execute(sql)


def drop_document_trigger(apps: Any, schema_editor: BaseDatabaseSchemaEditor) -> None:
    _execute(schema_editor, {"sqlite": ["DROP TRIGGER IF EXISTS documents_document_immutable"]})


def install_guard(apps: Any, schema_editor: BaseDatabaseSchemaEditor) -> None:
    _execute(schema_editor, {"sqlite": DOCUMENT_SQLITE, "postgresql": DOCUMENT_POSTGRES})


def install_previous_guard(apps: Any, schema_editor: BaseDatabaseSchemaEditor) -> None:
    _execute(schema_editor, {"sqlite": DOCUMENT_SQLITE_0005, "postgresql": DOCUMENT_POSTGRES_0005})


def freeze_new_states(apps: Any, schema_editor: BaseDatabaseSchemaEditor) -> None:
    """Every document's row gained `inspection`: record, through the ledger, the state each is in now."""
    refreeze(apps, schema_editor, "documents", "Document", reason="执法文书可归属无案件的日常巡视检查")


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0003_oversight_grant'),
        ('cases', '0006_case_list_order'),
        ('documents', '0005_document_type_versions'),
        ('events', '0003_record_states'),
        ('ledger', '0002_tiles_and_checkpoint_notes'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(drop_document_trigger, install_previous_guard),
        migrations.RemoveConstraint(
            model_name='document',
            name='document_has_case_or_complaint',
        ),
        migrations.AddField(
            model_name='document',
            name='inspection',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT,
                                    related_name='documents', to='cases.inspection', verbose_name='日常巡视检查'),
        ),
        migrations.AddConstraint(
            model_name='document',
            constraint=models.CheckConstraint(condition=models.Q(('case__isnull', False), ('complaint__isnull', False),
                                                                 ('inspection__isnull', False), _connector='OR'),
                                              name='document_has_owner'),
        ),
        migrations.RunPython(install_guard, drop_document_trigger),
        migrations.RunPython(freeze_new_states, migrations.RunPython.noop),
    ]
