"""A document belongs to a case or, before or without one, to a complaint (投诉举报登记).

SQLite rebuilds the table to make `case` nullable, which drops its triggers: they are dropped
first and put back afterwards, now also refusing to move an issued document to another complaint.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

_CHANGED = """(NEW.fields IS DISTINCT FROM OLD.fields OR NEW.spec IS DISTINCT FROM OLD.spec
    OR NEW.pdf IS DISTINCT FROM OLD.pdf OR NEW.pdf_sha256 IS DISTINCT FROM OLD.pdf_sha256
    OR NEW.number IS DISTINCT FROM OLD.number OR NEW.version IS DISTINCT FROM OLD.version
    OR NEW.case_id IS DISTINCT FROM OLD.case_id OR NEW.type_code IS DISTINCT FROM OLD.type_code
    OR NEW.complaint_id IS DISTINCT FROM OLD.complaint_id
    OR NEW.issued_at IS DISTINCT FROM OLD.issued_at OR NEW.previous_id IS DISTINCT FROM OLD.previous_id
    OR (OLD.status = 'superseded' AND NEW.status <> 'superseded')
    OR (OLD.status = 'issued' AND NEW.status NOT IN ('issued', 'superseded')))"""

POSTGRES = [
    f"""CREATE OR REPLACE FUNCTION documents_document_immutable() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    IF OLD.status <> 'draft' THEN RAISE EXCEPTION USING MESSAGE = 'issued document ' || OLD.id || ' is immutable'; END IF;
    RETURN OLD;
  END IF;
  IF OLD.status <> 'draft' AND {_CHANGED} THEN
    RAISE EXCEPTION USING MESSAGE = 'issued document ' || OLD.id || ' is immutable';
  END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql""",
]

SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS documents_document_immutable",
    "DROP TRIGGER IF EXISTS documents_signature_append_only",
]
SQLITE = [
    f"""CREATE TRIGGER documents_document_immutable BEFORE UPDATE ON documents_document
WHEN OLD.status <> 'draft' AND {_CHANGED.replace("IS DISTINCT FROM", "IS NOT")}
BEGIN SELECT RAISE(ABORT, 'issued document is immutable'); END""",
    """CREATE TRIGGER documents_signature_append_only BEFORE UPDATE ON documents_signature
BEGIN SELECT RAISE(ABORT, 'document signatures are append-only'); END""",
]


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
