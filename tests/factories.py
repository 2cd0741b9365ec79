"""factory_boy factories for unit tests (the demo data in fixtures/ is for end-to-end cases only)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import factory
from django.contrib.auth.models import Group

from allocations.models import BasisDataset, BasisValue, ImportedContribution, StatedTotal, TableImport
from commissioning import roles, services
from commissioning.models import Commission, Reserve, User, WorkStream
from partners.models import Contact, Membership, Partner, PartnerSuccession

TEST_PASSWORD = "correct-horse-battery-staple"


class PartnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Partner

    name = factory.Sequence(lambda n: f"District Council {n}")
    kind = Partner.Kind.DISTRICT_COUNCIL


class CommissionFactory(factory.django.DjangoModelFactory):
    """A commission with its financial years, created through the service that makes them."""

    class Meta:
        model = Commission

    name = factory.Sequence(lambda n: f"Joint commission {n}")
    host = factory.SubFactory(PartnerFactory, kind=Partner.Kind.COUNTY_COUNCIL)
    target = Decimal("3500000.00")
    first_year = 2013
    number_of_years = 3
    status = Commission.Status.ACTIVE

    @classmethod
    def _create(cls, model_class, *args, **kwargs):  # type: ignore[no-untyped-def]
        host = kwargs.pop("host")
        return services.commission_create(host_id=host.pk, **kwargs)


class WorkStreamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WorkStream

    commission = factory.SubFactory(CommissionFactory)
    name = factory.Sequence(lambda n: f"Work-stream {n}")
    pooled_share = None
    position = factory.Sequence(int)


class ReserveFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Reserve

    commission = factory.SubFactory(CommissionFactory)
    name = factory.Sequence(lambda n: f"Reserve {n}")
    purpose = "Meet the gap in funding."
    opening_balance = Decimal("730000.00")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    commission = factory.SubFactory(CommissionFactory)
    partner = factory.SubFactory(PartnerFactory)
    joined_on = date(2013, 4, 1)


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    partner = factory.SubFactory(PartnerFactory)
    name = "Head of Finance"
    position = "Head of Finance"
    email = factory.Sequence(lambda n: f"finance{n}@example.org")
    role = Contact.Role.FINANCE_LEAD


class PartnerSuccessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PartnerSuccession

    predecessor = factory.SubFactory(PartnerFactory, kind=Partner.Kind.HEALTH_BODY)
    successor = factory.SubFactory(PartnerFactory, kind=Partner.Kind.HEALTH_BODY)
    effective_on = date(2013, 4, 1)


def with_role(default: str | None) -> factory.PostGeneration:
    """Post-generation hook that puts the user in a role group (`role=` overrides the default)."""

    def add_role(user: User, create: bool, extracted: str | None, **kwargs: object) -> None:
        name = extracted or default
        if name and create:
            user.groups.add(Group.objects.get(name=name))

    return factory.PostGeneration(add_role)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.org")
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)
    role = with_role(None)

    @classmethod
    def _after_postgeneration(cls, instance, create, results=None):  # type: ignore[no-untyped-def]
        if create:
            instance.save()  # keep the password set after creation


class OfficerFactory(UserFactory):
    is_staff = True
    role = with_role(roles.OFFICER)


class ManagerFactory(UserFactory):
    is_staff = True
    role = with_role(roles.MANAGER)


class AuditorFactory(UserFactory):
    is_staff = True
    role = with_role(roles.AUDITOR)


class PartnerLeadFactory(UserFactory):
    partner = factory.SubFactory(PartnerFactory)
    role = with_role(roles.PARTNER_FINANCE_LEAD)


class BasisDatasetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BasisDataset

    name = factory.Sequence(lambda n: f"Population aged 16–59 ({n})")
    measure = "Population aged 16–59"
    unit = "people"
    source = "ONS mid-year population estimates"
    vintage = "mid-2012"


class BasisValueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BasisValue

    dataset = factory.SubFactory(BasisDatasetFactory)
    partner = factory.SubFactory(PartnerFactory)
    value = Decimal("1000")


class TableImportFactory(factory.django.DjangoModelFactory):
    """A table as it came in; its lines and stated totals are added with the factories below."""

    class Meta:
        model = TableImport

    commission = factory.SubFactory(CommissionFactory)
    kind = TableImport.Kind.CONTRIBUTIONS
    title = factory.Sequence(lambda n: f"District contributions requested ({n})")
    source = "Letter of 18 December 2012 (seed 000)"
    file_sha256 = factory.Sequence(lambda n: f"{n:064x}")


class ImportedContributionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ImportedContribution

    table_import = factory.SubFactory(TableImportFactory)
    row_number = factory.Sequence(lambda n: n + 2)
    partner = factory.SubFactory(PartnerFactory)
    name_as_stated = factory.LazyAttribute(lambda line: line.partner.name)
    amount = Decimal("1000.00")


class StatedTotalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StatedTotal

    table_import = factory.SubFactory(TableImportFactory)
    column = "amount"
    label = "Total"
    row_number = 99
    amount = Decimal("1000.00")


class MonitoringReturnFactory(factory.django.DjangoModelFactory):
    """A quarter's forecast for a work-stream, recorded by hand (not imported)."""

    class Meta:
        model = "allocations.MonitoringReturn"

    quarter = 1
    forecast = Decimal("1000.00")


class ImportUploadFactory(factory.django.DjangoModelFactory):
    """An uploaded contributions table waiting for its preview and confirmation."""

    class Meta:
        model = "allocations.ImportUpload"

    commission = factory.SubFactory(CommissionFactory)
    kind = "contributions"
    options = factory.LazyFunction(lambda: {"title": "District contributions"})
    file_name = "contributions.csv"
    data = b"Partner,Amount\r\n"
    row_count = factory.LazyAttribute(lambda upload: max(0, bytes(upload.data).count(b"\n") - 1))
    uploaded_by = factory.SubFactory(OfficerFactory)


# Providers and contracts ------------------------------------------------------------------------------------


class ProviderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "commissioning.Provider"

    name = factory.Sequence(lambda n: f"Women's Aid {n}")
    kind = "charity"


class ContractFactory(factory.django.DjangoModelFactory):
    """An active contract under a commission's Early Support work-stream (made if missing), through the service that
    checks it; 1 January 2014 to 31 March 2015 as in seed 004. Pass `values={year: amount}` to commit values."""

    class Meta:
        model = "commissioning.Contract"

    commission = factory.SubFactory(CommissionFactory)
    provider = factory.SubFactory(ProviderFactory)
    title = factory.Sequence(lambda n: f"Early Support contract {n}")
    starts_on = date(2014, 1, 1)
    ends_on = date(2015, 3, 31)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):  # type: ignore[no-untyped-def]
        from commissioning import contract_services

        commission = kwargs["commission"]
        if "work_stream" not in kwargs:
            kwargs["work_stream"] = commission.work_streams.filter(name="Early Support").first() or WorkStreamFactory(
                commission=commission, name="Early Support", pooled_share=Decimal("100")
            )
        kwargs.setdefault("by", None)
        return contract_services.contract_create(**kwargs)


# Reserves, carry-forwards and pool rules: made through their services, so each starts life as the workflow
# makes it (proposed, with its history row). Move it on with `commissioning.funding_services`.


class ReserveDrawdownFactory(factory.django.DjangoModelFactory):
    """A proposed drawdown of £321,000 from a £730,000 reserve into the commission's second year."""

    class Meta:
        model = "commissioning.ReserveDrawdown"

    reserve = factory.SubFactory(ReserveFactory)
    financial_year = factory.LazyAttribute(lambda drawdown: drawdown.reserve.commission.years.get(number=2))
    amount = Decimal("321000.00")
    reason = "Meet the gap in funding of year two."

    @classmethod
    def _create(cls, model_class, *args, **kwargs):  # type: ignore[no-untyped-def]
        from commissioning import funding_services

        return funding_services.reserve_drawdown_propose(by=None, **kwargs)


class PoolRulesFactory(factory.django.DjangoModelFactory):
    """The rules DESIGN.md states: underspends, then the reserve, then reductions; risk shared, capped."""

    class Meta:
        model = "commissioning.PoolRules"

    commission = factory.SubFactory(CommissionFactory)
    overspend_order = factory.LazyFunction(lambda: ["underspends", "reserve", "reductions"])
    reserve = None
    reductions_limit = Decimal("0.00")
    cap_at_contribution = True
