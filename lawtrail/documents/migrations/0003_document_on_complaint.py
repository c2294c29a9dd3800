"""A document belongs to a case or, before or without one, to a complaint (投诉举报登记).

SQLite rebuilds the table to make `case` nullable, which drops its triggers: they are dropped
first and put back afterwards, now also refusing to move an issued document to another complaint.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from lawtrail.documents.sql import DOCUMENT_POSTGRES_0003, DOCUMENT_SQLITE_0003, SIGNATURE_SQLITE

POSTGRES = DOCUMENT_POSTGRES_0003

SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS documents_document_immutable",
    "DROP TRIGGER IF EXISTS documents_signature_append_only",
]
SQLITE = [*DOCUMENT_SQLITE_0003, *SIGNATURE_SQLITE]


def _run(statements: dict[str, list[str]]):  # type: ignore[no-untyped-def]
    def run(apps, schema_editor):  # type: ignore[no-untyped-def]
        for sql in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)
    return run


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0001_initial'),
        ('cases', '0001_initial'),
        ('documents', '0002_immutability'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(_run({"sqlite": SQLITE_DROP}), _run({"sqlite": SQLITE})),
        migrations.AddField(
            model_name='document',
            name='complaint',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='documents', to='cases.complaint', verbose_name='投诉举报登记'),
        ),
        migrations.AlterField(
            model_name='document',
            name='case',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='documents', to='cases.case'),
        ),
        migrations.AddConstraint(
            model_name='document',
            constraint=models.CheckConstraint(condition=models.Q(('case__isnull', False), ('complaint__isnull', False), _connector='OR'), name='document_has_case_or_complaint'),
        ),
        migrations.RunPython(_run({"postgresql": POSTGRES, "sqlite": SQLITE}), _run({"sqlite": SQLITE_DROP})),
    ]
