"""Benchmarks, run with one command: `make bench` (or `.venv/bin/python bench/run.py`).

Each benchmark is timed against a baseline measured in the same run, on the same machine, and the figures are
written into bench/RESULTS.md. Nothing here asserts a time: the numbers are for reading, not for failing a build.

The data is the Lancashire demo, loaded into a fresh SQLite database in a temporary folder.
"""

from __future__ import annotations

import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "RESULTS.md"
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))


def _setup() -> None:
    folder = tempfile.mkdtemp(prefix="bench-")
    os.environ["DATABASE_URL"] = f"sqlite:///{folder}/bench.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "commissioning.settings")
    os.environ.setdefault("DEMO_MODE", "true")
    sys.path.insert(0, str(ROOT))
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    call_command("load_demo", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115 (the logins are not wanted)


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")


def _median_seconds(work: Callable[[], object]) -> float:
    work()  # once to warm caches (fonts, templates), not counted
    times = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def cabinet_report() -> list[tuple[str, float]]:
    """The Lancashire cabinet-member report (CM001/13) as our pipeline renders it, against WeasyPrint rendering
    the same HTML string (same stylesheet, no PDF/UA tagging) in the same run."""
    import weasyprint
    from django.template.loader import render_to_string

    from reports import decision_documents
    from reports.models import Decision
    from reports.pdf import BASE_URL, StaticOnlyFetcher, html_to_pdf

    decision = Decision.objects.get(reference="CM001/13")
    data = decision_documents.document_context(decision, public=True)
    html = render_to_string(decision_documents.CABINET_TEMPLATE, {"doc": data, "stamp": None})

    def baseline() -> bytes:
        return weasyprint.HTML(string=html, base_url=BASE_URL, url_fetcher=StaticOnlyFetcher()).write_pdf()

    def renderer_only() -> bytes:
        return html_to_pdf(html)

    def whole_report() -> bytes:
        fresh = Decision.objects.get(pk=decision.pk)
        return decision_documents.cabinet_report_pdf(decision_documents.document_context(fresh, public=True))

    return [
        ("WeasyPrint on the same HTML string (baseline)", _median_seconds(baseline)),
        ("Our renderer on that HTML (static-only fetcher, PDF/UA-1 tagging)", _median_seconds(renderer_only)),
        ("The whole report: figures from the ledger, template, tagged PDF", _median_seconds(whole_report)),
    ]


BENCHMARKS = {"Lancashire cabinet-member report (CM001/13)": cabinet_report}


def main() -> None:
    _setup()
    import weasyprint

    lines = [
        "# Benchmark results",
        "",
        "Written by `make bench` (bench/run.py); each time is the median of "
        f"{ROUNDS} runs after one warm-up run, and each ratio is against the baseline measured in the same run.",
        "",
        f"- Run: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        f"- Machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"WeasyPrint {weasyprint.__version__}, SQLite",
        "",
    ]
    for title, benchmark in BENCHMARKS.items():
        rows = benchmark()
        baseline = rows[0][1]
        lines += [f"## {title}", "", "| what | median | ratio to baseline |", "| --- | ---: | ---: |"]
        for name, seconds in rows:
            lines.append(f"| {name} | {seconds * 1000:.0f} ms | {seconds / baseline:.2f}× |")
        lines.append("")
        _say(title)
        for name, seconds in rows:
            _say(f"  {name}: {seconds * 1000:.0f} ms ({seconds / baseline:.2f}× baseline)")
    RESULTS.write_text("\n".join(lines))
    _say(f"Written to {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
