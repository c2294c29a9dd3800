"""The access app's background jobs (Huey): large batch prints, and the sweep of old ones."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from lawtrail.access import prints

if TYPE_CHECKING:
    from lawtrail.accounts.models import User
    from lawtrail.cases.models import Case
    from lawtrail.documents.models import Document


def queue_case_print(user: User, case: Case, docs: list[Document]) -> str:
    """A large batch print: checked now, bound by a worker once this transaction commits; the
    token of its download link."""
    token = prints.prepare(user, case, docs)
    transaction.on_commit(lambda: bind_case_print(token))
    return token


@db_task()
def bind_case_print(token: str) -> None:
    prints.build(token)


@db_periodic_task(crontab(minute="23"))
def sweep_prints() -> None:
    prints.sweep()
