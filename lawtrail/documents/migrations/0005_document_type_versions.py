"""文书格式版本: a document names the stored, hashed version of its type's definition instead of
keeping its own copy of it (issue 20: the copies were three quarters of a case's bytes).

Each distinct definition the documents hold is stored once (DocumentTypeVersion, named by the
SHA-256 of its canonical JSON, exactly as the documents held it) and each document names it; the
copies are dropped.

Documents are tracked records: the ledger froze each one with its copy, so after this change no
row matches the state the ledger last froze for it, and `lawtrail verify` would report every one.
A change of the schema is a change of the records, and it is recorded like any other: this
migration writes, through the ledger, events (`document.store_definitions`, by 系统, a thousand
documents each) that freeze every document's new state and every version stored. Verify then
compares each row with that state; the version a document names is itself frozen (and named by its
hash), so the definition each document was made on stays proven, and a changed one is reported.

The events are written by today's recorder and ledger (their latest migrations are dependencies).
SQLite rebuilds the table to drop the column, which drops its trigger: it is dropped first and put
back afterwards, now guarding `definition_id` instead of the copy.
"""

from __future__ import annotations

import hashlib
import importlib
from typing import Any

import django.db.models.deletion
from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

from lawtrail.documents.sql import DOCUMENT_POSTGRES_0005 as DOCUMENT_POSTGRES
from lawtrail.documents.sql import DOCUMENT_SQLITE_0005 as DOCUMENT_SQLITE
from lawtrail.documents.sql import VERSION_POSTGRES, VERSION_POSTGRES_REVERSE, \
    VERSION_SQLITE, VERSION_SQLITE_REVERSE
from lawtrail.events.migrating import refreeze
from lawtrail.lib.frozen import encode, normalize

# The trigger as migration 0003 installed it (it guards the copy `spec`): put back on the way down.
_PREVIOUS = importlib.import_module("lawtrail.documents.migrations.0003_document_on_complaint")


def _execute(schema_editor: BaseDatabaseSchemaEditor, statements: dict[str, list[str]]) -> None:
    for sql in statements.get(schema_editor.connection.vendor, []):
        schema_editor.execute(sql)


def drop_document_trigger(apps: Any, schema_editor: BaseDatabaseSchemaEditor) -> None:
    _execute(schema_editor, {"sqlite": ["DROP TRIGGER IF EXISTS documents_document_immutable"]})


def put_previous_trigger_back(apps: Any, schema_editor: BaseDatabaseSchemaEditor) -> None:
    _execute(schema_editor, {"sqlite": _PREVIOUS.SQLITE[:1]})


def install_guards(apps: Any, schema_editor: BaseDatabaseSchemaEditor) -> None:
    _execute(schema_editor, {"sqlite": DOCUMENT_SQLITE + VERSION_SQLITE, "postgresql": DOCUMENT_POSTGRES + VERSION_POSTGRES})


def remove_guards(apps: Any, schema_editor: BaseDatabaseSchemaEditor) -> None:
    _execute(schema_editor, {"sqlite": ["DROP TRIGGER IF EXISTS documents_document_immutable", *VERSION_SQLITE_REVERSE],
                             "postgresql": _PREVIOUS.POSTGRES + VERSION_POSTGRES_REVERSE})


def store_versions(apps: Any, schema_editor: BaseDatabaseSchemaEditor) -> None:
    """Store each distinct definition once; each document names its own."""
    from lawtrail.lib import timez

    db = schema_editor.connection.alias
    document = apps.get_model("documents", "Document")
    version = apps.get_model("documents", "DocumentTypeVersion")
    stored = set(version.objects.using(db).values_list("pk", flat=True))
    named: dict[str, list[int]] = {}
    now = timez.now()
    rows = document.objects.using(db).order_by("pk").values_list("pk", "type_code", "spec")
    for pk, type_code, spec in rows.iterator(chunk_size=2000):
        held = normalize(spec)
        sha = hashlib.sha256(encode(held).encode()).hexdigest()
        if sha not in stored:
            version.objects.using(db).create(sha256=sha, type_code=type_code, spec=held, stored_at=now)
            stored.add(sha)
        named.setdefault(sha, []).append(pk)
    for sha, pks in sorted(named.items()):
        for start in range(0, len(pks), 500):
            document.objects.using(db).filter(pk__in=pks[start:start + 500]).update(definition_id=sha)


def copy_definitions_back(apps: Any, schema_editor: BaseDatabaseSchemaEditor) -> None:
    """On the way down: each document gets its copy back (the guard, not yet reinstalled on SQLite,
    is switched off for it on PostgreSQL)."""
    db = schema_editor.connection.alias
    document = apps.get_model("documents", "Document")
    version = apps.get_model("documents", "DocumentTypeVersion")
    pg = schema_editor.connection.vendor == "postgresql"
    if pg:
        schema_editor.execute("ALTER TABLE documents_document DISABLE TRIGGER documents_document_immutable")
    for v in version.objects.using(db).all():
        document.objects.using(db).filter(definition_id=v.pk).update(spec=v.spec)
    if pg:
        schema_editor.execute("ALTER TABLE documents_document ENABLE TRIGGER documents_document_immutable")


def freeze_new_states(apps: Any, schema_editor: BaseDatabaseSchemaEditor) -> None:
    """Record, through the ledger, the state every document is in now and every version stored (with
    the first thousand documents)."""
    db = schema_editor.connection.alias
    versions: list[models.Model] = list(apps.get_model("documents", "DocumentTypeVersion").objects.using(db).order_by("pk"))
    refreeze(apps, schema_editor, "documents", "Document", action="document.store_definitions", first=versions,
             reason="文书改为引用共享的文书格式版本",
             payload=lambda part, first: {"documents": len(part), "versions": len(first),
                                          "reason": "文书改为引用共享的文书格式版本"})


class Migration(migrations.Migration):

    dependencies = [
        ("documents", "0004_act_documents"),
        ("events", "0003_record_states"),
        ("ledger", "0002_tiles_and_checkpoint_notes"),
    ]

    operations = [
        migrations.RunPython(drop_document_trigger, put_previous_trigger_back),
        migrations.CreateModel(
            name="DocumentTypeVersion",
            fields=[
                ("sha256", models.CharField(max_length=64, primary_key=True, serialize=False, verbose_name="SHA-256")),
                ("type_code", models.CharField(max_length=64, verbose_name="文书类型")),
                ("spec", models.JSONField(verbose_name="文书格式")),
                ("stored_at", models.DateTimeField(verbose_name="保存时间")),
            ],
            options={
                "verbose_name": "文书格式版本",
            },
        ),
        migrations.AddField(
            model_name="document",
            name="definition",
            field=models.ForeignKey(db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT,
                                    related_name="+", to="documents.documenttypeversion",
                                    verbose_name="文书格式版本"),
        ),
        migrations.RunPython(store_versions, copy_definitions_back),
        # Nullable before it goes, so that on the way down it comes back before it is filled.
        migrations.AlterField(
            model_name="document",
            name="spec",
            field=models.JSONField(null=True, verbose_name="文书格式"),
        ),
        migrations.RemoveField(
            model_name="document",
            name="spec",
        ),
        migrations.AlterField(
            model_name="document",
            name="definition",
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name="+",
                                    to="documents.documenttypeversion", verbose_name="文书格式版本"),
        ),
        migrations.RunPython(install_guards, remove_guards),
        migrations.RunPython(freeze_new_states, migrations.RunPython.noop),
    ]
