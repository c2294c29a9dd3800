"""网络提交截图 move into the store of originals: they were saved through Django's default file
storage (`intake/<xx>/<sha256>.<ext>`), outside the store that never changes or loses an original
and is replicated with the others. Each screenshot is copied there under its SHA-256 (the bytes
checked against the hash its entry recorded) and its entry names the new key; the old file is left
where it was. Complaints are tracked records: those whose entries changed are frozen anew through
the ledger (docs/ledger.md, "A schema change of a tracked model"). A screenshot whose file is gone
or whose bytes no longer match its hash keeps its old entry, and is named in the migration's output.
"""

from __future__ import annotations

import hashlib
import io
import sys
from typing import Any

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

from lawtrail.events.migrating import refreeze


def move_captures(apps: Any, schema_editor: BaseDatabaseSchemaEditor) -> None:
    from django.core.files.storage import default_storage

    from lawtrail.storage import get_store, original_key

    db = schema_editor.connection.alias
    complaint = apps.get_model("cases", "Complaint")
    moved: list[int] = []
    for row in complaint.objects.using(db).exclude(online_captures=[]).order_by("pk").iterator():
        entries = []
        for entry in row.online_captures:
            sha, old = entry.get("sha256", ""), entry.get("key", "")
            if not old.startswith("intake/"):
                entries.append(entry)
                continue
            try:
                with default_storage.open(old) as f:
                    data = f.read()
            except OSError as err:
                sys.stdout.write(f"\n  投诉举报登记 #{row.pk} 的截图 {old} 无法读取({err}),保留原记录\n")
                entries.append(entry)
                continue
            if hashlib.sha256(data).hexdigest() != sha:
                sys.stdout.write(f"\n  投诉举报登记 #{row.pk} 的截图 {old} 与其记录的 SHA-256 不符,保留原记录\n")
                entries.append(entry)
                continue
            key = original_key(sha)
            store = get_store()
            if not store.exists(key):
                store.put_stream(key, io.BytesIO(data))
            entries.append({**entry, "key": key})
        if entries != row.online_captures:
            complaint.objects.using(db).filter(pk=row.pk).update(online_captures=entries)
            moved.append(row.pk)
    if moved:
        refreeze(apps, schema_editor, "cases", "Complaint", only=moved, reason="网络提交截图移入原始资料存储")


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0007_application_intake'),
        ('events', '0003_record_states'),
        ('ledger', '0002_tiles_and_checkpoint_notes'),
    ]

    operations = [
        migrations.RunPython(move_captures, migrations.RunPython.noop),
    ]
