"""The decision pages: who may reach each (a partner login and an outsider are refused, an auditor only reads),
the workflow through the pages, and query counts that stay flat as decisions grow. Also the API's decisions and
the demo's November 2013 decision."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse

from reports.models import Decision
from tests import factories
from tests.decision_support import cabinet_template, decided, draft, signed_off, submitted

pytestmark = pytest.mark.django_db


@pytest.fixture
def template(commission):  # type: ignore[no-untyped-def]
    return cabinet_template(commission)


def _urls(decision: Decision) -> dict[str, str]:
    c, pk = decision.commission_id, decision.pk
    return {
        "list": reverse("decision-list", args=[c]),
        "create": reverse("decision-create", args=[c]),
        "detail": reverse("decision-detail", args=[c, pk]),
        "edit": reverse("decision-edit", args=[c, pk]),
        "recommendation-add": reverse("decision-recommendation-add", args=[c, pk]),
        "recommendation-edit": reverse("decision-recommendation-edit", args=[c, pk, 1]),
        "decide": reverse("decision-decide", args=[c, pk]),
        "return": reverse("decision-return", args=[c, pk]),
    }


READ = ("list", "detail")
WRITE = ("create", "edit", "recommendation-add", "recommendation-edit")


@pytest.mark.parametrize("persona", ["lead_a", "lead_b", "outsider"])
def test_partner_logins_and_outsiders_are_refused_every_page(as_persona, template, persona):
    decision = draft(template)
    client = as_persona(persona)
    for name, url in _urls(decision).items():
        assert client.get(url).status_code == 403, name
    for name in ("decision-submit", "decision-sign-off"):
        response = client.post(reverse(name, args=[decision.commission_id, decision.pk]), {"role": "report_author"})
        assert response.status_code == 403, name
    decision.refresh_from_db()
    assert decision.status == "draft"


def test_anonymous_visitors_are_asked_to_sign_in(client, template):
    decision = draft(template)
    for url in _urls(decision).values():
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_auditor_reads_but_changes_nothing(as_persona, template):
    decision = submitted(template)
    client = as_persona("auditor")
    urls = _urls(decision)
    for name in READ:
        assert client.get(urls[name]).status_code == 200, name
    page = client.get(urls["detail"]).content.decode()
    assert "Sign off as" not in page
    assert "Return to draft" not in page
    for name in (*WRITE, "decide", "return"):
        assert client.get(urls[name]).status_code == 403, name
    assert client.post(reverse("decision-submit", args=[decision.commission_id, decision.pk])).status_code == 403
    response = client.post(
        reverse("decision-sign-off", args=[decision.commission_id, decision.pk]), {"role": "report_author"}
    )
    assert response.status_code == 403
    assert not decision.sign_offs.exists()


def test_a_decision_of_another_commission_is_not_found(as_persona, template):
    decision = draft(template)
    other = factories.CommissionFactory()
    url = reverse("decision-detail", args=[other.pk, decision.pk])
    assert as_persona("officer").get(url).status_code == 404


def test_officer_creates_a_decision_through_the_page(as_persona, template):
    client = as_persona("officer")
    url = reverse("decision-create", args=[template.commission_id])
    assert client.get(url).status_code == 200
    response = client.post(url, {"template": template.pk, "title": "", "decision_maker": "", "is_key": "on"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in page
    assert "Enter the title" in page
    assert not Decision.objects.exists()
    response = client.post(
        url,
        {
            "template": template.pk,
            "title": "Strategy",
            "decision_maker": "Cabinet Member",
            "due_on": "12/11/2013",
            "contact_email": "mel@example.gov.uk",
        },
    )
    decision = Decision.objects.get()
    assert response["Location"] == reverse("decision-detail", args=[template.commission_id, decision.pk])
    assert (decision.reference, decision.due_on) == ("CM001/13", dt.date(2013, 11, 12))


def test_a_key_decision_without_its_reason_shows_the_services_message(as_persona, template):
    client = as_persona("officer")
    url = reverse("decision-create", args=[template.commission_id])
    response = client.post(url, {"template": template.pk, "title": "T", "decision_maker": "M", "is_key": "on"})
    assert "Say why this is a key decision." in response.content.decode()
    assert not Decision.objects.exists()


def test_the_workflow_through_the_pages(as_persona, template, officer, manager):
    decision = draft(template, officer)
    officer_client, manager_client = as_persona("officer"), as_persona("manager")
    c, pk = decision.commission_id, decision.pk
    officer_client.post(reverse("decision-submit", args=[c, pk]))
    decision.refresh_from_db()
    assert decision.status == "submitted"
    # An edit of a submitted decision is refused.
    response = officer_client.post(reverse("decision-edit", args=[c, pk]), {"title": "Changed", "decision_maker": "M"})
    assert "return it to draft first" in response.content.decode()
    page = manager_client.get(reverse("decision-detail", args=[c, pk])).content.decode()
    assert "Sign off as report author" in page
    assert "Sign off as chief finance officer (treasurer)" in page
    # The officer who submitted may sign as author, but not as chief finance officer.
    assert (
        officer_client.post(reverse("decision-sign-off", args=[c, pk]), {"role": "chief_finance_officer"}).status_code
        == 403
    )
    officer_client.post(reverse("decision-sign-off", args=[c, pk]), {"role": "report_author"})
    manager_client.post(reverse("decision-sign-off", args=[c, pk]), {"role": "chief_finance_officer"})
    decision.refresh_from_db()
    assert decision.status == "signed_off"
    response = manager_client.post(
        reverse("decision-decide", args=[c, pk]),
        {
            "outcome": "approved",
            "decided_on": "12/11/2013",
            "recommendation_1": "approved",
            "recommendation_2": "approved",
        },
    )
    assert response.status_code == 302
    decision.refresh_from_db()
    assert (decision.status, decision.outcome) == ("decided", "approved")
    page = manager_client.get(reverse("decision-detail", args=[c, pk])).content.decode()
    assert f"{decision.reference} decided: approved." in page
    assert "Recommendations" in page
    assert "(ii) Provide outline approval" in page
    assert "12 November 2013" in page


def test_return_to_draft_through_the_page(as_persona, template):
    decision = submitted(template)
    client = as_persona("manager")
    url = reverse("decision-return", args=[decision.commission_id, decision.pk])
    response = client.post(url, {"reason": ""})
    assert "Say why the decision is returned to draft" in response.content.decode()
    client.post(url, {"reason": "Figures changed"})
    decision.refresh_from_db()
    assert decision.status == "draft"


def test_decide_page_refuses_an_officer(as_persona, template):
    decision = signed_off(template)
    response = as_persona("officer").post(
        reverse("decision-decide", args=[decision.commission_id, decision.pk]),
        {"outcome": "approved", "decided_on": "12/11/2013", "recommendation_1": "approved"},
    )
    assert response.status_code == 403
    decision.refresh_from_db()
    assert decision.status == "signed_off"


def test_list_and_detail_queries_stay_flat(as_persona, template, django_assert_max_num_queries):
    client = as_persona("manager")
    decision = decided(template)
    urls = _urls(decision)
    with django_assert_max_num_queries(14):
        assert client.get(urls["list"]).status_code == 200
    with django_assert_max_num_queries(20):
        assert client.get(urls["detail"]).status_code == 200
    for _ in range(5):
        decided(template)
    with django_assert_max_num_queries(14):
        assert client.get(urls["list"]).status_code == 200
    with django_assert_max_num_queries(20):
        assert client.get(urls["detail"]).status_code == 200


def test_approving_a_drawdown_offers_the_decided_decisions(as_persona, template):
    decision = decided(template)
    reserve = factories.ReserveFactory(commission=template.commission, opening_balance=Decimal("730000.00"))
    drawdown = factories.ReserveDrawdownFactory(reserve=reserve, amount=Decimal("321000"))
    url = reverse("drawdown-approve", args=[template.commission_id, reserve.pk, drawdown.pk])
    client = as_persona("manager")
    assert "CM001/13: Strategy for the Joint Commission" in client.get(url).content.decode()
    client.post(url, {"decision": decision.pk})
    drawdown.refresh_from_db()
    assert (drawdown.status, drawdown.decision, drawdown.decision_reference) == ("approved", decision, "CM001/13")
    page = client.get(reverse("decision-detail", args=[template.commission_id, decision.pk])).content.decode()
    assert "Drawdown of £321,000" in page


# API -------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["officer", "manager", "auditor"])
def test_staff_read_decisions_in_the_api(as_persona, template, persona):
    decision = decided(template)
    response = as_persona(persona).get("/api/v1/decisions/", {"commission": decision.commission_id})
    assert response.status_code == 200
    row = response.json()["results"][0]
    assert (row["reference"], row["status"], row["outcome"]) == ("CM001/13", "decided", "approved")
    assert [r["numeral"] for r in row["recommendations"]] == ["i", "ii"]
    assert [s["role"] for s in row["sign_offs"]] == ["report_author", "chief_finance_officer"]


@pytest.mark.parametrize(("persona", "code"), [("lead_a", 403), ("lead_b", 403), ("outsider", 403), ("anonymous", 401)])
def test_partner_logins_see_no_decisions_in_the_api(as_persona, template, persona, code):
    decision = draft(template)
    client = as_persona(persona)
    assert client.get("/api/v1/decisions/").status_code == code
    assert client.get(f"/api/v1/decisions/{decision.pk}/").status_code == code
    assert client.post(f"/api/v1/decisions/{decision.pk}/submit/").status_code == code


def test_the_workflow_through_the_api(as_persona, template):
    decision = draft(template)
    base = f"/api/v1/decisions/{decision.pk}"
    officer, manager, auditor = as_persona("officer"), as_persona("manager"), as_persona("auditor")
    assert auditor.post(f"{base}/submit/").status_code == 403
    assert officer.post(f"{base}/submit/").json()["status"] == "submitted"
    assert officer.post(f"{base}/sign-off/", {"role": "chief_finance_officer"}).status_code == 403
    response = manager.post(f"{base}/sign-off/", {"role": "chief_executive"})
    assert response.status_code == 400
    assert "not signed off by the chief executive" in str(response.json())
    for role in ("report_author", "chief_finance_officer"):
        assert manager.post(f"{base}/sign-off/", {"role": role}).status_code == 200
    assert officer.post(f"{base}/decide/", {}, content_type="application/json").status_code == 403
    body = {
        "outcome": "approved",
        "decided_on": "2013-11-12",
        "results": [{"number": 1, "result": "approved"}, {"number": 2, "result": "approved"}],
    }
    response = manager.post(f"{base}/decide/", body, content_type="application/json")
    assert response.status_code == 200, response.json()
    assert (response.json()["status"], response.json()["decided_on"]) == ("decided", "2013-11-12")
    assert manager.post(f"{base}/return-to-draft/", {"reason": "x"}).status_code == 400


# The demo --------------------------------------------------------------------------------------------------------


def test_the_demo_has_the_november_2013_decision_approving_its_funding(settings):
    settings.DEMO_MODE = True
    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    decision = Decision.objects.get(title__startswith="Strategy for the Joint Commission of Specialist")
    assert (decision.reference, decision.status, decision.outcome) == ("CM001/13", "published", "approved")
    assert decision.published_on == dt.date(2013, 11, 12)
    assert decision.decision_maker == "Cabinet Member for Adult and Community Services (County Councillor Tony Martin)"
    assert (decision.notice_published_on, decision.due_on, decision.decided_on) == (
        dt.date(2013, 11, 11),
        dt.date(2013, 11, 12),
        dt.date(2013, 11, 12),
    )
    assert [r.numeral for r in decision.recommendations.all()] == ["i", "ii", "iii"]
    assert decision.recommendations.get(number=3).text.startswith("Approve the service model")
    assert sorted(str(d.amount) for d in decision.reserve_drawdowns.all()) == ["321000.00", "409000.00"]
    carry = decision.carry_forwards.get()
    assert (carry.status, carry.decision_reference) == ("outline_approved", "CM001/13")
