"""The one access policy for record content: who may view, download or copy a case, a document
or an AV record, and why (docs/access.md has the matrix).

Every place that serves record content asks `authorize(user, action, obj)`; every list of
records a user sees goes through `restrict(qs, user)`, which also hides marked records the
user is not cleared for. Three actions:

- view: see it in the browser (pages, inline PDF, preview, thumbnail);
- download: take the file away (the original of an AV record, a document's issued PDF or DOCX,
  a case's documents printed as one PDF);
- copy: a copy handed out under a grant or a share — always derived, watermarked where the
  format allows, and logged with its hash.

Handlers cannot keep records to themselves: seeing a case is not enough to take its files
away. A download needs a role that keeps or judges records (archivist, legal reviewer, the
head of the unit or of the agency) or a grant (an approved 调用单) that names the record.
The one exception is the case's own handler and officers taking the documents of a case
that is still open: they make and serve those documents, and a 文书 is printed to be handed
to the party.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import models

from lawtrail.accounts.choices import Role
from lawtrail.cases.models import Case
from lawtrail.documents.models import Document
from lawtrail.evidence.models import Evidence
from lawtrail.lib import timez
from lawtrail.lib.errors import Forbidden, NotFound

from .choices import RequestStatus, Secrecy

if TYPE_CHECKING:
    from lawtrail.accounts.models import User

    from .models import AccessRequest

ACTIONS = ("view", "download", "copy")
NOT_FOUND_MESSAGE = "资料不存在或无权查看"

# Roles that may download any record of the units they see (without a grant).
DOWNLOAD_ROLES_AGENCY = (Role.ARCHIVIST, Role.LEGAL_REVIEWER)
DOWNLOAD_ROLES_UNIT = (Role.HEAD,)


@dataclass(frozen=True)
class RecordKind:
    """One kind of record the policy knows: how to find its case, its unit, and what a user sees."""

    key: str
    label: str
    model: type[models.Model]
    case_of: Callable[[Any], Case | None]
    unit_of: Callable[[Any], int]


KINDS: dict[str, RecordKind] = {
    "case": RecordKind("case", "案件", Case, lambda c: c, lambda c: c.unit_id),
    # A document is a case's, or (intake documents) a complaint's that may never become a case, or
    # (patrol documents) an inspection's that opened none.
    "document": RecordKind("document", "执法文书", Document, lambda d: d.case, lambda d: d.owner.unit_id),
    "evidence": RecordKind("evidence", "音像资料", Evidence, lambda e: e.case, lambda e: e.unit_id),
    # An archive package (built on another branch) joins with one line, e.g.:
    # "package": RecordKind("package", "归档包", Package, lambda p: p.case, lambda p: p.case.unit_id),
}


def kind_of(obj: models.Model) -> RecordKind:
    for kind in KINDS.values():
        if isinstance(obj, kind.model):
            return kind
    raise TypeError(f"not a record the access policy knows: {type(obj).__name__}")


@dataclass
class Decision:
    """The answer for one user, action and record; `via` says what allowed it."""

    allowed: bool
    action: str
    via: str = ""  # role, handler, grant
    grant: AccessRequest | None = None
    marks: list[str] = field(default_factory=list)
    visible: bool = True
    code: str = ""
    message: str = ""

    @property
    def watermarked_copy(self) -> bool:
        """Handed out under a grant: the file leaves as a derived, watermarked copy."""
        return self.via == "grant"

    def not_found(self) -> NotFound:
        """The one answer for a record that is missing or not to be seen: the two look alike."""
        return NotFound("not_found", NOT_FOUND_MESSAGE)

    def raise_if_refused(self) -> None:
        if self.allowed:
            return
        if not self.visible:
            raise self.not_found()
        raise Forbidden(self.code, self.message, {"marks": self.marks})


# ---------------------------------------------------------------- confidentiality


def marks_of(obj: models.Model) -> list[str]:
    """The active markings on a record and on its case (a mark on a case covers its records)."""
    from .models import ConfidentialityMark

    kind = kind_of(obj)
    case = kind.case_of(obj)
    q = models.Q(**{kind.key: obj.pk}) if kind.key != "case" else models.Q(case=obj.pk)
    if case is not None and kind.key != "case":
        q |= models.Q(case=case.pk)
    levels = ConfidentialityMark.objects.filter(q, active=True).values_list("level", flat=True)
    return sorted(set(levels))


def _works_in(user: User, unit_id: int) -> bool:
    """An officer or 承办人 of the unit (an agency-wide reading role is not)."""
    return user.has_role(Role.OFFICER, unit_id) or user.has_role(Role.HANDLER, unit_id)


def _works_on(user: User, case: Case | None) -> bool:
    if case is None:
        return False
    return case.handler_id == user.pk or case.officers.filter(pk=user.pk).exists()


def cleared_by_role(user: User, levels: list[str], *, unit_id: int, case: Case | None) -> bool:
    """Whether the user's roles clear every marking: 国家秘密 only the head of the agency; trade
    secrets and privacy also the unit's head, archivists, legal reviewers and the case's own
    officers (who gathered the material)."""
    if user.is_superuser:
        return True
    for level in levels:
        if level == Secrecy.STATE:
            ok = user.has_agency_role(Role.HEAD)
        else:
            ok = (user.has_role(Role.HEAD, unit_id) or user.has_agency_role(Role.ARCHIVIST)
                  or user.has_agency_role(Role.LEGAL_REVIEWER) or _works_on(user, case))
        if not ok:
            return False
    return True


def may_mark(user: User, obj: models.Model) -> bool:
    kind = kind_of(obj)
    unit_id = kind.unit_of(obj)
    return user.is_superuser or user.has_role(Role.HEAD, unit_id) or user.has_agency_role(Role.ARCHIVIST) \
        or user.has_agency_role(Role.LEGAL_REVIEWER) or _works_on(user, kind.case_of(obj))


# ---------------------------------------------------------------- grants


def grants_of(user: User) -> models.QuerySet[AccessRequest]:
    from .models import AccessRequest

    if not user.is_authenticated:
        return AccessRequest.objects.none()
    return AccessRequest.objects.filter(requester=user, status=RequestStatus.APPROVED, revoked_at__isnull=True,
                                        expires_at__gt=timez.now())


def grant_for(user: User, obj: models.Model, marks: list[str], *,
              only: AccessRequest | None = None) -> AccessRequest | None:
    """A grant in force for this user that names the record and clears its markings."""
    kind = kind_of(obj)
    candidates = [only] if only is not None else list(grants_of(user))
    now = timez.now()
    for grant in candidates:
        if grant is None or grant.requester_id != user.pk or not grant.valid_at(now):
            continue
        if not set(marks) <= set(grant.clearances or []):
            continue
        if grant.covers(kind.key, int(obj.pk)):
            return grant
    return None


# ---------------------------------------------------------------- the decision


def _visible(user: User, obj: models.Model) -> bool:
    manager = type(obj)._default_manager
    return bool(manager.restrict(user).filter(pk=obj.pk).exists())  # type: ignore[attr-defined]


def may_download_by_role(user: User, unit_id: int) -> bool:
    if user.is_superuser:
        return True
    return any(user.has_agency_role(r) for r in DOWNLOAD_ROLES_AGENCY) or \
        any(user.has_role(r, unit_id) for r in DOWNLOAD_ROLES_UNIT)


def authorize(user: User, action: str, obj: models.Model, *, grant: AccessRequest | None = None) -> Decision:
    """May `user` do `action` (view, download, copy) on `obj`? With `grant`, only that grant counts."""
    if action not in ACTIONS:
        raise ValueError(action)
    kind = kind_of(obj)
    case = kind.case_of(obj)
    unit_id = kind.unit_of(obj)
    marks = marks_of(obj)
    if grant is not None and not grant.covers(kind.key, int(obj.pk)):
        # A record the grant does not name answers exactly like a missing one: naming ids under a
        # 调用单 must not tell which exist (or which are marked) in the agency.
        return Decision(False, action, visible=False, code="not_found", message=NOT_FOUND_MESSAGE)
    visible = user.is_authenticated and _visible(user, obj) and grant is None
    cleared = visible and cleared_by_role(user, marks, unit_id=unit_id, case=case)
    if visible and cleared:
        if action == "view":
            return Decision(True, action, "role", marks=marks)
        if may_download_by_role(user, unit_id):
            return Decision(True, action, "role", marks=marks)
        if (action == "download" and kind.key in ("document", "case") and case is not None
                and case.closed_at is None and _works_on(user, case)):
            return Decision(True, action, "handler", marks=marks)
        if action == "download" and kind.key == "document" and case is None and _works_in(user, unit_id):
            # Intake paperwork (不予受理决定书, 一次性补证告知书 …) is printed and handed to the complainant by
            # the officers of the unit that handles the complaint, a patrol's 责令改正决定书 to the
            # inspected unit by the patrol's; there is no case file to keep it in (yet). Reading roles (supervisor, administrator) get the same answer as on case documents.
            return Decision(True, action, "handler", marks=marks)
    found = grant_for(user, obj, marks, only=grant) if user.is_authenticated else None
    if found is not None:
        # A grant hands out copies: a download under it is a copy.
        return Decision(True, "copy" if action != "view" else "view", "grant", grant=found, marks=marks)
    if not visible and grant is None:
        return Decision(False, action, visible=False, marks=marks, code="not_found", message=NOT_FOUND_MESSAGE)
    if marks and not cleared:
        labels = "、".join(Secrecy(m).label for m in marks)
        return Decision(False, action, marks=marks, code="not_cleared",
                        message=f"该资料已标记为{labels},您的角色或调用授权未获相应保密权限")
    if grant is not None:
        return Decision(False, action, marks=marks, code="grant_not_valid",
                        message="调用授权已过期、已撤销、未批准或不包括该资料")
    return Decision(False, action, marks=marks, code="download_not_allowed",
                    message="下载或复制须由档案管理员、法制审核人员或负责人办理,或持经批准的调用单(调用授权)")


# ---------------------------------------------------------------- lists


def hidden_ids(model: type[models.Model], user: User) -> set[int]:
    """Ids of marked records of `model` the user may not see (no clearing role, no grant)."""
    from .models import ConfidentialityMark

    if user.is_superuser or not user.is_authenticated:
        return set()
    kind = next(k for k in KINDS.values() if k.model is model)
    marks = list(ConfidentialityMark.objects.filter(active=True, agency_id=user.agency_id or 0)
                 .values_list("case_id", "document_id", "evidence_id"))
    if not marks:
        return set()
    direct = {m[{"case": 0, "document": 1, "evidence": 2}[kind.key]] for m in marks} - {None}
    marked_cases = {m[0] for m in marks if m[0]}
    ids = set(direct)
    if kind.key != "case" and marked_cases:
        ids |= set(model._default_manager.filter(case_id__in=marked_cases).values_list("pk", flat=True))
    hidden: set[int] = set()
    for obj in model._default_manager.filter(pk__in=ids):
        if not authorize(user, "view", obj).allowed:
            hidden.add(int(obj.pk))
    return hidden


M = Any


def restrict(qs: models.QuerySet[M], user: User, action: str = "view", **options: Any) -> models.QuerySet[M]:
    """What the user may see of `qs`: the model's own `.restrict` (with its `options`), less marked
    records not cleared."""
    base = qs.restrict(user, action, **options)  # type: ignore[attr-defined]
    hidden = hidden_ids(qs.model, user)
    return base.exclude(pk__in=hidden) if hidden else base


def hidden_events(user: User) -> models.Q:
    """Domain events about marked records the user may not read (the event's object, or the record
    an access event names). A list of events (a timeline, the ledger) names the others; these it
    leaves out or withholds, so that a hash or a file name does not leak through the history."""
    where = models.Q(pk__in=[])
    for key, object_type in (("document", "documents.document"), ("evidence", "evidence.evidence")):
        ids = hidden_ids(KINDS[key].model, user)
        if ids:
            where |= models.Q(object_type=object_type, object_id__in=[str(i) for i in ids])
            where |= models.Q(action__startswith="access.", payload__record=key, payload__record_id__in=sorted(ids))
    return where

