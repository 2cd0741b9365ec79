"""Every page of the project, loaded with the Lancashire demo, in a fixed number of queries.

`PAGES` names every URL of the project that renders an HTML page or a PDF (admin, API and static files aside), how
to build its arguments from the demo, and the most queries it may take; `POST_ONLY` names those that only take a
POST, and why. A URL in neither fails `test_every_page_is_in_the_table`, so a new page gets its line here.
Adding one is a single line: `"name": Page(lambda demo: [demo.commission.pk], 25),`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client, TestCase
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from allocations.models import Formula, ImportUpload, TableImport, WorkStreamAllocation
from allocations.scenario_services import scenario_save
from commissioning.models import (
    CarryForward,
    Commission,
    Contract,
    Provider,
    Reserve,
    ReserveDrawdown,
    User,
    WorkStream,
)
from partners import services as partner_services
from partners.models import Contact, Membership, ProFormaReturn, RequestLetter
from reports import decision_services
from reports.models import Decision
from reports.packs import report_pack_start
from reports.services import plan_version_freeze
from tests import factories

pytestmark = pytest.mark.django_db

# Outside the table: the admin, the API (its own tests count its queries) and the static files.
SKIPPED_PREFIXES = ("admin/", "api/", "static/")


class Demo:
    """The Lancashire demo, with what some pages need and the demo lacks made on first use."""

    @cached_property
    def commission(self) -> Commission:
        return Commission.objects.get()

    @cached_property
    def officer(self) -> User:
        return User.objects.get(username="officer")

    @cached_property
    def manager(self) -> User:
        return User.objects.get(username="manager")

    @cached_property
    def lead(self) -> User:
        return User.objects.get(username="preston-finance")

    @cached_property
    def year(self) -> Any:
        return self.commission.years.get(number=1)

    @cached_property
    def formula(self) -> Formula:
        return Formula.objects.filter(commission=self.commission).latest("pk")

    @cached_property
    def letter(self) -> RequestLetter:
        """Preston's letter, which its finance lead may open in the portal."""
        return RequestLetter.objects.get(commission=self.commission, partner_id=self.lead.partner_id)

    @cached_property
    def pro_forma_return(self) -> ProFormaReturn:
        return self.letter.returns.order_by("number").first()  # type: ignore[attr-defined]

    @cached_property
    def token(self) -> str:
        """A secure link to Preston's letter, opened while the link is still open."""
        RequestLetter.objects.filter(pk=self.letter.pk).update(deadline=timezone.localdate() + dt.timedelta(days=30))
        return partner_services.link_create(self.letter)

    @cached_property
    def decision(self) -> Decision:
        """The demo's published decision, CM001/13."""
        return Decision.objects.get(commission=self.commission)

    def _new_draft(self, title: str) -> Decision:
        decision = decision_services.decision_create(
            template=self.decision.template,
            data=decision_services.DecisionInput(
                title=title,
                decision_maker="Cabinet Member for Adult and Community Services",
                due_on=dt.date(2014, 3, 1),
            ),
            by=self.officer,
        )
        decision_services.recommendation_add(decision=decision, text="Approve the extension.", by=self.officer)
        return decision

    @cached_property
    def draft_decision(self) -> Decision:
        """A draft under the demo's template, for the pages that change a draft."""
        return self._new_draft("Extend the Independent Domestic Violence Advisers contract")

    @cached_property
    def submitted_decision(self) -> Decision:
        """Another draft, submitted for sign-off, for the pages that sign off, decide or return it."""
        decision = self._new_draft("Renew the refuge contract")
        return decision_services.decision_submit(decision=decision, by=self.officer)

    @cached_property
    def scenario(self) -> Any:
        partner = self.formula.participants.order_by("pk").first().partner  # type: ignore[attr-defined]
        return scenario_save(
            commission=self.commission,
            formula=self.formula,
            name="Preston declines",
            description="",
            changes={"declines": [partner.pk]},
            by=self.officer,
        )

    @cached_property
    def plan_version(self) -> Any:
        return plan_version_freeze(commission=self.commission, label="Initial approval", by=self.officer)

    @cached_property
    def report_pack(self) -> Any:
        """A finished "Download all reports" job for 2013/14 (tasks run at once here)."""
        with TestCase.captureOnCommitCallbacks(execute=True):
            job = report_pack_start(commission=self.commission, year=self.year, by=self.officer)
        return job

    @cached_property
    def upload(self) -> ImportUpload:
        return factories.ImportUploadFactory(
            commission=self.commission, uploaded_by=self.officer, data=b"Partner,Amount\r\nWyre Council,10000\r\n"
        )

    def first(self, model: type, **filters: Any) -> Any:
        return model.objects.filter(**filters).order_by("pk").first()


@dataclass(frozen=True)
class Page:
    args: Callable[[Demo], Sequence[Any]]
    max_queries: int
    persona: str = "officer"  # or "manager", "lead" (Preston's finance lead), or "anonymous"
    query: str = ""


def _c(demo: Demo) -> list[Any]:
    return [demo.commission.pk]


def _cd(decision: str) -> Callable[[Demo], list[Any]]:
    return lambda demo: [demo.commission.pk, getattr(demo, decision).pk]


def _drawdown(demo: Demo) -> list[Any]:
    return [demo.commission.pk, demo.first(Reserve).pk, demo.first(ReserveDrawdown).pk]


PAGES: dict[str, Page] = {
    "home": Page(lambda demo: [], 7),
    "login": Page(lambda demo: [], 2, persona="anonymous"),
    "search": Page(lambda demo: [], 14, query="q=council"),
    "accessibility-statement": Page(lambda demo: [], 2, persona="anonymous"),
    "commission-detail": Page(_c, 12),
    "commission-summary-pdf": Page(_c, 19),
    # Setting up a commission, its work-streams, partners, contacts and membership
    "commission-dashboard": Page(_c, 23),
    "commission-create": Page(lambda demo: [], 8),
    "commission-created": Page(_c, 8),
    "commission-change": Page(_c, 7),
    "work-stream-create": Page(_c, 7),
    "work-stream-shares": Page(_c, 8),
    "work-stream-change": Page(lambda demo: [demo.commission.pk, demo.first(WorkStream).pk], 8),
    "work-stream-end": Page(lambda demo: [demo.commission.pk, demo.first(WorkStream).pk], 8),
    "partner-list": Page(lambda demo: [], 9),
    "partner-create": Page(lambda demo: [], 6),
    "partner-created": Page(lambda demo: [demo.lead.partner_id], 7),
    "partner-change": Page(lambda demo: [demo.lead.partner_id], 7),
    "partner-end": Page(lambda demo: [demo.lead.partner_id], 7),
    "contact-create": Page(lambda demo: [demo.lead.partner_id], 7),
    "contact-change": Page(
        lambda demo: [demo.lead.partner_id, demo.first(Contact, partner_id=demo.lead.partner_id).pk], 8
    ),
    "contact-end": Page(
        lambda demo: [demo.lead.partner_id, demo.first(Contact, partner_id=demo.lead.partner_id).pk], 8
    ),
    "membership-create": Page(_c, 8),
    "membership-leave": Page(
        lambda demo: [demo.commission.pk, demo.first(Membership, partner_id=demo.lead.partner_id).pk], 8
    ),
    # Formulas, requests, allocations, reconciliation (allocations/urls.py)
    "formula-list": Page(_c, 11),
    "formula-create": Page(_c, 9),
    "formula-detail": Page(lambda demo: [demo.commission.pk, demo.formula.pk], 13),
    "formula-revise": Page(lambda demo: [demo.commission.pk, demo.formula.pk], 9),
    "request-list": Page(_c, 8),
    "allocation-list": Page(_c, 13),
    "allocation-override": Page(
        lambda demo: [demo.commission.pk, demo.first(WorkStreamAllocation, financial_year=demo.year).pk], 9
    ),
    "year-budget-edit": Page(lambda demo: [demo.commission.pk, demo.year.pk], 9),
    "monitoring-create": Page(lambda demo: [demo.commission.pk, demo.year.pk], 9),
    "reconciliation": Page(_c, 19),
    "scenario-list": Page(_c, 9),
    "scenario-what-if": Page(_c, 10),
    "scenario-compare": Page(_c, 8),
    "scenario-detail": Page(lambda demo: [demo.commission.pk, demo.scenario.pk], 15),
    "scenario-adopt": Page(lambda demo: [demo.commission.pk, demo.scenario.pk], 15),
    "year-end": Page(_c, 15),
    "carry-forward-propose": Page(lambda demo: [demo.commission.pk, demo.year.pk], 15),
    "carry-forward-list": Page(_c, 12),
    "carry-forward-detail": Page(lambda demo: [demo.commission.pk, demo.first(CarryForward).pk], 10),
    "carry-forward-outline-approve": Page(
        lambda demo: [demo.commission.pk, demo.first(CarryForward).pk], 12, persona="manager"
    ),
    "carry-forward-confirm": Page(
        lambda demo: [demo.commission.pk, demo.first(CarryForward).pk], 10, persona="manager"
    ),
    "carry-forward-reject": Page(lambda demo: [demo.commission.pk, demo.first(CarryForward).pk], 10, persona="manager"),
    "carry-forward-lapse": Page(lambda demo: [demo.commission.pk, demo.first(CarryForward).pk], 10),
    "import-index": Page(_c, 9),
    "import-upload": Page(lambda demo: [demo.commission.pk, "contributions"], 8),
    "import-preview": Page(lambda demo: [demo.commission.pk, demo.upload.pk], 20),
    "import-export": Page(lambda demo: [demo.commission.pk, demo.first(TableImport).pk, "csv"], 9),
    # Providers and contracts
    "contract-list": Page(_c, 18),
    "contract-create": Page(_c, 11),
    "contract-detail": Page(lambda demo: [demo.commission.pk, demo.first(Contract).pk], 13),
    "contract-values": Page(lambda demo: [demo.commission.pk, demo.first(Contract).pk], 11),
    "contract-spend-create": Page(lambda demo: [demo.commission.pk, demo.first(Contract).pk], 11),
    "contract-end": Page(lambda demo: [demo.commission.pk, demo.first(Contract).pk], 10),
    "provider-list": Page(lambda demo: [], 7),
    "provider-create": Page(lambda demo: [], 6),
    "provider-detail": Page(lambda demo: [demo.first(Provider).pk], 10),
    "provider-end": Page(lambda demo: [demo.first(Provider).pk], 7),
    # The ledger, the fund statement and the plan's versions
    "transaction-list": Page(_c, 13),
    "fund-statement": Page(_c, 14),
    "fund-statement-pdf": Page(_c, 15, query="year=2013&period=annual"),
    "plan-version-list": Page(_c, 8),
    "plan-version-freeze": Page(_c, 9),
    "plan-movements": Page(_c, 8),
    "plan-version-detail": Page(lambda demo: [demo.commission.pk, demo.plan_version.number], 8),
    # Decisions
    "decision-list": Page(_c, 10),
    "decision-create": Page(_c, 9),
    "decision-detail": Page(_cd("decision"), 17),
    "decision-edit": Page(_cd("draft_decision"), 8),
    "decision-recommendation-add": Page(_cd("draft_decision"), 8),
    "decision-recommendation-edit": Page(lambda demo: [demo.commission.pk, demo.draft_decision.pk, 1], 9),
    "decision-decide": Page(_cd("submitted_decision"), 9, persona="manager"),
    "decision-return": Page(_cd("submitted_decision"), 8),
    "decision-preview": Page(_cd("decision"), 29),
    "decision-pdf": Page(_cd("draft_decision"), 29),
    "decision-published-pdf": Page(_cd("decision"), 9),
    "decision-notice-pdf": Page(_cd("decision"), 33),
    "decision-sections": Page(_cd("draft_decision"), 9),
    "decision-redactions": Page(_cd("draft_decision"), 9),
    # Reserves and the pool
    "reserve-list": Page(_c, 8),
    "reserve-detail": Page(lambda demo: [demo.commission.pk, demo.first(Reserve).pk], 11),
    "drawdown-propose": Page(lambda demo: [demo.commission.pk, demo.first(Reserve).pk], 10),
    "drawdown-approve": Page(_drawdown, 11, persona="manager"),
    "drawdown-reject": Page(_drawdown, 9, persona="manager"),
    "pool-rules": Page(_c, 15),
    "pool-rules-edit": Page(_c, 9),
    "pool-partner": Page(lambda demo: [demo.commission.pk, demo.lead.partner_id], 19),
    # Requests, returns and the partner's side
    "letters-issue": Page(_c, 8),
    "returns-dashboard": Page(_c, 15),
    "chase-list": Page(_c, 14),
    "request-letter-detail": Page(lambda demo: [demo.letter.pk], 13),
    "request-letter-pdf": Page(lambda demo: [demo.letter.pk], 7),
    "request-letter-deadline": Page(lambda demo: [demo.letter.pk], 7),
    "return-query": Page(lambda demo: [demo.pro_forma_return.pk], 7),
    "return-receipt": Page(lambda demo: [demo.pro_forma_return.pk], 9),
    "pro-forma": Page(lambda demo: [demo.token], 10, persona="anonymous"),
    "pro-forma-letter": Page(lambda demo: [demo.token], 4, persona="anonymous"),
    "pro-forma-receipt": Page(lambda demo: [demo.token, demo.pro_forma_return.number], 6, persona="anonymous"),
    "portal": Page(lambda demo: [], 6, persona="lead"),
    "portal-request": Page(lambda demo: [demo.letter.pk], 11, persona="lead"),
    "portal-letter": Page(lambda demo: [demo.letter.pk], 5, persona="lead"),
    "portal-receipt": Page(lambda demo: [demo.letter.pk, demo.pro_forma_return.number], 7, persona="lead"),
    "partner-detail": Page(lambda demo: [demo.lead.partner_id], 11),
    "partner-statement": Page(lambda demo: [demo.lead.partner_id, demo.commission.pk], 10),
    "partner-statement-pdf": Page(
        lambda demo: [demo.lead.partner_id, demo.commission.pk], 11, query="year=2013&period=annual"
    ),
    # Background jobs
    "job-list": Page(lambda demo: [], 7),
    "job-detail": Page(lambda demo: [demo.report_pack.pk], 8),
    "job-progress": Page(lambda demo: [demo.report_pack.pk], 7),
    "job-download": Page(lambda demo: [demo.report_pack.pk], 7),
    # The audit trail
    "object-history": Page(lambda demo: ["partners", "partner", demo.lead.partner_id], 9),
}

# URLs that only take a POST (a GET is 405), with what the POST does; their forms are on the pages above.
POST_ONLY: dict[str, tuple[Callable[[Demo], Sequence[Any]], str]] = {
    "logout": (lambda demo: [], "signs out"),
    "allocations-post": (lambda demo: [demo.commission.pk, demo.year.pk], "posts a year's allocations"),
    "import-confirm": (lambda demo: [demo.commission.pk, demo.upload.pk], "confirms an uploaded table"),
    "decision-submit": (_cd("draft_decision"), "submits a draft for sign-off"),
    "decision-publish": (_cd("decision"), "publishes a decided decision"),
    "decision-redaction-remove": (lambda demo: [demo.commission.pk, demo.decision.pk, 1], "removes a redaction"),
    "reserve-post-opening": (
        lambda demo: [demo.commission.pk, demo.first(Reserve).pk],
        "posts a reserve's opening balance",
    ),
    "drawdown-post": (_drawdown, "posts an approved drawdown"),
    "formula-draft-requests": (
        lambda demo: [demo.commission.pk, demo.formula.pk],
        "drafts requests from a formula (the button is on the formula's page)",
    ),
    "decision-sign-off": (_cd("submitted_decision"), "signs off a submitted decision in one role"),
    "request-letter-send-link": (lambda demo: [demo.letter.pk], "e-mails a new secure link"),
    "job-retry": (lambda demo: [demo.report_pack.pk], "queues a job's failed items again"),
    "report-pack-start": (_c, "starts a job rendering a year's reports into one zip"),
    "return-accept": (lambda demo: [demo.pro_forma_return.pk], "accepts a return into pledges"),
}


def _url_names(resolver: URLResolver, prefix: str = "") -> Iterator[str]:
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if route.startswith(SKIPPED_PREFIXES):
            continue
        if isinstance(pattern, URLResolver):
            yield from _url_names(pattern, route)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield pattern.name


def test_every_page_is_in_the_table():
    names = set(_url_names(get_resolver()))
    missing = sorted(names - PAGES.keys() - POST_ONLY.keys())
    assert not missing, f"Add these pages to PAGES (or POST_ONLY) in tests/test_page_queries.py: {missing}"
    assert not (PAGES.keys() & POST_ONLY.keys())
    stale = sorted((PAGES.keys() | POST_ONLY.keys()) - names)
    assert not stale, f"No longer URLs of the project: {stale}"


@pytest.fixture
def demo(settings) -> Demo:  # type: ignore[no-untyped-def]
    settings.DEMO_MODE = True
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115 (closed with the process)
    return Demo()


def _client(demo: Demo, persona: str) -> Client:
    client = Client()
    if persona != "anonymous":
        client.force_login(getattr(demo, persona))
    return client


def test_every_page_renders_within_its_query_budget(demo, django_assert_max_num_queries):
    """One demo for every page: each is built, loaded once to warm the session, then counted."""
    over: list[str] = []
    clients = {persona: _client(demo, persona) for persona in ("officer", "manager", "lead", "anonymous")}
    for name, page in PAGES.items():
        url = reverse(name, args=page.args(demo)) + (f"?{page.query}" if page.query else "")
        client = clients[page.persona]
        client.get(url)
        with django_assert_max_num_queries(10_000) as counted:
            response = client.get(url)
        if response.status_code != 200:
            over.append(f"{name}: status {response.status_code} ({url})")
            continue
        taken = len(counted.captured_queries)
        if taken > page.max_queries:
            over.append(f"{name}: {taken} queries, at most {page.max_queries} allowed ({url})")
    assert not over, "\n".join(over)


def test_post_only_urls_refuse_a_get(demo):
    client = _client(demo, "officer")
    for name, (args, _what) in POST_ONLY.items():
        url = reverse(name, args=args(demo))
        assert client.get(url).status_code == 405, url
