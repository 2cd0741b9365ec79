"""Writes for a decision's report and its publication: the prose sections, Part II, redactions, and publishing.

| service | when | needs (`by` must hold) |
| --- | --- | --- |
| `sections_update` (every section, Part II) | draft | `reports.change_decision` (officer) |
| `redaction_add`, `redaction_remove` | until published | `reports.change_decision` |
| `decision_publish` | decided | `reports.change_decision` |

Publishing builds the public version of the report (`reports.decision_documents`: redactions replaced, exempt
sections withheld), renders its PDF (the cabinet report or the PCC decision report, by the template's kind) and
stores both in a `DecisionSnapshot` with their SHA-256, in the same transaction as the move to published. The
published PDF is served from the snapshot from then on, whatever happens to the ledger; a decision is published
once. `by=None` is the system (the demo loader).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from commissioning.models import User
from reports import decision_documents
from reports.decision_services import CHANGE, _draft, _event, _guard, _locked, _require
from reports.models import (
    Decision,
    DecisionEvent,
    DecisionRedaction,
    DecisionSection,
    DecisionSnapshot,
    SectionKey,
    section_keys,
)

Status = Decision.Status
SCHEDULE_12A_PARAGRAPHS = range(1, 8)
SECTION_LIMIT = 50_000


@dataclass(frozen=True)
class SectionInput:
    body: str = ""
    exempt: bool = False


def _section_errors(
    sections: Mapping[str, SectionInput], *, exempt: bool, paragraph: int | None, reason: str
) -> dict[str, str]:
    errors: dict[str, str] = {}
    for key, given in sections.items():
        if len(given.body) > SECTION_LIMIT:
            label = SectionKey(key).label
            errors[key] = f"{label} must be {SECTION_LIMIT:,} characters or fewer; it is {len(given.body):,}."
    if exempt and paragraph not in SCHEDULE_12A_PARAGRAPHS:
        errors["schedule_12a_paragraph"] = (
            "Choose the paragraph of Schedule 12A (1 to 7) the exempt sections fall under."
        )
    if exempt and not reason:
        errors["public_interest_reason"] = (
            "Say why the public interest in withholding the exempt sections outweighs disclosing them."
        )
    return errors


@transaction.atomic
def sections_update(
    *,
    decision: Decision,
    sections: Mapping[str, SectionInput],
    by: User | None,
    schedule_12a_paragraph: int | None = None,
    public_interest_reason: str = "",
) -> Decision:
    """Write a draft decision's prose sections (Markdown; those of its template's kind) and its Part II details. A
    section left out of `sections` is left as it is. When any section is exempt, the Schedule 12A paragraph (1 to 7)
    and the public-interest reason are required; when none is, they are cleared."""
    decision = _draft(decision, by, "change a decision")
    keys = section_keys(decision.template.kind)
    unknown = set(sections) - set(keys)
    if unknown:
        raise ValidationError(
            f"A {decision.template.get_kind_display()} has no section " + ", ".join(sorted(unknown)) + "."
        )
    stored = {section.key: section for section in decision.sections.select_for_update()}  # type: ignore[attr-defined]
    exempt = any(
        (sections[key].exempt if key in sections else bool(stored.get(key) and stored[key].exempt)) for key in keys
    )
    reason = public_interest_reason.strip()
    errors = _section_errors(sections, exempt=exempt, paragraph=schedule_12a_paragraph, reason=reason)
    if errors:
        raise ValidationError(errors)
    for key, given in sections.items():
        body = given.body.strip()
        section = stored.get(key)
        if section is None:
            if body or given.exempt:
                DecisionSection.objects.create(decision=decision, key=key, body=body, exempt=given.exempt)
        elif (section.body, section.exempt) != (body, given.exempt):
            section.body, section.exempt = body, given.exempt
            section.save(update_fields=["body", "exempt"])
    decision.schedule_12a_paragraph = schedule_12a_paragraph if exempt else None
    decision.public_interest_reason = reason if exempt else ""
    decision.save(update_fields=["schedule_12a_paragraph", "public_interest_reason"])
    return decision


def _unpublished(decision: Decision, by: User | None) -> Decision:
    _require(by, CHANGE, "change a decision's redactions")
    decision = _locked(decision)
    if decision.status == Status.PUBLISHED:
        raise ValidationError(f"{decision.reference} is published, so its redactions can no longer change.")
    return decision


@transaction.atomic
def redaction_add(*, decision: Decision, text: str, reason: str, by: User | None) -> DecisionRedaction:
    """Words to remove from the published report wherever they appear, with the reason printed in their place.
    Allowed until the decision is published."""
    decision = _unpublished(decision, by)
    text, reason = text.strip(), reason.strip()
    errors = {}
    if not text:
        errors["text"] = "Enter the words to remove from the published report."
    if not reason:
        errors["reason"] = "Give the reason, for example personal data; it is printed in place of the words."
    elif len(reason) > 200:
        errors["reason"] = f"The reason must be 200 characters or fewer; it is {len(reason)}."
    if not errors and decision.redactions.filter(text=text).exists():  # type: ignore[attr-defined]
        errors["text"] = "These words are already redacted."
    if errors:
        raise ValidationError(errors)
    return DecisionRedaction.objects.create(
        decision=decision, text=text, reason=reason, created_at=timezone.now(), created_by=by
    )


@transaction.atomic
def redaction_remove(*, redaction: DecisionRedaction, by: User | None) -> None:
    """Take a redaction off an unpublished decision; the audit trail keeps it."""
    _unpublished(redaction.decision, by)
    DecisionRedaction.objects.get(pk=redaction.pk).delete()


@transaction.atomic
def decision_publish(*, decision: Decision, by: User | None, published_on: dt.date | None = None) -> DecisionSnapshot:
    """Publish a decided decision: its public report (redacted, exempt sections withheld) is rendered and kept with
    the PDF and both SHA-256s in a new snapshot, and the decision becomes published, on `published_on` (today
    unless given). Refused for a decision that is not decided, including one already published."""
    _require(by, CHANGE, "publish a decision")
    decision = _locked(decision)
    _guard(decision, (Status.DECIDED,), "published")
    published_on = published_on or timezone.localdate()
    if decision.decided_on and published_on < decision.decided_on:
        raise ValidationError({"published_on": "A decision cannot be published before it is made."})
    if decision.sections.filter(exempt=True).exists() and not (  # type: ignore[attr-defined]
        decision.schedule_12a_paragraph and decision.public_interest_reason
    ):
        raise ValidationError("Give the Schedule 12A paragraph and the public-interest reason for the exempt sections.")
    version = (decision.snapshots.aggregate(last=Max("version"))["last"] or 0) + 1  # type: ignore[attr-defined]
    # The document shows the decision as published, so it is moved first (the snapshot is in the same transaction).
    was = decision.status
    decision.status = Status.PUBLISHED
    decision.published_on = published_on
    decision.published_at, decision.published_by = timezone.now(), by
    decision.save(update_fields=["status", "published_on", "published_at", "published_by"])
    data = decision_documents.document_context(decision, public=True)
    digest = decision_documents.data_digest(data)
    stamp = {"reference": decision.reference, "version": version, "published_on": published_on, "data_sha256": digest}
    pdf = decision_documents.report_pdf(data, stamp=stamp)
    snapshot = DecisionSnapshot.objects.create(
        decision=decision,
        version=version,
        data=decision_documents.json_ready(data),
        pdf=pdf,
        sha256=hashlib.sha256(pdf).hexdigest(),
        data_sha256=digest,
        created_at=timezone.now(),
        created_by=by,
    )
    _event(decision, action=DecisionEvent.Action.PUBLISHED, was=was, by=by, note=f"Version {version}")
    return snapshot
