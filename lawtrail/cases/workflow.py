"""The case stage machine as data: which moves exist, who may make them, what each needs.

Reads only; the writes live in actions.py.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from lawtrail.accounts.choices import Role
from lawtrail.cases import hooks
from lawtrail.cases.choices import FILING_APPROVER_KINDS, ApprovalKind, Procedure, Stage
from lawtrail.lib import timez
from lawtrail.profiles.registry import Profile, get_profile

if TYPE_CHECKING:
    from lawtrail.accounts.models import User
    from lawtrail.cases.models import Case


@dataclass(frozen=True)
class Move:
    to: Stage
    label: str
    # Roles allowed besides the case's own officers; empty means "the case's officers".
    roles: frozenset[str] = frozenset()
    # Inputs the move needs, as (field, label).
    fields: tuple[tuple[str, str], ...] = ()
    guard: Callable[[Case, Profile], str | None] | None = None
    procedures: frozenset[str] = field(default_factory=lambda: frozenset(Procedure.values))
    # Offered as a step on the case page; False where another action makes the move (binding
    # the case file archives the case, on the case file page).
    offered: bool = True


def profile_of(case: Case) -> Profile:
    return get_profile(case.agency.profile_id)


def min_officers(profile: Profile) -> int:
    rule = profile.rule("investigation_officers")
    return int(rule.values.get("min_officers", 1)) if rule else 1


def _enough_officers(case: Case, profile: Profile) -> str | None:
    needed = min_officers(profile)
    # The certificates must be valid on the day the investigation starts, by Beijing's calendar.
    day = timez.beijing(timez.now()).date()
    valid = [o for o in case.officers.all() if o.cert_valid_on(day)]
    if len(valid) < needed:
        rule = profile.rule("investigation_officers")
        cite = f"(依据{rule.law or '《' + profile.name + '》'}{rule.article})" if rule else ""
        return f"调查取证的执法人员不得少于{needed}人且须持有效执法证,当前{len(valid)}人{cite}"
    return None


def _filing_complete(case: Case, profile: Profile) -> str | None:
    missing = [ApprovalKind(k).label for k in missing_filing_approvals(case, profile)]
    if missing:
        return "立案审批尚未完成:缺少" + "、".join(missing)
    return None


def _decision_ready(case: Case, profile: Profile) -> str | None:
    if not case.decision_kind or case.decided_at is None:
        return "尚未拟定处理决定"
    missing = [ApprovalKind(k).label for k in missing_decision_approvals(case)]
    if missing:
        return "处理决定尚未审批:缺少" + "、".join(missing)
    return None


def _served(case: Case, profile: Profile) -> str | None:
    if not case.services.exists():
        return "尚无送达记录,请先登记送达回证"
    return None


def _case_file_bound(case: Case, profile: Profile) -> str | None:
    # 立卷归档 is the binding of the case file: the archivist's check of the assembled file
    # archives the case (lawtrail.archive.actions.do_bind_case_file), never a bare stage change.
    case_file = getattr(case, "case_file", None)
    if case_file is None or not case_file.is_bound:
        return "立卷归档须先由承办人组卷、档案管理员检查装订案卷,装订即归档(见本案「案卷」页)"
    return None


MOVES: dict[Stage, tuple[Move, ...]] = {
    Stage.FILED: (Move(Stage.INVESTIGATING, "开始调查取证", guard=_enough_officers,
                       procedures=frozenset({Procedure.GENERAL})),),
    # An emergency start runs before its approval: investigation may proceed, review may not.
    Stage.INVESTIGATING: (Move(Stage.REVIEWING, "调查终结,提交审查",
                               fields=(("investigation_summary", "调查终结报告"),), guard=_filing_complete),),
    Stage.REVIEWING: (Move(Stage.SERVING, "决定已审批,进入送达执行", guard=_decision_ready),),
    Stage.SERVING: (Move(Stage.CLOSED, "执行完毕,结案", fields=(("execution_result", "执行情况"),),
                         guard=_served),),
    Stage.CLOSED: (Move(Stage.ARCHIVED, "立卷归档", roles=frozenset({Role.ARCHIVIST}), guard=_case_file_bound,
                         offered=False),),
}


def gates_of_move(to: str) -> list[str]:
    """The gates a move to `to` passes: its own, and 结案's or 归档's, which run every blocking rule."""
    gates = [hooks.move_gate(to)]
    if to == Stage.CLOSED:
        gates.append(hooks.CLOSE)
    if to == Stage.ARCHIVED:
        gates.append(hooks.ARCHIVE)
    return gates


def gate_problem_items(case: Case, to: str) -> list[hooks.Missing]:
    """What the registered gates still miss before `case` moves to `to`: the compliance app's
    blocking findings, the documents app's required 文书."""
    missing: list[hooks.Missing] = []
    for gate in gates_of_move(to):
        for item in hooks.missing_for(case, gate):
            if item not in missing:
                missing.append(item)
    return missing


def gate_problem(case: Case, to: str) -> tuple[str, dict[str, object]] | None:
    """gate_problem_items as the Chinese list that refuses the move, and its detail; None when the
    move may go on."""
    missing = gate_problem_items(case, to)
    if not missing:
        return None
    label = hooks.GATE_LABELS.get(hooks.CLOSE if to == Stage.CLOSED else hooks.ARCHIVE if to == Stage.ARCHIVED else "",
                                  f"转入「{Stage(to).label}」")
    err = hooks.refusal(hooks.move_gate(to), missing, what=label)
    return err.message, err.detail


def find_move(case: Case, to: str) -> Move | None:
    for move in MOVES.get(Stage(case.stage), ()):
        if move.to == to and case.procedure in move.procedures:
            return move
    return None


def required_filing_kinds(profile: Profile, case: Case | None = None) -> list[str]:
    rule = profile.rule("filing_approval")
    keys = list(rule.values.get("approvers", ["head"]) if rule else ["head"])
    if rule is not None and case is not None and case.major:
        # A 重大行政执法行为's form also carries these opinions (the legal office's review), given
        # before the head decides: the head approves a start whose legality has been reviewed.
        at = keys.index("head") if "head" in keys else len(keys)
        keys[at:at] = [k for k in rule.values.get("major_approvers", []) if k not in keys]
    return [FILING_APPROVER_KINDS[k] for k in keys]


def _approved_kinds(case: Case, since=None) -> set[str]:
    # Read through .all() so a list of cases with prefetch_related("approvals") (the inbox) asks
    # no query per case; a single case costs the one query it always did.
    return {a.kind for a in case.approvals.all() if a.approved and (since is None or a.at >= since)}


def missing_filing_approvals(case: Case, profile: Profile) -> list[str]:
    done = _approved_kinds(case)
    return [k for k in required_filing_kinds(profile, case) if k not in done]


def missing_decision_approvals(case: Case) -> list[str]:
    # Approvals count only for the decision as it stands: re-drafting it asks for them again.
    done = _approved_kinds(case, since=case.decided_at)
    return [k for k in (ApprovalKind.LEGAL_REVIEW, ApprovalKind.DECISION_HEAD) if k not in done]


def is_case_officer(user: User, case: Case) -> bool:
    if user.is_superuser or user.pk == case.handler_id:
        return True
    if case.officers.filter(pk=user.pk).exists():
        return True
    return user.has_role(Role.HANDLER, case.unit_id) and user.unit_id == case.unit_id


def may_move(user: User, case: Case, move: Move) -> bool:
    if move.roles:
        return user.is_superuser or any(user.has_role(r, case.unit_id) for r in move.roles)
    return is_case_officer(user, case)


def may_approve(user: User, case: Case, kind: str) -> bool:
    if user.is_superuser:
        return True
    if kind == ApprovalKind.FILING_UNIT_HEAD:
        # 承办机构意见 is the unit's own head's: an agency-wide grant does not stand in for it,
        # so the two opinions of the 立案审批表 come from two people.
        return any(g.role == Role.HEAD and g.unit_id == case.unit_id for g in user.grants)
    if kind in (ApprovalKind.FILING_HEAD, ApprovalKind.DECISION_HEAD):
        return user.has_agency_role(Role.HEAD)
    if kind in (ApprovalKind.LEGAL_REVIEW, ApprovalKind.FILING_LEGAL_REVIEW):
        return user.has_role(Role.LEGAL_REVIEWER)
    return False


def approvals_given_by(user: User) -> dict[str, list[int] | None]:
    """The opinions `user` may give (may_approve), each with the units whose cases and complaints
    it may give it for (None: any of the agency's). For a list to ask the database for those only;
    may_approve stays the word on each record."""
    if user.is_superuser:
        return {kind: None for kind in ApprovalKind.values}
    given: dict[str, list[int] | None] = {}
    units = [g.unit_id for g in user.grants if g.role == Role.HEAD and g.unit_id is not None]
    if units:
        given[ApprovalKind.FILING_UNIT_HEAD] = units
    if user.has_agency_role(Role.HEAD):
        given[ApprovalKind.FILING_HEAD] = given[ApprovalKind.DECISION_HEAD] = None
    if user.has_role(Role.LEGAL_REVIEWER):
        given[ApprovalKind.LEGAL_REVIEW] = given[ApprovalKind.FILING_LEGAL_REVIEW] = None
    return given


def pending_approval_kinds(case: Case) -> list[str]:
    """The opinions the case is waiting for now, in the order they must be given."""
    if case.stage in (Stage.REGISTERED,) or (
        case.emergency and case.stage in (Stage.FILED, Stage.INVESTIGATING)
    ):
        missing = missing_filing_approvals(case, profile_of(case))
        return missing[:1]
    if case.stage == Stage.REVIEWING and case.decided_at is not None:
        return missing_decision_approvals(case)[:1]
    return []
