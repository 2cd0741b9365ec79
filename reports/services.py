"""Writes of the reports app: freezing the funding plan as a version."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from commissioning.funding_services import approving_reference
from commissioning.models import Commission, FundingPlanVersion, User
from commissioning.models.plans import snapshot_digest
from reports import selectors
from reports.models import Decision

LABEL_MAX = FundingPlanVersion._meta.get_field("label").max_length
REFERENCE_MAX = FundingPlanVersion._meta.get_field("decision_reference").max_length


@transaction.atomic
def plan_version_freeze(
    *,
    commission: Commission,
    label: str,
    by: User | None,
    decision_reference: str = "",
    decision: Decision | None = None,
) -> FundingPlanVersion:
    """Freeze the commission's funding plan as it stands as its next version, with the snapshot's SHA-256.

    Versions are numbered from 1 within the commission, one at a time (the commission's row is locked while the
    number is taken). The snapshot is read inside the same transaction, so it is the plan at one moment.
    A linked decision must be of the commission, decided and approved; its reference is recorded.
    """
    label, decision_reference = label.strip(), decision_reference.strip()
    if not label:
        raise ValidationError({"label": "Enter a label for the version, such as 'Initial approval'."})
    if len(label) > LABEL_MAX:
        raise ValidationError({"label": f"The label must be {LABEL_MAX} characters or fewer; it is {len(label)}."})
    if len(decision_reference) > REFERENCE_MAX:
        raise ValidationError(
            {
                "decision_reference": f"The decision reference must be {REFERENCE_MAX} characters or fewer; "
                f"it is {len(decision_reference)}."
            }
        )
    if decision is not None:
        decision_reference = approving_reference(decision, commission.pk, "")
    Commission.objects.select_for_update().filter(pk=commission.pk).get()
    last = commission.plan_versions.aggregate(last=Max("number"))["last"] or 0
    snapshot = selectors.plan_snapshot(commission)
    return FundingPlanVersion.objects.create(
        commission=commission,
        number=last + 1,
        label=label,
        decision_reference=decision_reference,
        decision=decision,
        frozen_at=timezone.now(),
        frozen_by=by,
        snapshot=snapshot,
        snapshot_sha256=snapshot_digest(snapshot),
    )
