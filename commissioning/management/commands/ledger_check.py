"""Verify the ledger: every transaction balances, every account's balance is the sum of its postings, and no
posted row has been altered since it was posted (each commission's hash chain recomputes to its head).

Exits 0 and says so when all is well; otherwise names each offending row and exits 1.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from commissioning import ledger_selectors


class Command(BaseCommand):
    help = "Check that the ledger balances, its cached balances are right and no posted row was altered."

    def handle(self, *args: Any, **options: Any) -> None:
        report = ledger_selectors.ledger_integrity()
        for problem in report.problems:
            self.stderr.write(problem)
        if report.problems:
            raise CommandError(f"Ledger check failed: {len(report.problems)} problem(s) found.")
        self.stdout.write(
            self.style.SUCCESS(
                f"Ledger check passed: {report.transactions} transactions, {report.postings} postings, "
                f"{report.accounts} accounts, {report.commissions} hash chains."
            )
        )
