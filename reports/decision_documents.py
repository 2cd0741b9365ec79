"""A decision's documents: its report (the Report to the Cabinet Member, seed 002, or the PCC decision report, seed
003, by the template's kind) and the decision notice (seed 001).

`document_context(decision, public=...)` gathers everything a document shows as plain data: the record's text,
the officers' prose sections (Markdown, rendered without raw HTML), recommendations, sign-offs and, for a cabinet
report, the tables generated from the ledger (`reports.report_tables`; a PCC report shows the partner
contributions). The same data is what a published decision's snapshot keeps, so the PDF and the snapshot cannot
disagree.

The public version is what is published: every redaction's words are replaced with "[Redacted: reason]" wherever
they appear, exempt (Part II) sections are withheld with a line naming the paragraph of Schedule 12A, and the
document says it has been redacted. The internal version (staff previews and drafts) shows everything, with
exempt sections marked.

A PCC report numbers its sections 1 to 10 and each paragraph within them (3.1, 3.2, …), and ends with the report
approval sign-offs, the publication and redaction record and the decision's final sign-off.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import fields, is_dataclass
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone
from django.utils.html import escape

from reports import report_tables
from reports.decision_services import _display_name
from reports.markdown import render_markdown, render_numbered_markdown
from reports.models import Decision, DecisionTemplate, SignOffRole, report_sections
from reports.pdf import render_pdf

CABINET_TEMPLATE = "reports/documents/cabinet_member.html"
PCC_TEMPLATE = "reports/documents/pcc.html"
NOTICE_TEMPLATE = "reports/documents/notice.html"
REPORT_TEMPLATES = {
    DecisionTemplate.Kind.CABINET_MEMBER: CABINET_TEMPLATE,
    DecisionTemplate.Kind.PCC: PCC_TEMPLATE,
}
# The PCC report's section numbers: its prose sections in order, with the recommendations as section 2.
PCC_RECOMMENDATIONS_NUMBER = 2
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!<>|~])")


def report_template(decision: Decision) -> str:
    """The template of the decision's report, by its kind: the cabinet-member report or the PCC decision report."""
    return REPORT_TEMPLATES[decision.template.kind]


def _redactor(decision: Decision, public: bool, form: str = "text") -> Callable[[str], str]:
    """Replaces each redaction's words with "[Redacted: reason]" in text of the given form: plain `text`,
    `markdown` (the mark escaped so it stays literal) or rendered `html` (words and mark HTML-escaped, so a reason
    can never add markup). The identity when not `public`."""
    if not public:
        return lambda text: text
    redactions = sorted(decision.redactions.all(), key=lambda r: -len(r.text))  # type: ignore[attr-defined]
    pairs = []
    for redaction in redactions:
        mark = f"[Redacted: {redaction.reason}]"
        if form == "markdown":
            pairs.append((redaction.text, _MARKDOWN_SPECIAL.sub(r"\\\1", mark)))
        elif form == "html":
            pairs.append((escape(redaction.text), escape(mark)))
        else:
            pairs.append((redaction.text, mark))

    def redact(text: str) -> str:
        for words, mark in pairs:
            text = text.replace(words, mark)
        return text

    return redact


def _plain(value: Any) -> Any:
    """Dataclasses as dicts, with their computed totals (properties), recursively; other values as they are."""
    if is_dataclass(value) and not isinstance(value, type):
        data = {item.name: _plain(getattr(value, item.name)) for item in fields(value)}
        for name, attribute in vars(type(value)).items():
            if isinstance(attribute, property):
                data[name] = _plain(getattr(value, name))
        return data
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


HTML_FIELDS = frozenset({"html", "summary_html"})


def _redact_all(value: Any, redact: Callable[[str], str], redact_html: Callable[[str], str]) -> Any:
    """Every string redacted; rendered HTML (the sections, already redacted as Markdown) once more in its escaped
    form, for words that Markdown put together from entities or escapes."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {
            key: redact_html(item)
            if key in HTML_FIELDS and isinstance(item, str)
            else _redact_all(item, redact, redact_html)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_redact_all(item, redact, redact_html) for item in value]
    return value


def _section_numbers(kind: str) -> dict[str, int]:
    """A PCC report's number for each prose section (1, then 3 to 10 around the recommendations); none otherwise."""
    if kind != DecisionTemplate.Kind.PCC:
        return {}
    numbers = [n for n in range(1, len(report_sections(kind)) + 2) if n != PCC_RECOMMENDATIONS_NUMBER]
    return {key.value: number for (key, _), number in zip(report_sections(kind), numbers, strict=True)}


def _sections(decision: Decision, public: bool) -> dict[str, dict[str, Any]]:
    """Each section of the decision's kind by key, in the report's order; a PCC report's numbered."""
    stored = {section.key: section for section in decision.sections.all()}  # type: ignore[attr-defined]
    redact = _redactor(decision, public, "markdown")
    paragraph = decision.schedule_12a_paragraph
    kind = decision.template.kind
    numbers = _section_numbers(kind)
    out = {}
    for key, title in report_sections(kind):
        section = stored.get(key.value)
        body = section.body if section else ""
        exempt = bool(section and section.exempt)
        withheld = exempt and public
        number = numbers.get(key.value)
        if withheld:
            html = ""
        elif number is None:
            html = str(render_markdown(redact(body)))
        else:
            html = str(render_numbered_markdown(redact(body), number))
        out[key.value] = {
            "key": key.value,
            "title": title,
            "number": number,
            "exempt": exempt,
            "withheld": withheld,
            "withheld_note": (
                f"This section is exempt (Part II) and is withheld under paragraph {paragraph} of Schedule 12A "
                "to the Local Government Act 1972."
                if withheld
                else ""
            ),
            "html": html,
        }
    return out


def _sign_offs(decision: Decision) -> list[dict[str, Any]]:
    signed = {s.role: s for s in decision.sign_offs.all()}  # type: ignore[attr-defined]
    blocks = []
    for role in decision.template.roles:
        sign_off = signed.get(role.value)
        blocks.append(
            {
                "role": str(role.label),
                "printed_name": sign_off.printed_name if sign_off else "",
                "signed_on": timezone.localdate(sign_off.signed_at) if sign_off else None,
            }
        )
    return blocks


def document_context(decision: Decision, *, public: bool) -> dict[str, Any]:
    """Everything the decision's documents show, as plain data (strings, dates, Decimals, lists and dicts).

    `public=True` is the published version: redactions replaced, exempt sections withheld, and `redacted` true when
    anything was taken out. The cabinet report's tables are included for a cabinet-member decision only."""
    sections = _sections(decision, public)
    exempt = any(section["exempt"] for section in sections.values())
    author = next(
        (s.printed_name for s in decision.sign_offs.all() if s.role == SignOffRole.REPORT_AUTHOR),  # type: ignore[attr-defined]
        "",
    )
    recommendations = [
        {
            "numeral": r.numeral,
            "text": r.text,
            "result": r.get_result_display() if r.result else "",
            "amendment": r.amendment,
        }
        for r in decision.recommendations.order_by("number")  # type: ignore[attr-defined]
    ]
    summary = next(iter(sections.values()))  # the executive summary, or a PCC report's purpose
    data: dict[str, Any] = {
        "reference": decision.reference,
        "kind": decision.template.kind,
        "template": decision.template.name,
        "title": decision.title,
        "decision_maker": decision.decision_maker,
        "submitted_by": author,
        "date": decision.decided_on or decision.due_on,
        "part": "Part II" if exempt else "Part I",
        "divisions": decision.divisions_affected,
        "is_key": decision.is_key,
        "key_reason": decision.key_reason,
        "status": decision.get_status_display(),
        "outcome": decision.get_outcome_display() if decision.outcome else "",
        "amendments": decision.amendments,
        "notice_published_on": decision.notice_published_on,
        "due_on": decision.due_on,
        "decided_on": decision.decided_on,
        "effective_from": decision.effective_from,
        "subject_to_call_in": decision.subject_to_call_in,
        "contact": {
            "name": decision.contact_name,
            "phone": decision.contact_phone,
            "email": decision.contact_email,
        },
        "reasons": decision.reasons,
        "alternatives_rejected": decision.alternatives_rejected,
        "conflicts_of_interest": decision.conflicts_of_interest,
        "recommendations": recommendations,
        "sections": sections,
        "summary_html": summary["html"],
        "summary_withheld": summary["withheld"],
        "summary_withheld_note": summary["withheld_note"],
        "exempt": exempt,
        "schedule_12a_paragraph": decision.schedule_12a_paragraph,
        "public_interest_reason": decision.public_interest_reason,
        "sign_offs": _sign_offs(decision),
        "public": public,
        "published_on": decision.published_on,
    }
    tables = report_tables.report_tables(decision.commission)
    if decision.template.kind == DecisionTemplate.Kind.PCC:
        data["tables"] = {"contributions": _plain(tables.contributions)}
        data.update(_pcc_record(decision, data, exempt=exempt))
    else:
        data["tables"] = _plain(tables)
    redacted = public and (exempt or decision.redactions.exists())  # type: ignore[attr-defined]
    if public:
        # Sections were redacted as Markdown above; everything else here, including the generated tables.
        data = _redact_all(data, _redactor(decision, public), _redactor(decision, public, "html"))
    data["redacted"] = redacted
    return data


def _pcc_record(decision: Decision, data: dict[str, Any], *, exempt: bool) -> dict[str, Any]:
    """What a PCC report (seed 003) adds: its classification, report date and author, the recommendations numbered
    2.1, 2.2, …, and the publication, redaction and final sign-off record. Built from the internal data, before any
    redaction; `document_context` redacts it with everything else."""
    submitted_on = timezone.localdate(decision.submitted_at) if decision.submitted_at else None
    words = [r.text for r in decision.redactions.all()]  # type: ignore[attr-defined]
    appendix_json = canonical_json(data["tables"])
    # The sections as written: in the public data they are already redacted.
    bodies = [section.body for section in decision.sections.all()]  # type: ignore[attr-defined]
    sheet_json = canonical_json(
        [bodies, {key: value for key, value in data.items() if key not in ("tables", "sections")}]
    )
    of_sheet = exempt or any(w in sheet_json for w in words)
    of_appendix = any(w in appendix_json for w in words)
    decided = decision.is_decided
    return {
        "classification": decision.template.classification,
        "report_date": submitted_on,
        "report_by": data["submitted_by"] or decision.contact_name,
        "pcc_recommendations": [
            {
                "number": f"{PCC_RECOMMENDATIONS_NUMBER}.{r.number}",
                "text": r.text,
                "result": r.get_result_display() if r.result else "",
                "amendment": r.amendment,
            }
            for r in decision.recommendations.order_by("number")  # type: ignore[attr-defined]
        ],
        "publication": {
            "for_publication": True,
            "in_part": exempt,
            "reasons": decision.public_interest_reason if exempt else "",
        },
        "redaction": {
            "required": of_sheet or of_appendix,
            "of_decision_sheet": of_sheet,
            "of_appendix": of_appendix,
            "reasons": sorted({r.reason for r in decision.redactions.all()}),  # type: ignore[attr-defined]
            "carried_out_on": decision.published_on if (of_sheet or of_appendix) else None,
            "carried_out_by": _display_name(decision.published_by) if decision.published_on else "",
        },
        "final": {
            "decided": decided,
            "agreed": decided and decision.outcome in Decision.APPROVING,
            "signed_by": _display_name(decision.decided_by) if decided else "",
            "role": decision.decision_maker,
            "decided_on": decision.decided_on,
            "reasons": decision.reasons if decided and decision.outcome not in Decision.APPROVING else "",
        },
    }


def data_digest(data: dict[str, Any]) -> str:
    """SHA-256 of the data as canonical JSON (sorted keys, Decimals and dates as strings)."""
    return hashlib.sha256(canonical_json(data).encode()).hexdigest()


def canonical_json(data: dict[str, Any]) -> str:
    return json.dumps(data, cls=DjangoJSONEncoder, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def json_ready(data: dict[str, Any]) -> Any:
    """The data as the snapshot's JSON field stores it."""
    return json.loads(canonical_json(data))


def report_pdf(data: dict[str, Any], *, stamp: dict[str, Any] | None = None) -> bytes:
    """The decision's report (the Report to the Cabinet Member or the PCC decision report, by `data["kind"]`) as a
    tagged PDF. `stamp` (reference, version, data SHA-256) is printed in the footer of a published report."""
    return render_pdf(REPORT_TEMPLATES[data["kind"]], {"doc": data, "stamp": stamp})


def cabinet_report_pdf(data: dict[str, Any], *, stamp: dict[str, Any] | None = None) -> bytes:
    """The Report to the Cabinet Member as a tagged PDF (the bench and the cabinet report's tests name it)."""
    return render_pdf(CABINET_TEMPLATE, {"doc": data, "stamp": stamp})


def notice_pdf(data: dict[str, Any], *, stamp: dict[str, Any] | None = None) -> bytes:
    """The decision notice as a tagged PDF: a separate document from the report, rendered live."""
    return render_pdf(NOTICE_TEMPLATE, {"doc": data, "stamp": stamp})
