"""Funding plan versions: the plan as it stood when an officer, or a decision, froze it.

A version keeps a snapshot of the plan as plain data (per partner and year the amounts requested and secured, each
reserve's drawdowns, carry-forwards, each work-stream's allocations by year) with the SHA-256 of its canonical JSON,
so a version never changes when the ledger does and any change to a stored snapshot shows. The funding movements
between two versions are the differences between their snapshots (the seeds' Appendix C).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q

from commissioning.models.core import Commission


def snapshot_digest(snapshot: dict[str, Any]) -> str:
    """SHA-256 of the snapshot's canonical JSON: keys sorted, no spaces, so the same plan has the same digest."""
    canonical = json.dumps(snapshot, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


class FundingPlanVersion(models.Model):
    """The commission's funding plan frozen at a moment, numbered from 1 within the commission."""

    commission = models.ForeignKey(Commission, on_delete=models.PROTECT, related_name="plan_versions")
    number = models.PositiveIntegerField(help_text="Version 1 is the commission's first frozen plan.")
    label = models.CharField(max_length=200, help_text="What the version is, e.g. 'Initial approval'.")
    decision_reference = models.CharField(
        max_length=100, blank=True, help_text="The decision the plan was frozen for, e.g. PCC036/18."
    )
    decision = models.ForeignKey(
        "reports.Decision",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="plan_versions",
        help_text="The decision record the plan was frozen for; its reference fills decision_reference.",
    )
    frozen_at = models.DateTimeField()
    frozen_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True)
    snapshot = models.JSONField(help_text="The plan as plain data; money as decimal strings.")
    snapshot_sha256 = models.CharField(max_length=64)

    class Meta:
        ordering = ["commission", "number"]
        constraints = [
            models.UniqueConstraint(fields=["commission", "number"], name="plan_version_number_unique"),
            models.CheckConstraint(condition=Q(number__gte=1), name="plan_version_number_positive"),
            models.CheckConstraint(condition=~Q(label=""), name="plan_version_has_label"),
        ]

    def __str__(self) -> str:
        return f"Version {self.number}: {self.label}"

    @property
    def snapshot_intact(self) -> bool:
        """Whether the stored snapshot still has the digest it was frozen with."""
        return snapshot_digest(self.snapshot) == self.snapshot_sha256
