"""The commission itself: who may use it, the pooled fund, its financial years, work-streams and reserves.

The core imports no other app of the project; its foreign keys to them are strings.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse

from commissioning import financial_years
from commissioning.history import AuditTrail
from commissioning.money import MoneyField, format_pounds

HUNDRED = Decimal("100")


class User(AbstractUser):
    """A person who signs in. A partner finance lead is tied to the one partner whose data they may see."""

    partner = models.ForeignKey(
        "partners.Partner",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
        help_text="Only for partner finance leads: the organisation whose requests and pledges they may see.",
    )

    # Roles are group memberships: kept with each version, so a role given or taken away is in the history.
    history = AuditTrail(excluded_fields=["password", "last_login"], m2m_fields=["groups"])

    def clean(self) -> None:
        super().clean()
        if self.partner_id and self.is_staff:
            raise ValidationError({"partner": "A partner login cannot also be staff: staff see every partner."})


class Commission(models.Model):
    """A multi-year pooled fund run by a host partner for a programme of services."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        ACTIVE = "active", "Active"
        CLOSED = "closed", "Closed"

    name = models.CharField(max_length=200, unique=True)
    host = models.ForeignKey(
        "partners.Partner",
        on_delete=models.PROTECT,
        related_name="hosted_commissions",
        help_text="The partner that holds the pool, e.g. the county council.",
    )
    target = MoneyField(help_text="The total the commission sets out to pool over all its years, in pounds.")
    first_year = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(2000), MaxValueValidator(2100)],
        help_text="The calendar year the first financial year starts in: 2013 for 2013/14.",
    )
    number_of_years = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(10)])
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    created_at = models.DateTimeField(auto_now_add=True)

    history = AuditTrail()

    class Meta:
        ordering = ["name"]
        permissions = [
            ("approve_funding", "Can approve reserve drawdowns and confirm carry-forwards"),
            ("sign_off_decision", "Can sign off and decide decision reports"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(target__gt=0), name="commission_target_positive"),
            models.CheckConstraint(
                condition=Q(number_of_years__gte=1, number_of_years__lte=10), name="commission_years_1_to_10"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("commission-detail", args=[self.pk])

    def clean(self) -> None:
        super().clean()
        if self.target is not None and self.target <= 0:
            raise ValidationError({"target": f"The target must be more than £0; it is {format_pounds(self.target)}."})

    @property
    def period_label(self) -> str:
        """`2013/14 to 2015/16`."""
        last = self.first_year + self.number_of_years - 1
        return f"{financial_years.label(self.first_year)} to {financial_years.label(last)}"


class FinancialYear(models.Model):
    """One of a commission's years, 1 April to 31 March; year 1 is the commission's first."""

    commission = models.ForeignKey(Commission, on_delete=models.CASCADE, related_name="years")
    number = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    start_year = models.PositiveSmallIntegerField(help_text="The calendar year it starts in: 2013 for 2013/14.")

    history = AuditTrail()

    class Meta:
        ordering = ["commission", "number"]
        constraints = [
            models.UniqueConstraint(fields=["commission", "number"], name="financial_year_number_unique"),
            models.UniqueConstraint(fields=["commission", "start_year"], name="financial_year_start_unique"),
            models.CheckConstraint(condition=Q(number__gte=1), name="financial_year_number_positive"),
        ]

    def __str__(self) -> str:
        return self.label

    def clean(self) -> None:
        super().clean()
        commission = self.commission if self.commission_id else None
        if commission and self.number and self.start_year:
            expected = commission.first_year + self.number - 1
            if self.start_year != expected:
                raise ValidationError(
                    f"Year {self.number} of a commission starting in {financial_years.label(commission.first_year)}"
                    f" is {financial_years.label(expected)}, not {financial_years.label(self.start_year)}."
                )
            if self.number > commission.number_of_years:
                raise ValidationError(
                    f"{commission} runs for {commission.number_of_years} years; there is no year {self.number}."
                )

    @property
    def label(self) -> str:
        return financial_years.label(self.start_year)

    @property
    def starts_on(self) -> date:
        return financial_years.starts_on(self.start_year)

    @property
    def ends_on(self) -> date:
        return financial_years.ends_on(self.start_year)


class WorkStream(models.Model):
    """A strand of the service model. A pooled one takes a share of each year's pool; the rest carry none."""

    commission = models.ForeignKey(Commission, on_delete=models.PROTECT, related_name="work_streams")
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    outcomes = models.TextField(blank=True, help_text="The outcomes the work-stream is commissioned to achieve.")
    pooled_share = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(HUNDRED)],
        help_text="Percent of each year's pool. Leave empty for a work-stream that is not pooled.",
    )
    position = models.PositiveSmallIntegerField(default=0, help_text="Order on pages and in reports.")
    valid_to = models.DateField(null=True, blank=True, help_text="Set when the work-stream ends; it is never deleted.")

    history = AuditTrail()

    class Meta:
        ordering = ["commission", "position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["commission", "name"], name="work_stream_name_unique"),
            models.CheckConstraint(
                condition=Q(pooled_share__isnull=True) | Q(pooled_share__gt=0, pooled_share__lte=100),
                name="work_stream_share_0_to_100",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_pooled(self) -> bool:
        return self.pooled_share is not None


def validate_pooled_shares(shares: Iterable[Decimal | None]) -> None:
    """Refuse pooled shares that do not sum to exactly 100%, naming the sum.

    Not-pooled work-streams (`None`) carry no share; a commission with no pooled work-stream yet passes.
    """
    pooled = [share for share in shares if share is not None]
    if not pooled:
        return
    total = sum(pooled, Decimal("0"))
    if total != HUNDRED:
        raise ValidationError(
            f"The pooled shares of a commission must sum to exactly 100%; these sum to {total.normalize():f}%.",
            code="pooled_shares_sum",
        )


class Reserve(models.Model):
    """An earmarked reserve of the host, such as the Crime and Disorder reserve, and the rules for using it."""

    commission = models.ForeignKey(Commission, on_delete=models.PROTECT, related_name="reserves")
    name = models.CharField(max_length=200)
    purpose = models.TextField()
    protocol = models.TextField(blank=True, help_text="How and when the reserve may be used, and who approves it.")
    opening_balance = MoneyField(help_text="What the reserve held when the commission took it on, in pounds.")
    review_on = models.DateField(null=True, blank=True)

    history = AuditTrail()

    class Meta:
        ordering = ["commission", "name"]
        constraints = [
            models.UniqueConstraint(fields=["commission", "name"], name="reserve_name_unique"),
            models.CheckConstraint(condition=Q(opening_balance__gte=0), name="reserve_opening_balance_not_negative"),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        if self.opening_balance is not None and self.opening_balance < 0:
            raise ValidationError({"opening_balance": "A reserve cannot open below £0."})
