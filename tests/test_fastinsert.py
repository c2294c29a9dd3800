"""lawtrail.lib.fastinsert.new builds what the model's own constructor builds (the bundle import
builds its hundred objects a case with it)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import models

from lawtrail.cases.models import Case
from lawtrail.documents.models import Document, Signature
from lawtrail.lib.fastinsert import new

MOMENT = dt.datetime(2025, 5, 12, 2, 0, tzinfo=dt.UTC)


def row(obj: models.Model) -> dict[str, Any]:
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


def test_it_gives_the_values_and_defaults_the_constructor_gives() -> None:
    case = Case(pk=7, number="示劳监立〔2025〕第1号")
    document = Document(pk=11, case=case)
    values = {"document": document, "slot": "officer", "role": "officer", "kind": "handwritten",
              "name": "李明", "at": MOMENT}
    built, made = new(Signature, **values), Signature(**values)
    assert row(built) == row(made)
    assert built.document is document and built.document_id == 11
    assert built._state.adding and built._state.db is None
    # A callable default gives each object a value of its own, as the constructor's does.
    assert built.witnesses == [] and built.witnesses is not new(Signature, **values).witnesses


def test_it_takes_a_relation_by_its_id_or_none() -> None:
    by_id = new(Document, case_id=7, type_code="x", created_by=None)
    assert row(by_id) == row(Document(case_id=7, type_code="x", created_by=None))
    assert by_id.created_by_id is None


def test_it_refuses_a_name_the_model_does_not_have() -> None:
    with pytest.raises(TypeError, match="no_such_field"):
        new(Signature, no_such_field=1)


def test_rows_held_for_a_batch_are_copied_in_at_its_end_under_the_ids_they_were_given(db: None) -> None:
    """An import writes each bundle's lists inside held(), its batch inside holding(): on PostgreSQL
    each row takes an id taken ahead from its table's sequence, and the rows of the held() blocks
    that ended without an error are copied in when holding() ends (on SQLite they go at once).
    Either way, once the batch is over the kept rows are there under those ids, and the rows of
    a block that failed are not."""
    import sqlite3

    import psycopg
    from django.db import IntegrityError, transaction

    from lawtrail.accounts.models import Unit
    from lawtrail.lib.fastinsert import held, holding, insert
    from lawtrail.testing.personas import build_world

    agency = build_world().agency
    with holding():
        with held():
            first = insert([new(Unit, agency=agency, name=f"导入中队{i}") for i in range(3)])
            second = insert([new(Unit, agency=agency, name="导入中队9")])
        with pytest.raises(RuntimeError), transaction.atomic(), held():
            insert([new(Unit, agency=agency, name="未导入中队")])
            raise RuntimeError("the bundle is refused after its rows were made")
    units = [*first, *second]
    assert all(u.pk is not None and not u._state.adding for u in units)
    assert len({u.pk for u in units}) == 4
    assert dict(Unit.objects.filter(pk__in=[u.pk for u in units]).values_list("pk", "name")) == {
        u.pk: u.name for u in units}
    assert not Unit.objects.filter(name="未导入中队").exists()
    # A row the database refuses (the same name twice in an agency) fails the batch that holds it
    # (with the driver's own error: the rows go by the driver's cursor).
    with pytest.raises((IntegrityError, sqlite3.IntegrityError, psycopg.IntegrityError)), \
            transaction.atomic(), holding(), held():
        insert([new(Unit, agency=agency, name="导入中队0")])
    assert Unit.objects.filter(agency=agency, name="导入中队0").count() == 1
