"""The request → pro-forma → pledge → ledger workflow. Every write here is one database transaction.

issue (officer) → e-mail with a secure link (background job) → viewed → returned (partner) → accepted, which makes
the pledges and their ledger postings, or declined (no money; the request moves to the shortfall). An officer may
query a return, which sends the request back to the partner for one more return. Every change of status is a
`RequestEvent` with who and when.

E-mails are sent at most once: each is claimed under a unique key (`OutgoingEmail`) before it is sent, so a job run
twice, or by two workers, finds the key taken. The task backend does not retry; a failed e-mail is marked failed,
and an officer can send a new link.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from commissioning import history, job_services, ledger
from commissioning.models import Commission, FinancialYear, Job, User
from commissioning.money import MoneyError, format_pounds, to_money
from partners.models import (
    Contact,
    ContributionRequest,
    InKindPledge,
    OutgoingEmail,
    Partner,
    Pledge,
    ProFormaReturn,
    ProFormaReturnLine,
    RejectedLinkAttempt,
    RequestEvent,
    RequestLetter,
    RequestLink,
)

Status = RequestLetter.Status
Action = RequestEvent.Action
TOKEN_BYTES = 32  # 256 bits; the issue asks for at least 128
LINK_ATTEMPTS_ALLOWED = 10  # rejected secure-link attempts per client…
LINK_ATTEMPT_WINDOW = timedelta(minutes=15)  # …in this long
LINK_ACTOR = "The partner, through the secure link"
WORKER_ACTOR = "The background worker"


# Issuing ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IssueOptions:
    deadline: date
    sender_name: str
    sender_position: str = ""
    grace_days: int = 14
    reminder_days: tuple[int, ...] = (14, 7, 1)
    message: str = ""
    issued_on: date | None = None  # the date the letter bears; today when not given


def finance_lead(partner: Partner) -> Contact | None:
    """The partner's current finance lead, whom requests are sent to."""
    return (
        partner.contacts.filter(role=Contact.Role.FINANCE_LEAD, valid_to__isnull=True).exclude(email="").order_by("pk")
    ).first()


def _check_options(options: IssueOptions, issued_on: date) -> None:
    errors: dict[str, str] = {}
    if options.deadline <= issued_on:
        errors["deadline"] = f"The deadline must be after the date of the letter ({issued_on:%-d %B %Y})."
    if not 0 <= options.grace_days <= 365:
        errors["grace_days"] = "The grace period must be between 0 and 365 days."
    days_to_deadline = (options.deadline - issued_on).days
    for days in options.reminder_days:
        if days < 1:
            errors["reminder_days"] = "Reminders go at least 1 day before the deadline."
        elif days >= days_to_deadline and "deadline" not in errors:
            errors["reminder_days"] = (
                f"A reminder {days} days before the deadline would go before the letter is issued: "
                f"the deadline is {days_to_deadline} days after it."
            )
    if not options.sender_name.strip():
        errors["sender_name"] = "Enter who the letter is from."
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def letters_issue(
    *,
    commission: Commission,
    options: IssueOptions,
    by: User | None,
    partners: Sequence[Partner] | None = None,
    notify: bool = True,
) -> list[RequestLetter]:
    """Issue the commission's draft requests as letters: one partner, several, or (no `partners`) all with drafts.

    Freezes the amounts (the requests become issued and name their letter), records the issue, and, once the
    transaction commits, a background job renders each letter and e-mails its secure link (`notify=False` for a
    request that went by post, as the demo's 2012 letters did). Refused whole, with every reason, if any partner
    cannot be issued.
    """
    issued_on = options.issued_on or timezone.localdate()
    _check_options(options, issued_on)
    Commission.objects.select_for_update().get(pk=commission.pk)  # one issue at a time per commission
    by_partner = _drafts_to_issue(commission, partners)
    leads = {partner_id: finance_lead(rows[0].partner) for partner_id, rows in by_partner.items()}
    problems = _issue_problems(commission, by_partner, leads, notify)
    if problems:
        raise ValidationError(problems)

    number = (commission.request_letters.aggregate(top=Max("number"))["top"] or 0) + 1
    letters = []
    for partner_id, rows in by_partner.items():
        lead = leads[partner_id]
        letter = RequestLetter.objects.create(
            commission=commission,
            partner_id=partner_id,
            number=number,
            partner_name=rows[0].partner_name,
            formula_id=rows[0].formula_id,
            deadline=options.deadline,
            grace_days=options.grace_days,
            reminder_days=sorted(set(options.reminder_days), reverse=True),
            recipient_name=lead.name if lead else "",
            recipient_email=lead.email if lead else "",
            sender_name=options.sender_name.strip(),
            sender_position=options.sender_position.strip(),
            message=options.message.strip(),
            issued_on=issued_on,
            issued_by=by,
        )
        number += 1
        for row in rows:
            row.status, row.letter = ContributionRequest.Status.ISSUED, letter
        history.bulk_update(ContributionRequest, rows, ["status", "letter"])
        _event(letter, Action.ISSUED, by=by, status_to=Status.ISSUED, note=_amounts_note(rows))
        letters.append(letter)
    if notify:
        from partners import tasks  # the tasks module imports this one

        job = letters_job_create(commission=commission, letters=letters, by=by)
        ids = [letter.pk for letter in letters]
        transaction.on_commit(lambda: tasks.letters_send_task.enqueue(ids, job.pk))
    return letters


def letters_job_create(*, commission: Commission, letters: Sequence[RequestLetter], by: User | None) -> Job:
    """The background job that renders and e-mails the letters, one item per letter, for its progress page."""
    count = len(letters)
    return job_services.job_create(
        kind=Job.Kind.ISSUE_LETTERS,
        label=f"Send {count} request letter{'s' if count != 1 else ''}",
        by=by,
        commission=commission,
        items=[
            job_services.ItemInput(label=f"{letter.reference} to {letter.partner_name}", target=letter)
            for letter in letters
        ],
    )


def _drafts_to_issue(
    commission: Commission, partners: Sequence[Partner] | None
) -> dict[int, list[ContributionRequest]]:
    """The draft requests to issue, locked, by partner."""
    drafts = list(
        ContributionRequest.objects.select_for_update()
        .filter(commission=commission, status=ContributionRequest.Status.DRAFT)
        .select_related("partner", "financial_year")
        .order_by("partner_name", "financial_year__number")
    )
    if partners is not None:
        with_drafts = {draft.partner_id for draft in drafts}
        missing = [partner.name for partner in partners if partner.pk not in with_drafts]
        if missing:
            raise ValidationError(f"There is no draft request to issue for {', '.join(sorted(missing))}.")
        wanted = {partner.pk for partner in partners}
        drafts = [draft for draft in drafts if draft.partner_id in wanted]
    if not drafts:
        raise ValidationError("There are no draft requests to issue. Draft them from a formula first.")
    by_partner: dict[int, list[ContributionRequest]] = {}
    for draft in drafts:
        by_partner.setdefault(draft.partner_id, []).append(draft)
    return by_partner


def _issue_problems(
    commission: Commission,
    by_partner: dict[int, list[ContributionRequest]],
    leads: dict[int, Contact | None],
    notify: bool,
) -> list[str]:
    """Why any of these partners cannot be issued a request now: asked already, or no one to send it to."""
    live = set(
        RequestLetter.objects.filter(commission=commission, partner_id__in=by_partner)
        .exclude(status=Status.DECLINED)
        .values_list("partner_id", flat=True)
    )
    problems = []
    for partner_id, rows in by_partner.items():
        partner = rows[0].partner
        if partner_id in live:
            problems.append(f"{partner} already has a request that is open or accepted; it cannot be asked twice.")
        if notify and leads[partner_id] is None:
            problems.append(f"{partner} has no finance lead with an e-mail address to send the request to.")
    return problems


def _amounts_note(rows: Sequence[ContributionRequest]) -> str:
    return "; ".join(f"{row.financial_year.label} {format_pounds(row.amount)}" for row in rows)


def _event(
    letter: RequestLetter,
    action: str,
    *,
    by: User | None = None,
    actor: str = "",
    status_to: str = "",
    status_from: str = "",
    note: str = "",
    pro_forma_return: ProFormaReturn | None = None,
) -> RequestEvent:
    if by is None and not actor:
        # A command or the shell: say so, with the reason given to the audit trail (the demo loader gives one).
        actor = history.current_reason() or "No one signed in (a command or the shell)"
    return RequestEvent.objects.create(
        letter=letter,
        action=action,
        by=by,
        by_description="" if by else actor[:200],
        status_from=status_from,
        status_to=status_to,
        note=note,
        pro_forma_return=pro_forma_return,
    )


def _status_set(
    letter: RequestLetter, status: str, action: str, *, by: User | None, actor: str = "", note: str = "", **kw: Any
) -> RequestEvent:
    previous = letter.status
    letter.status = status
    letter.save(update_fields=["status"])
    return _event(letter, action, by=by, actor=actor, status_from=previous, status_to=status, note=note, **kw)


# The letter PDF -----------------------------------------------------------------------------------------------


def letter_context(letter: RequestLetter) -> dict[str, Any]:
    """What the letter shows: its own requests, and the allocation table of every request of the same formula."""
    requests = list(letter.requests.select_related("financial_year").order_by("financial_year__number"))
    years = [request.financial_year for request in requests]
    table_rows: dict[str, dict[int, Decimal]] = {}
    if letter.formula_id:
        same_formula = ContributionRequest.objects.filter(formula_id=letter.formula_id).select_related("financial_year")
        for request in same_formula:
            table_rows.setdefault(request.partner_name, {})[request.financial_year_id] = request.amount
    else:
        table_rows[letter.partner_name] = {request.financial_year_id: request.amount for request in requests}
    table = [(name, [amounts.get(year.pk) for year in years]) for name, amounts in sorted(table_rows.items())]
    totals = [
        sum((amounts.get(year.pk) or Decimal(0) for amounts in table_rows.values()), Decimal(0)) for year in years
    ]
    same_each_year = len({request.amount for request in requests}) == 1
    return {
        "letter": letter,
        "commission": letter.commission,
        "requests": requests,
        "years": years,
        "table": table,
        "table_totals": totals,
        "same_each_year": same_each_year,
        "total_asked": sum((request.amount for request in requests), Decimal(0)),
    }


def letter_pdf_render(letter: RequestLetter) -> bytes:
    from reports.pdf import render_pdf  # imports no app; see DESIGN.md

    return render_pdf("partners/pdf/request_letter.html", letter_context(letter))


def letter_pdf_ensure(letter: RequestLetter, *, by: User | None = None) -> bytes:
    """The letter's PDF, rendered once and kept: what was issued is what is downloaded later."""
    if letter.letter_pdf:
        return bytes(letter.letter_pdf)
    pdf = letter_pdf_render(letter)
    with transaction.atomic():
        locked = RequestLetter.objects.select_for_update().get(pk=letter.pk)
        if locked.letter_pdf:  # another worker got there first
            return bytes(locked.letter_pdf)
        locked.letter_pdf, locked.letter_sha256 = pdf, hashlib.sha256(pdf).hexdigest()
        locked.save(update_fields=["letter_pdf", "letter_sha256"])
        _event(locked, Action.LETTER_RENDERED, by=by, actor=WORKER_ACTOR, note=f"SHA-256 {locked.letter_sha256}")
    letter.letter_pdf, letter.letter_sha256 = locked.letter_pdf, locked.letter_sha256
    return pdf


# Secure links -------------------------------------------------------------------------------------------------


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def link_create(letter: RequestLetter) -> str:
    """A new secure link to the letter; returns the token, which is kept nowhere but in the e-mail."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    RequestLink.objects.create(letter=letter, token_hash=token_hash(token))
    return token


def link_url(token: str) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("pro-forma", args=[token])


def letter_for_token(token: str, *, today: date | None = None) -> RequestLetter | None:
    """The one letter a token opens, or None: unknown, revoked and expired tokens are all simply None."""
    if not token or len(token) > 100:
        return None
    link = (
        RequestLink.objects.select_related("letter__commission", "letter__partner")
        .filter(token_hash=token_hash(token), revoked_at__isnull=True)
        .first()
    )
    if link is None or (today or timezone.localdate()) > link.letter.closes_on:
        return None
    return link.letter


def client_key(address: str) -> str:
    """An HMAC of the client's address: enough to count its attempts, without keeping the address."""
    return hmac.new(settings.SECRET_KEY.encode(), address.encode(), hashlib.sha256).hexdigest()


def link_attempts_exceeded(client: str) -> bool:
    since = timezone.now() - LINK_ATTEMPT_WINDOW
    return RejectedLinkAttempt.objects.filter(client=client, at__gte=since).count() >= LINK_ATTEMPTS_ALLOWED


def link_attempt_rejected(client: str) -> None:
    RejectedLinkAttempt.objects.create(client=client)
    # Old attempts count for nothing; clearing them here keeps the table small without a scheduled job.
    RejectedLinkAttempt.objects.filter(at__lt=timezone.now() - timedelta(days=1)).delete()


def letter_viewed(letter: RequestLetter, *, by: User | None) -> None:
    """The partner opened the request for the first time."""
    with transaction.atomic():
        locked = RequestLetter.objects.select_for_update().get(pk=letter.pk)
        if locked.status == Status.ISSUED:
            _status_set(locked, Status.VIEWED, Action.VIEWED, by=by, actor=LINK_ACTOR)
            letter.status = locked.status


# E-mail -------------------------------------------------------------------------------------------------------


def _email_claim(key: str, letter: RequestLetter, subject: str) -> OutgoingEmail | None:
    """Claim the e-mail under its key; None when it was claimed before (sent, failed or being sent)."""
    try:
        with transaction.atomic():
            return OutgoingEmail.objects.create(key=key, letter=letter, to=letter.recipient_email, subject=subject)
    except IntegrityError:
        return None


def _email_send(
    outgoing: OutgoingEmail,
    template: str,
    context: dict[str, Any],
    *,
    attachments: Sequence[tuple[str, bytes, str]] = (),
) -> bool:
    body = render_to_string(template, context)
    message = EmailMessage(subject=outgoing.subject, body=body, to=[outgoing.to])
    for attachment in attachments:
        message.attach(*attachment)
    try:
        message.send()
    except Exception as error:  # SMTP and socket errors alike: say so, never retry by ourselves
        outgoing.status, outgoing.error = OutgoingEmail.Status.FAILED, str(error)[:500]
        outgoing.save(update_fields=["status", "error"])
        _event(outgoing.letter, Action.EMAIL_FAILED, actor=WORKER_ACTOR, note=f"{outgoing.subject}: {error}"[:4000])
        return False
    outgoing.status, outgoing.sent_at = OutgoingEmail.Status.SENT, timezone.now()
    outgoing.save(update_fields=["status", "sent_at"])
    return True


def _letter_email(letter: RequestLetter, key: str, subject: str, template: str, action: str, **extra: Any) -> bool:
    """Claim, make a new link, send; False when the e-mail was claimed before or could not be sent."""
    outgoing = _email_claim(key, letter, subject)
    if outgoing is None:
        return False
    token = link_create(letter)
    context = {"letter": letter, "link": link_url(token), "commission": letter.commission, **extra}
    attachments = []
    if action == Action.EMAILED:
        attachments.append(
            (f"request-{letter.reference.replace('/', '-')}.pdf", letter_pdf_ensure(letter), "application/pdf")
        )
    sent = _email_send(outgoing, template, context, attachments=attachments)
    if not sent:
        link = RequestLink.objects.get(token_hash=token_hash(token))
        link.revoked_at = timezone.now()
        link.save(update_fields=["revoked_at"])
        return False
    _event(letter, action, by=extra.get("by"), actor=WORKER_ACTOR, note=f"To {letter.recipient_email}")
    return True


def issue_email_send(letter: RequestLetter) -> bool:
    """E-mail the letter (attached) and its secure link to the partner's finance lead, once."""
    subject = f"{letter.commission}: request for a contribution, please reply by {letter.deadline:%-d %B %Y}"
    return _letter_email(letter, f"letter-{letter.pk}:issue", subject, "partners/email/request.txt", Action.EMAILED)


def _has_link_by_email(emails: Sequence[OutgoingEmail], letter: RequestLetter) -> bool:
    """Whether an e-mail with a secure link to the letter has gone to the partner: the issue e-mail or a new link."""
    issue = f"letter-{letter.pk}:issue"
    link = f"letter-{letter.pk}:link-"
    return any(
        email.status == OutgoingEmail.Status.SENT and (email.key == issue or email.key.startswith(link))
        for email in emails
    )


def letter_email_deliver(letter: RequestLetter, *, retry_key: str, by: User | None = None) -> str:
    """Make sure the partner has the letter's secure link by e-mail, never sending an e-mail twice; returns "" when
    they have it (sent now, or before), else a short reason for the officer.

    The first time, this is the issue e-mail with the letter attached. Once that has failed, a new link goes under
    `retry_key` (the job item's own key, one per attempt), as an officer's "send a new link" would. Nothing is sent
    when a link has already gone by any route, or when the letter is no longer waiting for a reply.
    """
    emails = list(letter.emails.all())
    if _has_link_by_email(emails, letter):
        return ""
    issue = next((email for email in emails if email.key == f"letter-{letter.pk}:issue"), None)
    if issue is None:
        key = f"letter-{letter.pk}:issue"
        if issue_email_send(letter):
            return ""
    elif issue.status == OutgoingEmail.Status.CLAIMED:
        return (
            "The first e-mail was being sent when its worker stopped, so it may have gone. "
            "Check with the partner, then send a new link from the letter's page."
        )
    elif letter.status not in (*RequestLetter.AWAITING_REPLY, Status.RETURNED):
        return ""  # answered already (on paper, say): there is nothing to send a link for
    else:
        key = retry_key
        if link_send(letter, key, by):
            return ""
    failed = OutgoingEmail.objects.filter(key=key).first()
    reason = failed.error if failed is not None and failed.error else "the e-mail was not sent"
    return f"The e-mail to {letter.recipient_email} could not be sent ({reason[:120]}). Retry to send a new link."


def reminder_due_days(letter: RequestLetter, today: date) -> int | None:
    """The reminder due today or earlier and not yet sent (the nearest the deadline), or None."""
    if letter.status not in RequestLetter.AWAITING_REPLY or today > letter.deadline:
        return None
    due = [days for days in letter.reminder_days if today >= letter.deadline - timedelta(days=days)]
    return min(due) if due else None


def reminder_send(letter: RequestLetter, *, today: date | None = None) -> bool:
    """Send the reminder now due, once. Reminders skipped over (the worker was down) are marked as not needed."""
    today = today or timezone.localdate()
    days = reminder_due_days(letter, today)
    if days is None:
        return False
    for earlier in letter.reminder_days:
        if earlier > days:
            outgoing = _email_claim(f"letter-{letter.pk}:reminder-{earlier}", letter, "Reminder (not sent)")
            if outgoing is not None:
                outgoing.status = OutgoingEmail.Status.SKIPPED
                outgoing.save(update_fields=["status"])
    left = (letter.deadline - today).days
    when = "today" if left == 0 else f"in {left} day{'s' if left != 1 else ''}"
    subject = f"Reminder: {letter.commission} pro-forma due {when} ({letter.deadline:%-d %B %Y})"
    return _letter_email(
        letter,
        f"letter-{letter.pk}:reminder-{days}",
        subject,
        "partners/email/reminder.txt",
        Action.REMINDED,
        days_left=left,
    )


def reminders_send_due(*, today: date | None = None) -> int:
    """Send every reminder that is due across all open letters; returns how many went."""
    today = today or timezone.localdate()
    letters = RequestLetter.objects.filter(status__in=RequestLetter.AWAITING_REPLY, deadline__gte=today).exclude(
        recipient_email=""
    )
    return sum(1 for letter in letters.select_related("commission") if reminder_send(letter, today=today))


def link_resend(letter: RequestLetter, *, by: User) -> None:
    """An officer sends the partner a fresh link (the first e-mail failed, or was lost); by a background job."""
    if letter.status not in (*RequestLetter.AWAITING_REPLY, Status.RETURNED):
        raise ValidationError(f"{letter} is {letter.get_status_display().lower()}: there is nothing to reply to.")
    if not letter.recipient_email:
        raise ValidationError(f"{letter} has no e-mail address to send a link to.")
    from partners import tasks

    key = f"letter-{letter.pk}:link-{letter.emails.count() + 1}"
    transaction.on_commit(lambda: tasks.link_send_task.enqueue(letter.pk, key, by.pk))


def link_send(letter: RequestLetter, key: str, by: User | None) -> bool:
    subject = f"{letter.commission}: your link to the pro-forma"
    return _letter_email(letter, key, subject, "partners/email/link.txt", Action.LINK_SENT, by=by)


@transaction.atomic
def letter_deadline_change(
    *, letter: RequestLetter, deadline: date, grace_days: int, reason: str, by: User | None
) -> RequestLetter:
    """Move a request's deadline or grace period (a partner asked for more time), while it waits for a reply.

    The secure links follow: they now close on the new deadline plus the grace period. Reminders already sent are
    not sent again; those still ahead go by the new deadline.
    """
    reason = (reason or "").strip()
    letter = RequestLetter.objects.select_for_update().get(pk=letter.pk)
    if letter.status not in RequestLetter.AWAITING_REPLY:
        raise ValidationError(
            f"{letter} is {letter.get_status_display().lower()}: its deadline can only change while it waits for "
            "the partner's reply."
        )
    errors: dict[str, str] = {}
    if deadline <= letter.issued_on:
        errors["deadline"] = f"The deadline must be after the date of the letter ({letter.issued_on:%-d %B %Y})."
    if not 0 <= grace_days <= 365:
        errors["grace_days"] = "The grace period must be between 0 and 365 days."
    if not reason:
        errors["reason"] = "Say why the deadline changes; it is kept in the request's history."
    if not errors and (deadline, grace_days) == (letter.deadline, letter.grace_days):
        errors["deadline"] = "That is the deadline and grace period the request has already."
    if errors:
        raise ValidationError(errors)
    before = f"{letter.deadline:%-d %B %Y} (closes {letter.closes_on:%-d %B %Y})"
    letter.deadline, letter.grace_days = deadline, grace_days
    letter.save(update_fields=["deadline", "grace_days"])
    after = f"{letter.deadline:%-d %B %Y} (closes {letter.closes_on:%-d %B %Y})"
    _event(letter, Action.DEADLINE_CHANGED, by=by, note=f"From {before} to {after}: {reason}")
    from partners import tasks

    transaction.on_commit(lambda: tasks.reminders_schedule(letter))
    return letter


# Returns ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReturnInput:
    option: str
    organisation: str
    signed_on: date
    signatory_name: str
    signatory_position: str
    signature: str
    authority_confirmed: bool
    years_agreed: int | None = None
    different_amount: Decimal | None = None  # a yearly amount other than the one asked (a counter-offer)
    comment: str = ""
    in_kind_description: str = ""
    in_kind_value: Decimal | None = None


def _clean(text: str) -> str:
    return " ".join((text or "").split())


def _check_signature(letter: RequestLetter, data: ReturnInput, today: date) -> dict[str, str]:
    errors: dict[str, str] = {}
    for name, label in (
        ("organisation", "the organisation"),
        ("signatory_name", "the signatory's full name"),
        ("signatory_position", "the signatory's position"),
        ("signature", "your full name as your signature"),
    ):
        if not _clean(getattr(data, name)):
            errors[name] = f"Enter {label}."
    if "signature" not in errors and "signatory_name" not in errors:
        if _clean(data.signature).casefold() != _clean(data.signatory_name).casefold():
            errors["signature"] = "Type the signatory's full name exactly as above to sign."
    if not data.authority_confirmed:
        errors["authority_confirmed"] = "Confirm that you have authority to commit the organisation."
    if data.signed_on > today:
        errors["signed_on"] = "The date cannot be in the future."
    elif data.signed_on < letter.issued_on:
        errors["signed_on"] = f"The date cannot be before the letter was issued ({letter.issued_on:%-d %B %Y})."
    return errors


def _check_offer(data: ReturnInput, asked: int) -> dict[str, str]:
    errors: dict[str, str] = {}
    if data.option not in ProFormaReturn.Option.values:
        errors["option"] = "Select Option 1 (agree) or Option 2 (decline)."
    if data.option == ProFormaReturn.Option.AGREE:
        if data.years_agreed is None or not 1 <= data.years_agreed <= asked:
            # Words, not SQL: bandit's B608 takes any "select … from" for a query.
            errors["years_agreed"] = f"Select how many years you agree to, from 1 to {asked}."  # nosec B608
        if data.different_amount is not None and data.different_amount <= 0:
            errors["different_amount"] = "A different yearly amount must be more than £0; or choose Option 2."
    if data.in_kind_value is not None:
        if data.in_kind_value < 0:
            errors["in_kind_value"] = "The value of an in-kind offer cannot be negative."
        elif not _clean(data.in_kind_description):
            errors["in_kind_description"] = "Describe the in-kind offer you have put a value on."
    return errors


def return_content(pro_forma_return: ProFormaReturn, lines: Sequence[ProFormaReturnLine]) -> dict[str, Any]:
    """Everything a return says, in a fixed form: what its SHA-256 covers."""
    value = pro_forma_return.in_kind_value
    return {
        "letter": pro_forma_return.letter.reference,
        "partner": pro_forma_return.letter.partner_name,
        "return": pro_forma_return.number,
        "option": pro_forma_return.option,
        "years_agreed": pro_forma_return.years_agreed,
        "lines": [[line.financial_year.label, str(line.requested), str(line.offered)] for line in lines],
        "organisation": pro_forma_return.organisation,
        "signed_on": pro_forma_return.signed_on.isoformat(),
        "signatory_name": pro_forma_return.signatory_name,
        "signatory_position": pro_forma_return.signatory_position,
        "signature": pro_forma_return.signature,
        "authority_confirmed": pro_forma_return.authority_confirmed,
        "comment": pro_forma_return.comment,
        "in_kind_description": pro_forma_return.in_kind_description,
        "in_kind_value": str(to_money(value)) if value is not None else None,
        "submitted_at": pro_forma_return.submitted_at.astimezone(UTC).isoformat(),
        "via": pro_forma_return.via,
    }


def return_digest(pro_forma_return: ProFormaReturn, lines: Sequence[ProFormaReturnLine]) -> str:
    canonical = json.dumps(return_content(pro_forma_return, lines), sort_keys=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


def return_digest_matches(pro_forma_return: ProFormaReturn) -> bool:
    """Whether a stored return still says what it said when it was submitted."""
    lines = list(pro_forma_return.lines.select_related("financial_year").order_by("financial_year__number"))
    return return_digest(pro_forma_return, lines) == pro_forma_return.digest


@transaction.atomic
def return_submit(
    *, letter: RequestLetter, data: ReturnInput, by: User | None, via: str, today: date | None = None
) -> ProFormaReturn:
    """Record the partner's return: immutable from now on; the request waits for an officer's review.

    Refused when the request is not waiting for a reply (a second submission on the same link), or has closed.
    """
    today = today or timezone.localdate()
    letter = RequestLetter.objects.select_for_update().select_related("commission").get(pk=letter.pk)
    if letter.status not in RequestLetter.AWAITING_REPLY:
        raise ValidationError(
            f"This request was returned already and is {letter.get_status_display().lower()}. "
            "To change the return, ask the commissioning officer to reopen it."
        )
    if today > letter.closes_on:
        raise ValidationError(
            f"This request closed on {letter.closes_on:%-d %B %Y}. Contact the commissioning officer."
        )
    requests = list(letter.requests.select_related("financial_year").order_by("financial_year__number"))
    try:
        different = to_money(data.different_amount) if data.different_amount is not None else None
        in_kind_value = to_money(data.in_kind_value) if data.in_kind_value is not None else None
    except (MoneyError, TypeError) as error:
        raise ValidationError({"different_amount": str(error)}) from None
    errors = {**_check_offer(data, len(requests)), **_check_signature(letter, data, today)}
    if errors:
        raise ValidationError(errors)

    agree = data.option == ProFormaReturn.Option.AGREE
    years = data.years_agreed if agree else 0
    lines = [
        (request, (different if different is not None else request.amount) if index < years else Decimal("0.00"))
        for index, request in enumerate(requests)
    ]
    counter_offer = agree and any(offered != request.amount for request, offered in lines)
    number = letter.returns.count() + 1
    pro_forma_return = ProFormaReturn(
        letter=letter,
        number=number,
        option=data.option,
        years_agreed=data.years_agreed if agree else None,
        counter_offer=counter_offer,
        organisation=_clean(data.organisation),
        signed_on=data.signed_on,
        signatory_name=_clean(data.signatory_name),
        signatory_position=_clean(data.signatory_position),
        signature=_clean(data.signature),
        authority_confirmed=True,
        comment=data.comment.strip(),
        in_kind_description=data.in_kind_description.strip(),
        in_kind_value=in_kind_value,
        submitted_at=timezone.now(),
        submitted_by=by,
        via=via,
    )
    return_lines = [
        ProFormaReturnLine(
            pro_forma_return=pro_forma_return,
            financial_year=request.financial_year,
            requested=request.amount,
            offered=offered,
        )
        for request, offered in lines
    ]
    pro_forma_return.digest = return_digest(pro_forma_return, return_lines)
    pro_forma_return.save()
    for line in return_lines:
        line.pro_forma_return = pro_forma_return
    ProFormaReturnLine.objects.bulk_create(return_lines)
    summary = pro_forma_return.get_option_display()
    if agree:
        summary += f", {years} of {len(requests)} years, {format_pounds(sum((o for _, o in lines), Decimal(0)))}"
        if counter_offer:
            summary += " (a counter-offer)"
    _status_set(
        letter,
        Status.RETURNED,
        Action.RETURNED,
        by=by,
        actor=LINK_ACTOR if via == ProFormaReturn.Via.LINK else "",
        note=summary,
        pro_forma_return=pro_forma_return,
    )
    return pro_forma_return


def _latest_return(letter: RequestLetter) -> ProFormaReturn | None:
    return letter.returns.order_by("-number").first()


def _reviewable(pro_forma_return: ProFormaReturn) -> RequestLetter:
    """Lock the letter and check this return is the one waiting for review."""
    letter = (
        RequestLetter.objects.select_for_update()
        .select_related("commission", "partner")
        .get(pk=pro_forma_return.letter_id)
    )
    latest = _latest_return(letter)
    if letter.status != Status.RETURNED or latest is None or latest.pk != pro_forma_return.pk:
        raise ValidationError(
            f"Return {pro_forma_return.number} to {letter} is not waiting for review: the request is "
            f"{letter.get_status_display().lower()}. Nothing was changed."
        )
    return letter


@transaction.atomic
def return_accept(*, pro_forma_return: ProFormaReturn, by: User | None) -> list[Pledge]:
    """Accept a return. Agreed: a pledge per year offered, each posted to the ledger, and any in-kind offer;
    declined: no money, and the request's amounts join the shortfall. Accepting twice, or two officers at once,
    gives one set: the letter is locked and must still be waiting for review."""
    letter = _reviewable(pro_forma_return)
    if pro_forma_return.option == ProFormaReturn.Option.DECLINE:
        _status_set(
            letter,
            Status.DECLINED,
            Action.DECLINED,
            by=by,
            note="No contribution; the request's amounts count in the shortfall.",
            pro_forma_return=pro_forma_return,
        )
        return []
    pledges = []
    for line in pro_forma_return.lines.select_related("financial_year").filter(offered__gt=0):
        transaction_ = ledger.pledge_accepted_post(
            partner=letter.partner,
            financial_year=line.financial_year,
            amount=line.offered,
            by=by,
            source=pro_forma_return,
        )
        pledges.append(
            Pledge.objects.create(
                commission=letter.commission,
                partner=letter.partner,
                financial_year=line.financial_year,
                amount=line.offered,
                pro_forma_return=pro_forma_return,
                transaction=transaction_,
                accepted_by=by,
            )
        )
    if pro_forma_return.in_kind_description:
        InKindPledge.objects.create(
            commission=letter.commission,
            partner=letter.partner,
            description=pro_forma_return.in_kind_description,
            value=pro_forma_return.in_kind_value,
            pro_forma_return=pro_forma_return,
            accepted_by=by,
        )
    total = sum((pledge.amount for pledge in pledges), Decimal(0))
    _status_set(
        letter,
        Status.ACCEPTED,
        Action.ACCEPTED,
        by=by,
        note=f"{len(pledges)} pledge{'s' if len(pledges) != 1 else ''}, {format_pounds(total)}, posted to the ledger",
        pro_forma_return=pro_forma_return,
    )
    return pledges


@transaction.atomic
def return_query(*, pro_forma_return: ProFormaReturn, message: str, by: User) -> RequestLetter:
    """Send a return back to the partner with a message: the request reopens for one more return, and the
    partner is e-mailed a new link (by a background job). The queried return is kept as it was."""
    message = (message or "").strip()
    if not message:
        raise ValidationError({"message": "Say what the partner needs to change."})
    letter = _reviewable(pro_forma_return)
    _status_set(letter, Status.QUERIED, Action.QUERIED, by=by, note=message, pro_forma_return=pro_forma_return)
    if letter.recipient_email:
        from partners import tasks

        key = f"letter-{letter.pk}:query-{pro_forma_return.number}"
        transaction.on_commit(lambda: tasks.query_send_task.enqueue(letter.pk, key, message))
    return letter


def query_send(letter: RequestLetter, key: str, message: str) -> bool:
    subject = f"{letter.commission}: please look again at your pro-forma"
    return _letter_email(letter, key, subject, "partners/email/query.txt", Action.LINK_SENT, message=message)


# Pledges recorded directly ----------------------------------------------------------------------------------


@transaction.atomic
def pledge_record(
    *, partner: Partner, financial_year: FinancialYear, amount: Decimal, note: str, by: User | None
) -> Pledge:
    """A pledge that did not come through a pro-forma (the host's own contribution), with the reason given."""
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": "Say why this pledge is recorded without a pro-forma return."})
    transaction_ = ledger.pledge_accepted_post(partner=partner, financial_year=financial_year, amount=amount, by=by)
    return Pledge.objects.create(
        commission=financial_year.commission,
        partner=partner,
        financial_year=financial_year,
        amount=to_money(amount),
        transaction=transaction_,
        note=note[:500],
        accepted_by=by,
    )


def receipt_pdf(pro_forma_return: ProFormaReturn) -> bytes:
    """The partner's receipt: the figures returned and the return's SHA-256. Rendered from the immutable return,
    so downloading it again gives the same content."""
    from reports.pdf import render_pdf

    letter = pro_forma_return.letter
    lines = list(pro_forma_return.lines.select_related("financial_year").order_by("financial_year__number"))
    context = {
        "letter": letter,
        "commission": letter.commission,
        "pro_forma_return": pro_forma_return,
        "lines": lines,
        "requested_total": sum((line.requested for line in lines), Decimal(0)),
        "offered_total": sum((line.offered for line in lines), Decimal(0)),
    }
    return render_pdf("partners/pdf/receipt.html", context)
