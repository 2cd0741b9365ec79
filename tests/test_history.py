"""The audit trail: every change to a project model is kept with who, when and what changed; the per-object page
shows it to staff and to no one else; bulk writes and background work are recorded and attributed too."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.core.management import call_command
from django.urls import reverse

from allocations import imports, scenario_services, services
from allocations.imports import services as import_services
from allocations.imports.services import table_import_run
from allocations.models import (
    BasisValue,
    Formula,
    FormulaParticipant,
    ImportedContribution,
    ImportUpload,
    StatedTotal,
    WorkStreamAllocation,
)
from commissioning import history, roles
from commissioning import services as core_services
from commissioning.history_selectors import VERSIONS_PER_PAGE
from commissioning.management.commands.load_demo import DEMO_REASON
from commissioning.models import (
    Account,
    CarryForwardEvent,
    Commission,
    FinancialYear,
    FundingPlanVersion,
    Job,
    JobItem,
    LedgerHead,
    LedgerTransaction,
    Posting,
    ReserveDrawdownEvent,
    WorkStream,
)
from partners.models import (
    ContributionRequest,
    Membership,
    ProFormaReturn,
    ProFormaReturnLine,
    RejectedLinkAttempt,
    RequestEvent,
    RequestLetter,
)
from reports.models import DecisionSnapshot
from tests import factories

pytestmark = pytest.mark.django_db

# Not tracked, and why (commissioning/history.py says the same).
NOT_TRACKED = {
    LedgerTransaction: "append-only: the database refuses UPDATE and DELETE; stamped with who posted it and when",
    Posting: "append-only, like its transaction",
    LedgerHead: "the end of the hash chain, rewritten by every posting and recomputable from the transactions",
    FundingPlanVersion: "frozen once and never changed; its snapshot carries its own SHA-256",
    ReserveDrawdownEvent: "itself a history row of a drawdown's transitions, written once",
    CarryForwardEvent: "itself a history row of a carry-forward's transitions, written once",
    ProFormaReturn: "append-only: the database refuses UPDATE and DELETE; its receipt carries its SHA-256",
    ProFormaReturnLine: "append-only, like its return",
    RequestEvent: "itself the history of a request letter's transitions, written once",
    RejectedLinkAttempt: "a rate-limit counter, cleared after a day; no one's work",
    DecisionSnapshot: "append-only: the database refuses UPDATE and DELETE; carries the SHA-256 of its PDF and data",
    Job: "a background worker's progress bookkeeping, stamped with who started and retried it; the work is recorded "
    "where it is done (letters' events, e-mails, imports)",
    JobItem: "progress bookkeeping, like its job",
}
# Fields left out of the versions of tracked models, and why.
NOT_KEPT = {
    Account: {"balance"},  # the cached sum of the postings, which are the record
    ImportUpload: {"data"},  # the uploaded file, kept once on the upload
    RequestLetter: {"letter_pdf"},  # the issued PDF, kept once on the letter with its SHA-256
    apps.get_model(settings.AUTH_USER_MODEL): {"password", "last_login"},  # a hash; a sign-in is not a change
}
PROJECT_MODELS = [
    model
    for model in apps.get_models()
    if model._meta.app_label in roles.PROJECT_APPS and not roles.is_history_model(model)
]
CSV = b"Partner,Amount\r\nTotal,16000\r\nPreston,7000\r\nBurnley,9000\r\n"


def _history_url(obj) -> str:  # type: ignore[no-untyped-def]
    return reverse("object-history", args=[obj._meta.app_label, obj._meta.model_name, obj.pk])


def _latest(obj):  # type: ignore[no-untyped-def]
    return obj.history.order_by("-history_date", "-history_id").first()


@pytest.fixture
def plan(commission, partner_a, partner_b):  # type: ignore[no-untyped-def]
    """2014/15 budget of £1,502,449 split 5/17/68/10; a fixed formula asking A £7,000 and B £12,000."""
    year = commission.years.get(number=2)
    allocations = services.year_budget_set(financial_year=year, amount=Decimal("1502449"), by=None)
    formula = services.formula_create(
        commission=commission,
        name="Districts",
        method=Formula.Method.FIXED,
        by=None,
        participants=[
            services.ParticipantInput(partner_a, Decimal("7000")),
            services.ParticipantInput(partner_b, Decimal("12000")),
        ],
    )
    return {"year": year, "allocation": allocations[0], "formula": formula}


# What is tracked --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("model", PROJECT_MODELS, ids=lambda model: model._meta.label)
def test_every_project_model_keeps_its_history_but_the_append_only_ledger(model):
    if model in NOT_TRACKED:
        assert not history.is_tracked(model), f"{model._meta.label}: {NOT_TRACKED[model]}"
        return
    assert history.is_tracked(model), f"{model._meta.label} has no `history = AuditTrail()`"
    kept = {field.name for field in history.history_model_for(model).tracked_fields}
    every = {field.name for field in model._meta.fields}
    assert every - kept == NOT_KEPT.get(model, set())


def test_project_code_writes_tracked_models_in_bulk_only_through_the_audit_trail():
    """A bulk insert or update sends no signals, so its changes would be missing from the history: tracked models
    are written in bulk through `commissioning.history`, which writes their versions too."""
    allowed = {
        # Only the cached balance, which is not kept: the postings written with it are the record.
        ("commissioning/ledger.py", "Account"),
        # The worker's id for a queued task: bookkeeping, not a change anyone made.
        ("allocations/imports/services.py", "ImportUpload"),
    }
    names = {model.__name__: model for model in PROJECT_MODELS}
    pattern = re.compile(r"\b([A-Z]\w*)\.objects\.(?:bulk_create|bulk_update|[^\n]*\.update\()")
    found = []
    root = Path(settings.BASE_DIR)
    for app in roles.PROJECT_APPS:
        for path in (root / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            relative = str(path.relative_to(root))
            for name in pattern.findall(path.read_text()):
                model = names.get(name)
                if model is not None and history.is_tracked(model) and (relative, name) not in allowed:
                    found.append(f"{relative}: {name}")
    assert found == []


# Who may read it -----------------------------------------------------------------------------------------------


def test_no_version_is_in_the_admin_so_none_can_be_changed_or_deleted_there():
    assert [model for model in admin.site._registry if roles.is_history_model(model)] == []


def test_history_page_permissions_for_every_persona(as_persona, commission, officer):
    url = _history_url(commission)
    for persona in ("officer", "manager", "auditor"):
        assert as_persona(persona).get(url).status_code == 200, persona
    for persona in ("lead_a", "lead_b", "outsider"):
        assert as_persona(persona).get(url).status_code == 403, persona
    response = as_persona("anonymous").get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_partner_lead_is_refused_even_their_own_partners_history(as_user, lead_a, partner_a):
    assert as_user(lead_a).get(_history_url(partner_a)).status_code == 403


@pytest.mark.parametrize(
    ("app_label", "model_name"),
    [
        ("auth", "group"),  # not a project app
        ("commissioning", "historicalcommission"),  # a history model itself
        ("commissioning", "ledgertransaction"),  # not tracked
        ("commissioning", "nosuchthing"),
    ],
)
def test_only_tracked_project_models_have_a_history_page(as_user, auditor, commission, app_label, model_name):
    url = reverse("object-history", args=[app_label, model_name, 1])
    assert as_user(auditor).get(url).status_code == 404


def test_a_record_that_never_existed_is_not_found(as_user, auditor):
    assert as_user(auditor).get(reverse("object-history", args=["commissioning", "commission", 999])).status_code == 404


def test_admin_history_button_opens_the_audit_trail(as_user, officer, commission):
    client = as_user(officer)
    response = client.get(reverse("admin:commissioning_commission_history", args=[commission.pk]))
    assert response.status_code == 302
    assert response["Location"] == _history_url(commission)


# Who, when, what ---------------------------------------------------------------------------------------------


def test_a_service_called_by_a_view_is_attributed_to_the_signed_in_user(as_user, officer, commission, plan):
    """The view calls `allocation_override(by=officer)`; the service saves; the middleware names the officer."""
    allocation = plan["allocation"]
    response = as_user(officer).post(
        reverse("allocation-override", args=[commission.pk, allocation.pk]),
        {"amount": "80000", "reason": "Extra co-ordinator for the winter"},
    )
    assert response.status_code == 302
    latest = _latest(allocation)
    assert latest.history_type == "~"
    assert latest.history_user == officer
    assert latest.amount == Decimal("80000.00")


def test_a_money_change_shows_old_and_new_values_in_pounds(as_user, officer, auditor, commission, plan):
    """Workforce and Co-ordination 2014/15: 5% of £1,502,449 = £75,122.45, which the split rounds to £75,123 (it
    took the rounding unit); the override makes it £80,000."""
    allocation = plan["allocation"]
    assert allocation.amount == Decimal("75123.00")
    as_user(officer).post(
        reverse("allocation-override", args=[commission.pk, allocation.pk]),
        {"amount": "80000", "reason": "Extra co-ordinator for the winter"},
    )
    page = as_user(auditor).get(_history_url(allocation)).content.decode()
    changed = page.split("What changed")[1].split("</table>")[0]
    amount_row = changed.split(">Amount</th>")[1].split("</tr>")[0]
    assert re.findall(r"£[\d,]+", amount_row) == ["£75,123", "£80,000"]
    assert "Extra co-ordinator for the winter" in changed
    assert officer.get_username() in page.split("What changed")[0].split("Changed on")[-1]
    assert "Created on" in page


def test_an_api_change_is_attributed_to_the_token_user(officer, commission):
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    year = commission.years.get(number=1)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=officer).key}")
    response = client.post(
        "/api/v1/year-budgets/",
        {"commission": commission.pk, "financial_year": year.label, "amount": "1502548.00", "rounding_unit": "1"},
        format="json",
    )
    assert response.status_code == 201, response.content
    budget = year.budget
    assert _latest(budget).history_user == officer
    for allocation in WorkStreamAllocation.objects.filter(financial_year=year):
        assert _latest(allocation).history_user == officer


def test_changes_made_outside_a_request_name_no_user(commission):
    version = _latest(commission)
    assert version.history_type == "+"
    assert version.history_user is None


def test_acting_as_attributes_changes_and_gives_the_reason(commission, officer):
    with history.acting_as(officer, reason="Corrected from the signed letter"):
        commission.target = Decimal("3400000.00")
        commission.save()
    version = _latest(commission)
    assert (version.history_user, version.history_change_reason) == (officer, "Corrected from the signed letter")
    assert version.target == Decimal("3400000.00")


def test_a_sign_in_writes_no_version_but_a_change_to_the_user_does(client, officer):
    before = officer.history.count()
    # Through the sign-in page: django-axes (sign-in throttling) needs the request that `client.login` lacks.
    response = client.post(reverse("login"), {"username": officer.username, "password": factories.TEST_PASSWORD})
    assert response.status_code == 302
    officer.refresh_from_db()
    assert officer.last_login is not None
    assert officer.history.count() == before
    officer.first_name = "Jo"
    officer.save()
    assert officer.history.count() == before + 1
    assert not hasattr(_latest(officer), "password")


def test_a_role_given_or_taken_away_is_in_the_users_history(as_user, auditor, django_assert_max_num_queries):
    from django.contrib.auth.models import Group

    user = factories.UserFactory(first_name="Sam", last_name="Smith")
    officers, managers = Group.objects.get(name=roles.OFFICER), Group.objects.get(name=roles.MANAGER)
    for _ in range(10):
        user.groups.set([officers])
        user.groups.set([managers])
    client = as_user(auditor)
    # As for any record (8), plus the groups the page's versions held and their names (2), however many versions.
    with django_assert_max_num_queries(10):
        page = client.get(_history_url(user)).content.decode()
    # `set` removes, then adds: the latest version added the manager role, the one before took the officer's away.
    added, removed = (
        card.split(">Groups</th>")[1].split("</tr>")[0] for card in page.split('class="govuk-summary-card"')[1:3]
    )
    assert re.findall(r"cell\">(.+?)</td>", added) == [
        '<span class="govuk-hint govuk-!-margin-0">none</span>',
        "Manager",
    ]
    assert re.findall(r"cell\">(.+?)</td>", removed) == [
        roles.OFFICER,
        '<span class="govuk-hint govuk-!-margin-0">none</span>',
    ]


def test_a_deleted_record_keeps_its_versions_and_its_page_says_so(as_user, officer, auditor, commission, plan):
    """Drafting requests again replaces the drafts: the old ones are deleted, and their history says so."""
    services.requests_draft(formula=plan["formula"], by=officer)
    first = ContributionRequest.objects.order_by("pk").first()
    services.requests_draft(formula=plan["formula"], by=officer)
    assert not ContributionRequest.objects.filter(pk=first.pk).exists()
    assert list(first.history.values_list("history_type", flat=True)) == ["-", "+"]
    page = as_user(auditor).get(_history_url(first))
    assert page.status_code == 200
    assert "has been deleted" in page.content.decode()


def test_the_demo_loader_is_named_as_the_reason_for_its_changes(settings):
    settings.DEMO_MODE = True
    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115 (closed with the process)
    demo = Commission.objects.get()
    first = demo.history.order_by("history_date", "history_id").first()
    assert (first.history_type, first.history_user, first.history_change_reason) == ("+", None, DEMO_REASON)
    allocation = WorkStreamAllocation.objects.filter(financial_year__commission=demo).first()
    assert _latest(allocation).history_change_reason == DEMO_REASON
    assert all(history.history_model_for(model).objects.exists() for model in (Membership, ImportedContribution))


# Bulk writes the services make are recorded -------------------------------------------------------------------


def test_financial_years_made_in_bulk_have_versions(officer, partner_a):
    with history.acting_as(officer):
        commission = core_services.commission_create(
            name="Essex 2018", host_id=partner_a.pk, target=Decimal("8500000"), first_year=2018, number_of_years=4
        )
    years = FinancialYear.objects.filter(commission=commission)
    assert years.count() == 4
    for year in years:
        assert [(v.history_type, v.history_user) for v in year.history.all()] == [("+", officer)]


def test_shares_set_in_bulk_have_versions_with_old_and_new_shares(officer, commission):
    streams = {stream.name: stream for stream in commission.work_streams.all()}
    shares = {
        streams["Workforce and Co-ordination"].pk: Decimal("10"),
        streams["Perpetrators"].pk: Decimal("5"),
    }
    with history.acting_as(officer):
        core_services.work_stream_shares_set(commission=commission, shares=shares)
    for name, old, new in (("Workforce and Co-ordination", "5.00", "10.00"), ("Perpetrators", "10.00", "5.00")):
        latest, before = streams[name].history.order_by("-history_id")[:2]
        assert (latest.history_type, latest.history_user) == ("~", officer)
        assert (before.pooled_share, latest.pooled_share) == (Decimal(old), Decimal(new))
    assert WorkStream.history.filter(history_type="~").count() == 2


def test_formula_participants_and_drafted_requests_made_in_bulk_have_versions(as_user, officer, commission, plan):
    formula = plan["formula"]
    assert FormulaParticipant.history.filter(formula_id=formula.pk, history_type="+").count() == 2
    response = as_user(officer).post(reverse("formula-draft-requests", args=[commission.pk, formula.pk]))
    assert response.status_code == 302
    drafted = ContributionRequest.objects.filter(formula=formula)
    assert drafted.count() == 6  # 2 partners × 3 years
    versions = ContributionRequest.history.filter(id__in=drafted.values("pk"))
    assert sorted(versions.values_list("history_type", "history_user")) == [("+", officer.pk)] * 6


def test_a_scenarios_copied_basis_values_have_versions(officer, commission, partner_a, partner_b):
    dataset = factories.BasisDatasetFactory()
    factories.BasisValueFactory(dataset=dataset, partner=partner_a, value=Decimal("100"))
    factories.BasisValueFactory(dataset=dataset, partner=partner_b, value=Decimal("300"))
    formula = services.formula_create(
        commission=commission,
        name="Weighted",
        method=Formula.Method.WEIGHTED,
        total=Decimal("10000"),
        basis_dataset=dataset,
        by=officer,
        participants=[services.ParticipantInput(partner_a, None), services.ParticipantInput(partner_b, None)],
    )
    scenario = scenario_services.scenario_save(
        commission=commission,
        formula=formula,
        name="More in A",
        description="",
        changes={"basis_values": {str(partner_a.pk): "200"}},
        by=officer,
    )
    with history.acting_as(officer):
        adopted = scenario_services.scenario_adopt(scenario=scenario, by=officer)
    copied = BasisValue.objects.filter(dataset=adopted.basis_dataset)
    assert copied.count() == 2
    assert BasisValue.history.filter(id__in=copied.values("pk"), history_type="+", history_user=officer).count() == 2


def test_imported_lines_and_stated_totals_have_versions(officer, commission):
    for name in ("Preston City Council", "Burnley Borough Council"):
        factories.MembershipFactory(commission=commission, partner=factories.PartnerFactory(name=name))
    with history.acting_as(officer):
        table, created = table_import_run(
            commission=commission,
            kind=imports.CONTRIBUTIONS,
            file_name="districts.csv",
            data=CSV,
            options=imports.ImportOptions(title="District contributions"),
            by=officer,
        )
    assert created
    lines = ImportedContribution.objects.filter(table_import=table)
    assert ImportedContribution.history.filter(id__in=lines.values("pk"), history_user=officer).count() == 2
    totals = StatedTotal.objects.filter(table_import=table)
    assert StatedTotal.history.filter(id__in=totals.values("pk"), history_user=officer).count() == 1


def test_a_background_import_is_attributed_to_the_officer_who_confirmed_it(
    as_user, officer, commission, settings, django_capture_on_commit_callbacks
):
    """The task runs after the request has ended: no signed-in user, so it acts for the confirming officer."""
    for name in ("Preston City Council", "Burnley Borough Council"):
        factories.MembershipFactory(commission=commission, partner=factories.PartnerFactory(name=name))
    settings.IMPORT_BACKGROUND_ROWS = 1
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    upload = factories.ImportUploadFactory(commission=commission, data=CSV, uploaded_by=officer)
    with django_capture_on_commit_callbacks(execute=True):
        as_user(officer).post(reverse("import-confirm", args=[commission.pk, upload.pk]))
    upload.refresh_from_db()
    assert upload.status == ImportUpload.Status.IMPORTED
    statuses = list(upload.history.order_by("history_id").values_list("status", "history_user"))
    assert statuses == [("uploaded", None), ("queued", officer.pk), ("running", officer.pk), ("imported", officer.pk)]
    lines = ImportedContribution.objects.filter(table_import=upload.table_import)
    assert ImportedContribution.history.filter(id__in=lines.values("pk"), history_user=officer).count() == 2


def test_a_failed_background_import_is_recorded_in_the_history(officer, commission):
    upload = factories.ImportUploadFactory(commission=commission, uploaded_by=officer, confirmed_by=officer)
    import_services.import_upload_fail(upload_id=upload.pk, reason="The worker stopped.")
    latest = _latest(upload)
    assert (latest.status, latest.errors, latest.history_user) == ("failed", ["The worker stopped."], officer)


# Links and query counts --------------------------------------------------------------------------------------


def test_commission_partner_formula_and_allocation_pages_link_to_the_history(
    as_user, officer, commission, partner_a, plan
):
    client = as_user(officer)
    pages = {
        reverse("commission-detail", args=[commission.pk]): [commission, Membership.objects.first()],
        reverse("partner-detail", args=[partner_a.pk]): [partner_a],
        reverse("formula-detail", args=[commission.pk, plan["formula"].pk]): [plan["formula"]],
        reverse("allocation-list", args=[commission.pk]): [plan["allocation"], plan["year"].budget],
    }
    for url, objects in pages.items():
        page = client.get(url).content.decode()
        for obj in objects:
            assert f'href="{_history_url(obj)}"' in page, (url, obj)


def test_a_partner_lead_sees_no_history_link_on_their_partner_page(as_user, lead_a, partner_a):
    page = as_user(lead_a).get(reverse("partner-detail", args=[partner_a.pk])).content.decode()
    assert reverse("object-history", args=["partners", "partner", partner_a.pk]) not in page


def _change_target(commission, times: int, officer) -> None:  # type: ignore[no-untyped-def]
    with history.acting_as(officer):
        for step in range(times):
            commission.target = Decimal("3500000.00") + step
            commission.save()


@pytest.mark.parametrize("changes", [2, VERSIONS_PER_PAGE * 3])
def test_history_page_takes_the_same_queries_however_many_versions(
    as_user, auditor, officer, commission, changes, django_assert_max_num_queries
):
    """Session, user, permissions (4); the count, the page's versions with their users, the record itself, and
    one query per kind of record the values name (the host partner): 8 in all, for 3 versions or 76."""
    _change_target(commission, changes, officer)
    client = as_user(auditor)
    with django_assert_max_num_queries(8):
        response = client.get(_history_url(commission))
    assert response.status_code == 200
    assert response.content.decode().count('class="govuk-summary-card"') == min(changes + 1, VERSIONS_PER_PAGE)


def test_older_versions_are_on_later_pages(as_user, auditor, officer, commission):
    """The creation at £3,500,000 and 30 saves setting £3,500,000 + step (step 0 to 29): 31 versions, 25 on page 1
    (steps 29 down to 5) and 6 on page 2 (steps 4 to 0, then the creation)."""
    _change_target(commission, 30, officer)
    client = as_user(auditor)
    first = client.get(_history_url(commission)).content.decode()
    second = client.get(_history_url(commission), {"page": 2}).content.decode()
    assert second.count('class="govuk-summary-card"') == 6
    assert "Created on" in second
    assert "Created on" not in first
    assert "Page 2 of 2 (31 versions)" in second
    # The oldest on page 1 (step 5) is compared with the newest on page 2 (step 4): £3,500,004 → £3,500,005.
    oldest_on_first = first.split('class="govuk-summary-card"')[-1]
    assert re.findall(r"£[\d,]+", oldest_on_first) == ["£3,500,004", "£3,500,005"]
    # Step 0 saved the target the commission already had.
    assert "Saved with none of the fields shown here changed." in second


def test_a_page_number_that_is_not_a_page_shows_the_nearest_page(as_user, auditor, officer, commission):
    """31 versions make 2 pages: `?page=abc` shows the first, `?page=99` the last; neither is an error."""
    _change_target(commission, 30, officer)
    client = as_user(auditor)
    first = client.get(_history_url(commission), {"page": "abc"})
    last = client.get(_history_url(commission), {"page": 99})
    assert (first.status_code, last.status_code) == (200, 200)
    assert "Page 1 of 2" in first.content.decode()
    assert "Page 2 of 2" in last.content.decode()
