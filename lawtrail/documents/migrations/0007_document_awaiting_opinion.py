"""The opinion an issued document waits for (its first 审批栏 without one), stored: 我的待办 reads
the few forms that wait for the opinions a user gives through an index of their own, instead of
every form of the open cases.
The column is added empty (nullable: an ALTER TABLE, not a copy of the table on SQLite) and filled
for the forms that wait now: issued, of a case not archived or of no case, read a chunk at a time
with their signatures, as the signing keeps it from now on (documents.signing.refresh_awaiting)."""

from django.conf import settings
from django.db import migrations, models
from django.db.models import Q

CHUNK = 2000


def fill(apps, schema_editor):  # type: ignore[no-untyped-def]
    from lawtrail.cases.choices import Stage
    from lawtrail.documents.models import parsed_definition
    from lawtrail.documents.signing import awaiting_for, slots_for
    from lawtrail.profiles.registry import get_profile

    Agency = apps.get_model("accounts", "Agency")
    Document = apps.get_model("documents", "Document")
    Signature = apps.get_model("documents", "Signature")
    DocumentTypeVersion = apps.get_model("documents", "DocumentTypeVersion")
    profiles = {pk: get_profile(profile_id) for pk, profile_id in Agency.objects.values_list("pk", "profile_id")}
    open_stages = [stage for stage in Stage.values if stage != Stage.ARCHIVED]
    forms = (Document.objects.filter(Q(case__isnull=True) | Q(case__stage__in=open_stages), status="issued")
             .order_by("pk").values_list("pk", "agency_id", "definition_id"))
    types: dict[str, object] = {}

    def type_of(sha: str):  # type: ignore[no-untyped-def]
        if sha not in types:
            types[sha] = parsed_definition(sha, DocumentTypeVersion.objects.get(pk=sha))
        return types[sha]

    last = 0
    while chunk := list(forms.filter(pk__gt=last)[:CHUNK]):
        last = chunk[-1][0]
        signed: dict[int, list[tuple[str, str]]] = {}
        for document_id, slot, kind in Signature.objects.filter(document_id__in=[pk for pk, _, _ in chunk]) \
                .values_list("document_id", "slot", "kind"):
            signed.setdefault(document_id, []).append((slot, kind))
        waiting: dict[str, list[int]] = {}
        for pk, agency_id, sha in chunk:
            key = awaiting_for("issued", slots_for(type_of(sha), profiles[agency_id]), signed.get(pk, []))
            if key is not None:
                waiting.setdefault(key, []).append(pk)
        for key, pks in waiting.items():
            Document.objects.filter(pk__in=pks).update(awaiting_opinion=key)


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0003_oversight_grant'),
        ('cases', '0012_case_stage_agency'),
        ('documents', '0006_document_on_inspection'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='document',
            name='awaiting_opinion',
            field=models.CharField(blank=True, editable=False, max_length=32, null=True, verbose_name='待签审批意见'),
        ),
        migrations.AddIndex(
            model_name='document',
            index=models.Index(condition=models.Q(('awaiting_opinion__isnull', False)), fields=['awaiting_opinion', '-id'], name='document_awaiting_opinion'),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
