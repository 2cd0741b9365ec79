"""Load the Lancashire demo (seeds 000–004) and one login per role. Demo mode only.

Passwords are random and printed once, when the login is created; `--reset-passwords` prints new ones.
"""

from __future__ import annotations

import secrets
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

# The demo loader brings every app's demo data together, so it is the one part of commissioning/ that imports
# another app: the seed tables go in through the same import service an officer uses.
from allocations import imports, services
from allocations.demo_history import demo_funding_history
from allocations.imports.services import table_import_run
from allocations.models import Formula
from commissioning import history, roles
from commissioning.demo_providers import demo_providers
from commissioning.models import Commission, User
from partners import services as partner_services
from partners.models import Partner, ProFormaReturn
from reports.demo_decisions import demo_decision, demo_decision_publish

# Said in the audit trail of every change the loader makes: a command has no signed-in user to name.
DEMO_REASON = "Loaded by the demo loader (manage.py load_demo), not by a signed-in user"
DEMO_COMMISSION = "Joint Commissioning for Domestic Abuse Services in Lancashire"
# The host's pledge: each year's budget less the districts' £101,000, the reserve drawdown and the carry-forward.
DEMO_HOST_BALANCE = {"2013/14": Decimal("1401548"), "2014/15": Decimal("1080449"), "2015/16": Decimal("537002")}
DEMO_HOST_NOTE = (
    "The host's pledge: the year's budget less the districts' pledges, the reserve drawdown and the carry-forward "
    "(the seeds do not give every partner's figure)"
)
DEMO_LETTER_DATE = date(2012, 12, 18)  # the letter of seed 000
DEMO_LETTER_DEADLINE = date(2013, 1, 28)  # "respond by Monday 28 January 2013"
DEMO_BUDGETS = {"2013/14": Decimal("1502548"), "2014/15": Decimal("1502449"), "2015/16": Decimal("1502449")}
SEED_TABLES_DIR = Path(settings.BASE_DIR) / "fixtures" / "seed_tables"
# The seeds' tables, transcribed exactly (stated totals included) into fixtures/seed_tables/, and what each one is:
# (file, kind, title, source, financial year, quarter, years a 'per annum' column applies to).
SEED_TABLES = (
    (
        "000_district_contributions.csv",
        imports.CONTRIBUTIONS,
        "District contributions requested",
        "Letter to partners of 18 December 2012 (seed 000)",
        None,
        None,
        (),
    ),
    (
        "002_year1_allocation_forecast.csv",
        imports.MONITORING,
        "Year 1 allocation, forecast and variance",
        "Report to the Cabinet Member, November 2013 (seed 002)",
        "2013/14",
        2,
        (),
    ),
    (
        "002_year2_year3_allocations.csv",
        imports.WORK_STREAM_ALLOCATIONS,
        "Work-stream funding allocation, years 2 and 3",
        "Report to the Cabinet Member, November 2013 (seed 002)",
        None,
        None,
        (),
    ),
    (
        "004_work_stream_allocations_2014.csv",
        imports.WORK_STREAM_ALLOCATIONS,
        "Work-stream allocations per annum",
        "Crime and Disorder Task Group work plan study, June 2014 (seed 004)",
        None,
        None,
        ("2014/15", "2015/16"),
    ),
)
# (username, role, partner name for a partner login)
DEMO_LOGINS = (
    ("officer", roles.OFFICER, None),
    ("manager", roles.MANAGER, None),
    ("auditor", roles.AUDITOR, None),
    ("preston-finance", roles.PARTNER_FINANCE_LEAD, "Preston City Council"),
)


class Command(BaseCommand):
    help = "Load the Lancashire demo commission and create one demo login per role (demo mode only)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--reset-passwords", action="store_true", help="Give the demo logins new passwords.")

    def handle(self, *args: Any, reset_passwords: bool = False, **options: Any) -> None:
        if not settings.DEMO_MODE:
            raise CommandError("The demo can only be loaded in demo mode (DEMO_MODE=true); never in production.")
        with transaction.atomic(), history.acting_as(None, reason=DEMO_REASON):
            if Commission.objects.filter(name=DEMO_COMMISSION).exists():
                self.stdout.write("Lancashire demo already loaded.")
            else:
                call_command("loaddata", "lancashire", verbosity=0)
                # A fixture is loaded without signals, so its rows get their first version here.
                history.record_existing(history.tracked_models(), reason=DEMO_REASON)
                commission = Commission.objects.get(name=DEMO_COMMISSION)
                self._plan(commission)
                self._import_seed_tables()
                self._ledger_history(commission)
                demo_providers(commission)
                self.stdout.write(self.style.SUCCESS("Loaded the Lancashire demo commission."))
            self._import_seed_tables()
            created = self._logins(reset_passwords)
        if created:
            self.stdout.write("")
            self.stdout.write(
                self.style.WARNING("Demo logins (shown once; `manage.py load_demo --reset-passwords` for new ones):")
            )
            for username, role, password in created:
                self.stdout.write(f"  {role:<24} username: {username:<16} password: {password}")
            self.stdout.write("")

    def _plan(self, commission: Commission) -> None:
        """The funding plan of the seeds, made through the same services an officer uses.

        Year budgets: £1,502,548 in 2013/14 (seed 002's Year 1 column) and £1,502,449 in each of 2014/15 and
        2015/16 (its Year 2 and 3 table), split 5/17/68/10. The formula asks the twelve districts the seed 000
        amounts, which sum to £101,000 a year, not the £100,000 the letter states.
        """
        for year in commission.years.order_by("number"):
            services.year_budget_set(financial_year=year, amount=DEMO_BUDGETS[year.label], by=None)
        districts = commission.memberships.filter(partner__kind=Partner.Kind.DISTRICT_COUNCIL).select_related("partner")
        formula = services.formula_create(
            commission=commission,
            name="District contributions (letter of 18 December 2012)",
            method=Formula.Method.FIXED,
            by=None,
            note="The amounts the December 2012 letter asked of each district council, per year for three years.",
            participants=[services.ParticipantInput(m.partner, m.requested_per_year) for m in districts],
        )
        services.requests_draft(formula=formula, by=None)

    def _ledger_history(self, commission: Commission) -> None:
        """The fund's history in the ledger, through the same services an officer's actions use.

        Each district pledges the seed 000 amount for each year, through the request workflow (`_district_returns`).
        The seeds do not give every other partner's figure (the report's Appendix B is not among them), so the
        host, Lancashire County Council, pledges the balance of each year's budget not met by the districts, the
        reserve and the carry-forward, and its pledges' note says so: 2013/14 £1,401,548; 2014/15 £1,080,449
        (after £321,000 from the reserve); 2015/16 £537,002 (after £409,000 from the reserve and the £455,447
        carry-forward, which is only provisional).
        Year 1's allocations and the seed's Year 1 forecasts are posted; year 2's allocations once its reserve
        drawdown is in; year 3's wait for the carry-forward to be confirmed.
        """
        self._district_returns(commission)
        host = commission.host
        for year in commission.years.order_by("number"):
            partner_services.pledge_record(
                partner=host, financial_year=year, amount=DEMO_HOST_BALANCE[year.label], note=DEMO_HOST_NOTE, by=None
            )
        year1, year2, _ = commission.years.order_by("number")
        services.allocations_post_to_ledger(financial_year=year1, by=None)
        services.forecasts_post_to_ledger(financial_year=year1, by=None)
        # The reserve opens and is drawn into 2014/15 and 2015/16; the 2013/14 underspend is proposed and outline
        # approved for 2015/16, so it shows as provisional there until the County Treasurer confirms it. Both on
        # the Cabinet Member's decision of 12 November 2013 (seeds 001 and 002), recorded as a decision record.
        decision = demo_decision(commission)
        demo_funding_history(commission, decision=decision)
        services.allocations_post_to_ledger(financial_year=year2, by=None)
        demo_decision_publish(decision)

    def _district_returns(self, commission: Commission) -> None:
        """The December 2012 letters, as the request workflow records them: issued on 18 December 2012 with a
        deadline of 28 January 2013 (they went by post, so nothing is e-mailed), each returned agreeing to three
        years and accepted, which makes the districts' pledges and posts them. The seeds name no signatories, so
        each return is signed by the finance lead's role as the fixture names it."""
        options = partner_services.IssueOptions(
            deadline=DEMO_LETTER_DEADLINE,
            issued_on=DEMO_LETTER_DATE,
            sender_name="Helen Denton",
            sender_position="Chair, Lancashire Community Safety Strategy Group",
            reminder_days=(),
        )
        letters = partner_services.letters_issue(commission=commission, options=options, by=None, notify=False)
        for letter in letters:
            lead = partner_services.finance_lead(letter.partner)
            name = lead.name if lead else "Finance lead"
            returned = partner_services.return_submit(
                letter=letter,
                data=partner_services.ReturnInput(
                    option=ProFormaReturn.Option.AGREE,
                    years_agreed=letter.requests.count(),
                    organisation=letter.partner_name,
                    signed_on=DEMO_LETTER_DEADLINE,
                    signatory_name=name,
                    signatory_position=lead.position if lead else "Finance lead",
                    signature=name,
                    authority_confirmed=True,
                ),
                by=None,
                via=ProFormaReturn.Via.LOGIN,
                today=DEMO_LETTER_DEADLINE,
            )
            partner_services.return_accept(pro_forma_return=returned, by=None)

    def _import_seed_tables(self) -> None:
        """The seeds' tables as imported, stated totals and all, so the reconciliation shows their mismatches.
        Through the same service as an officer's upload; a table imported before is recognised and left alone."""
        commission = Commission.objects.get(name=DEMO_COMMISSION)
        years = {year.label: year for year in commission.years.all()}
        added = 0
        for file_name, kind, title, source, year, quarter, per_annum in SEED_TABLES:
            options = imports.ImportOptions(
                title=title,
                source=source,
                financial_year=years[year] if year else None,
                quarter=quarter,
                years=tuple(years[label] for label in per_annum),
            )
            data = (SEED_TABLES_DIR / file_name).read_bytes()
            _, created = table_import_run(
                commission=commission, kind=kind, file_name=file_name, data=data, options=options, by=None
            )
            added += created
        if added:
            self.stdout.write(self.style.SUCCESS(f"Imported {added} seed table{'s' if added != 1 else ''}."))

    def _logins(self, reset_passwords: bool) -> list[tuple[str, str, str]]:
        shown = []
        for username, role, partner_name in DEMO_LOGINS:
            user = User.objects.filter(username=username).first()
            if user is not None and not reset_passwords:
                continue
            if user is None:
                user = User(username=username, first_name="Demo", last_name=role)
            user.is_staff = partner_name is None
            user.partner = Partner.objects.get(name=partner_name) if partner_name else None
            user.email = f"{username}@example.org"
            password = secrets.token_urlsafe(12)
            user.set_password(password)
            user.full_clean()
            user.save()
            user.groups.set([Group.objects.get(name=role)])
            shown.append((username, role, password))
        return shown
