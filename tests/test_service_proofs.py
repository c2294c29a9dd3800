"""送达留痕: what proves a service by its method (a mailed document's 付邮凭证和回执, the attempts
before a public announcement, the record of an electronic service) is entered with the service
or added when it comes to hand, on the page and in the API; the compliance check that asks for it
then lets the case close."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from lawtrail.cases.actions import do_add_service_proof, do_record_service, do_transition_case
from lawtrail.cases.choices import ServiceMethod, Stage
from lawtrail.cases.models import Case, Service
from lawtrail.events.models import DomainEvent
from lawtrail.lib import timez
from lawtrail.lib.errors import Conflict, Forbidden, InvalidInput
from lawtrail.testing.api import ApiClient
from lawtrail.testing.personas import World
from lawtrail.testing.scenarios import advance, decision_document_id, register_case

CLOSE = {"execution_result": "罚款已缴纳"}


def serving(world: World) -> Case:
    return advance(world, register_case(world), Stage.SERVING)


def mail(case: Case, **proof: str) -> Service:
    return do_record_service(case, document_id=decision_document_id(case), method=ServiceMethod.MAIL,
                             served_at=timez.now(),
                             recipient="某某公司", note="EMS 挂号", actor=case.handler, **proof)


def test_a_mailed_decision_without_its_receipt_keeps_the_case_open_until_the_receipt_is_added(world: World) -> None:
    case = serving(world)
    service = mail(case)
    with pytest.raises(Conflict) as err:
        do_transition_case(case, to=Stage.CLOSED, fields=CLOSE, actor=world.alice)
    assert err.value.code == "step_incomplete"
    assert "付邮凭证和回执" in err.value.message and "第二十六条" in err.value.message

    do_add_service_proof(service, receipt="EMS 1234567890123,回执已由张三于次日签收", actor=world.alice)
    do_transition_case(case, to=Stage.CLOSED, fields=CLOSE, actor=world.alice)
    assert Case.objects.get(pk=case.pk).stage == Stage.CLOSED
    added = DomainEvent.objects.get(action="case.add_service_proof")
    assert added.case_id_frozen == case.pk and added.payload["receipt"].startswith("EMS 1234567890123")


def test_a_receipt_entered_with_the_service_satisfies_the_check_at_once(world: World) -> None:
    case = serving(world)
    mail(case, receipt="EMS 1234567890123,回执已签收")
    do_transition_case(case, to=Stage.CLOSED, fields=CLOSE, actor=world.alice)
    assert Case.objects.get(pk=case.pk).stage == Stage.CLOSED
    recorded = DomainEvent.objects.get(action="case.record_service")
    assert recorded.payload["receipt"] == "EMS 1234567890123,回执已签收" and "attempts" not in recorded.payload


def test_it_refuses_an_empty_a_too_long_a_strangers_and_a_late_proof(world: World) -> None:
    case = serving(world)
    service = mail(case)
    with pytest.raises(InvalidInput) as err:
        do_add_service_proof(service, receipt="  ", actor=world.alice)
    assert err.value.code == "missing_field"
    with pytest.raises(InvalidInput) as err:
        do_add_service_proof(service, attempts="多" * 2001, actor=world.alice)
    assert err.value.code == "field_too_long" and err.value.detail == {"field": "attempts"}
    with pytest.raises(Forbidden):
        do_add_service_proof(service, receipt="EMS 1", actor=world.bob)
    do_add_service_proof(service, receipt="EMS 1", actor=world.alice)
    do_transition_case(case, to=Stage.CLOSED, fields=CLOSE, actor=world.alice)
    with pytest.raises(Conflict) as err:
        do_add_service_proof(service, receipt="EMS 2", actor=world.alice)
    assert err.value.code == "wrong_stage"
    assert service.proof.receipt == "EMS 1"  # type: ignore[attr-defined]
    refused = DomainEvent.objects.filter(action="case.add_service_proof", outcome="refused").count()
    assert refused == 4  # every refusal is on the record


def test_the_case_page_takes_the_proof_with_the_service_or_afterwards(world: World) -> None:
    case = serving(world)
    page = Client()
    page.force_login(world.alice)
    url = f"/cases/{case.pk}/"
    assert 'data-step="service_proof:service_proof"' not in page.get(url).content.decode()
    response = page.post(f"{url}service/", {
        "document_id": decision_document_id(case), "method": "mail", "served_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "recipient": "某某公司", "note": "", "receipt": "EMS 9876543210987", "attempts": "", "record": ""})
    assert response.status_code == 302
    service = Service.objects.get(case=case)
    html = page.get(url).content.decode()
    assert "付邮凭证和回执:EMS 9876543210987" in html and 'data-step="service_proof:service_proof"' in html
    response = page.post(f"{url}service_proof/", {"service": service.pk, "receipt": "EMS 9876543210987,回执已签收",
                                                  "attempts": "", "record": ""})
    assert response.status_code == 302
    assert "回执已签收" in page.get(url).content.decode()
    refused = page.post(f"{url}service_proof/", {"service": service.pk, "receipt": "", "attempts": "", "record": ""})
    assert refused.status_code == 400 and "请填写要补充的送达留痕" in refused.content.decode()


def test_the_api_takes_the_proof_with_the_service_or_afterwards(world: World) -> None:
    case = serving(world)
    api = ApiClient(world.alice)
    reply = api.post(f"/api/cases/{case.pk}/services", {
        "document_id": decision_document_id(case), "method": "mail", "served_at": timez.now().isoformat(), "recipient": "某某公司"})
    assert reply.status == 201
    [service] = reply.body["services"]
    assert service["receipt"] == "" and service["attempts"] == ""
    reply = api.post(f"/api/cases/{case.pk}/services/{service['id']}/proof", {"receipt": "EMS 1,回执已签收"})
    assert reply.status == 200 and reply.body["services"][0]["receipt"] == "EMS 1,回执已签收"
    missing = api.post(f"/api/cases/{case.pk}/services/999999/proof", {"receipt": "EMS 1"})
    assert missing.status == 404 and missing.body["code"] == "not_found"
    empty = api.post(f"/api/cases/{case.pk}/services/{service['id']}/proof", {})
    assert empty.status == 422 and empty.body["code"] == "missing_field"
    assert api.post(f"/api/cases/{case.pk}/transitions", {"to": "closed", "fields": CLOSE}).status == 200


def test_邮件被退回的情况和传真号码可以登记_并随数据包导出(world: World) -> None:
    from lawtrail.compliance import bundle as bundles
    from lawtrail.compliance.export import export_case

    case = serving(world)
    service = mail(case, returned="EMS 1 因地址不详被邮政企业退回")
    api = ApiClient(world.alice)
    reply = api.post(f"/api/cases/{case.pk}/services/{service.pk}/proof", {"fax": "2025-03-26 10:00 发至 028-88886666"})
    assert reply.status == 200
    [shown] = reply.body["services"]
    assert shown["returned"].startswith("EMS 1") and shown["fax"].endswith("028-88886666")
    [exported] = bundles.validate(export_case(case))["services"]
    assert exported["returned"].startswith("EMS 1") and "028-88886666" in exported["fax"]
    page = Client()
    page.force_login(world.alice)
    html = page.get(f"/cases/{case.pk}/").content.decode()
    assert "邮件被邮政企业退回的具体情况" in html and "传真时间和受送达人的传真号码" in html
    # A returned mail is recorded: the labour rules' 付邮凭证和回执 check is answered by it.
    do_transition_case(case, to=Stage.CLOSED, fields=CLOSE, actor=world.alice)
