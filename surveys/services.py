"""Everything that writes survey data: starting a response, saving drafts, the review transitions
and the acceptance that writes the threshold database."""

from __future__ import annotations

from dataclasses import dataclass, field
from types import SimpleNamespace

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.formats import date_format
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from core.history import record_history
from core.locking import check_version
from core.roles import REVIEW_PERMISSION, is_curator
from sops.services import laboratories_from_survey
from surveys.models import (
    FocalPoint,
    ResponseInstrument,
    ResponseValue,
    ReviewComment,
    SurveyEdition,
    SurveyResponse,
)
from surveys.validation import (
    SURVEY_DECISIONS,
    readings_of,
    response_values_checked,
    source_records,
    value_label,
    value_record,
)
from thresholds.importing import plan_records
from thresholds.models import FREE_TEXT_LIMIT, LegalInstrument, ThresholdValue
from thresholds.selectors import instruments_held_by, values_held_by
from thresholds.services import (
    ImportNeedsPublishPermission,
    ImportRejected,
    import_plan_commit,
    import_plan_value_ids,
)

# Qualifiers written in front of the number in the survey's value field ("<0.1"); range bounds stay
# with the stored value.
INLINE_QUALIFIERS = ("<", "<=", ">", ">=")


def _check_may_edit(response: SurveyResponse, user) -> None:
    focal_point = getattr(user, "focal_point", None)
    if not (is_curator(user) or (focal_point and focal_point.country_id == response.country_id)):
        raise PermissionDenied("Only the focal points of this country and curators may change this response.")
    if not response.is_editable:
        raise ValidationError(
            _("This response is %(status)s: it can be changed again only if a curator asks for changes.")
            % {"status": response.get_status_display().lower()}
        )


# ---- starting and saving -------------------------------------------------------------------------


@transaction.atomic
def response_start(*, edition: SurveyEdition, country, user) -> SurveyResponse:
    """The country's response to the edition, created on first use and pre-filled with what the
    database holds for the country, so focal points confirm, correct or add rather than retype."""
    response, created = SurveyResponse.objects.get_or_create(
        edition=edition, country=country, defaults={"updated_by": user}
    )
    if not created:
        return response
    instruments = instruments_held_by(country).order_by("-year", "title")
    values = (
        values_held_by(country)
        .select_related("land_use", "tier", "extraction")
        .order_by("instrument_id", "pollutant__name", "land_use__sort_order", "tier__sort_order", "id")
    )
    by_instrument: dict[int, list[ThresholdValue]] = {}
    for value in values:
        by_instrument.setdefault(value.instrument_id, []).append(value)
    for position, instrument in enumerate(instruments):
        reported = ResponseInstrument.objects.create(
            response=response,
            position=position,
            title=instrument.title,
            year=instrument.year,
            instrument_type=instrument.instrument_type,
            binding=instrument.binding,
            status=instrument.status,
            url=instrument.url,
            source_instrument=instrument,
        )
        bulk_create_with_history(
            [
                ResponseValue(
                    instrument=reported,
                    position=index,
                    pollutant=value.pollutant_label,
                    land_use=value.land_use,
                    land_use_label=value.land_use_label,
                    tier=value.tier,
                    tier_label=value.tier_label,
                    value=f"{value.qualifier}{value.value_text}"
                    if value.qualifier in INLINE_QUALIFIERS
                    else value.value_text,
                    unit=value.unit_label,
                    ph_min=value.ph_min,
                    ph_max=value.ph_max,
                    texture=value.texture,
                    extraction=value.extraction,
                    condition=value.condition_text[:500],
                    notes=value.notes[:500],
                    source_value=value,
                )
                for index, value in enumerate(by_instrument.get(instrument.pk, []))
            ],
            ResponseValue,
            default_user=user,
            default_change_reason="pre-filled from the database",
        )
    record_history(response, user=user, reason="started, pre-filled from the database")
    return response


@transaction.atomic
def response_save(*, response: SurveyResponse, user, expected_version: int, reason: str = "draft saved") -> None:
    """Save a focal point's changes to a draft (its fields, or a change to its rows). Refused, with
    who saved last and when, if someone else saved the response since this editor loaded it:
    nothing is overwritten silently."""
    _check_may_edit(response, user)
    response.full_clean(exclude=["land_uses"])
    _save(response, user=user, expected_version=expected_version, reason=reason)


def _save(response: SurveyResponse, *, user, expected_version: int, reason: str) -> None:
    check_version(model=SurveyResponse, pk=response.pk, expected_version=expected_version)
    response.version = expected_version + 1
    response.updated_by = user
    if response.first_saved_at is None:  # from now on the response counts as started
        response.first_saved_at = timezone.now()
    record_history(response, user=user, reason=reason)
    response.save()


@transaction.atomic
def response_section_save(
    *,
    response: SurveyResponse,
    user,
    expected_version: int,
    section: str,
    land_uses=None,
    rows=(),
    deleted=(),
    added=(),
) -> None:
    """Save one section of a draft, all or nothing, after the version check: the response's own answers
    (sections A and D, already set on `response`; A's land uses given apart), its rows changed or new
    (B instruments, C values, E laboratories), rows deleted, and values added at once (pasted or
    uploaded, in one query). Every row must belong to this response."""
    response_save(response=response, user=user, expected_version=expected_version, reason=f"section {section}")
    if land_uses is not None:
        response.land_uses.set(land_uses)
    for row in [*rows, *deleted, *added]:
        owner = row.instrument.response_id if isinstance(row, ResponseValue) else row.response_id
        if owner not in (None, response.pk):
            raise PermissionDenied("A row of another response cannot be changed here.")
    for row in deleted:
        record_history(row, user=user, reason=f"section {section}").delete()
    for row in rows:
        if not isinstance(row, ResponseValue):
            row.response = response
        record_history(row, user=user, reason=f"section {section}").save()
    if added:
        bulk_create_with_history(list(added), ResponseValue, default_user=user, default_change_reason="added")


# ---- checking and submitting ---------------------------------------------------------------------


@dataclass
class ResponseProblems:
    """Every problem of a response, by section; values' problems by value and field."""

    sections: dict[str, list[str]] = field(default_factory=dict)
    values: dict[int, dict[str, list[str]]] = field(default_factory=dict)
    labels: dict[int, str] = field(default_factory=dict)  # value pk -> "Cadmium 0.4 mg/kg", for messages
    # value label -> how the portal read the words it was not sure of ("tier “X” read as ..."), shown
    # before submitting; not problems: a curator checks them when accepting
    readings: dict[str, list[str]] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.sections or self.values)

    def add(self, section: str, message: str) -> None:
        self.sections.setdefault(section, []).append(message)

    def messages(self) -> list[str]:
        found = [f"{section.upper()}: {message}" for section, items in self.sections.items() for message in items]
        found += [
            f"C: {self.labels.get(pk, pk)}: {message}"
            for pk, errors in self.values.items()
            for items in errors.values()
            for message in items
        ]
        return found


def response_problems(response: SurveyResponse) -> ResponseProblems:
    """What stops the response from being submitted, all at once."""
    problems = ResponseProblems()
    if not response.situation:
        problems.add("a", _("Say whether the country has threshold values."))
    has_values = response.situation in (SurveyResponse.Situation.BINDING, SurveyResponse.Situation.GUIDANCE)
    if has_values and not response.instruments.exists():
        problems.add("b", _("The country has threshold values: name at least one instrument that sets them."))
    checked_values = response_values_checked(response)
    for checked in checked_values:
        if checked.errors:
            problems.values[checked.value.pk] = checked.errors
            problems.labels[checked.value.pk] = value_label(checked.value)
    problems.readings = readings_of(checked_values)
    if not response.working_towards_adoption:
        problems.add("d", _("Say whether the country is working towards adopting threshold values."))
    return problems


@transaction.atomic
def response_submit(*, response: SurveyResponse, user, expected_version: int) -> None:
    """Submit for review; the response is then locked. Refused with every problem at once."""
    _check_may_edit(response, user)
    edition = response.edition
    if response.status == SurveyResponse.Status.DRAFT and not edition.is_open():
        raise ValidationError(
            _("The survey is open from %(opens)s to %(closes)s: a response cannot be submitted outside those dates.")
            % {"opens": edition.opens_on, "closes": edition.closes_on}
        )
    problems = response_problems(response)
    if problems:
        raise ValidationError(problems.messages())
    response.submit()
    _save(response, user=user, expected_version=expected_version, reason="submitted")
    _notify(response, to_curators=True, notice=SUBMITTED_NOTICE)


# ---- review ------------------------------------------------------------------------------------


def _check_curator(user) -> None:
    if not is_curator(user):
        raise PermissionDenied("Only curators review survey responses.")


@transaction.atomic
def response_request_changes(
    *, response: SurveyResponse, user, expected_version: int, comments: list[tuple[str, int | None, str]]
) -> None:
    """Send the response back to its focal points with a comment per section or value."""
    _check_curator(user)
    comments = [(section, value_id, text.strip()) for section, value_id, text in comments if text.strip()]
    if not comments:
        raise ValidationError(_("Say what should change: write at least one comment."))
    value_ids = set(ResponseValue.objects.filter(instrument__response=response).values_list("pk", flat=True))
    for section, value_id, text in comments:
        if section not in ReviewComment.Section.values:
            raise ValidationError(_("Unknown section %(section)s.") % {"section": repr(section)})
        if value_id is not None and value_id not in value_ids:
            raise ValidationError(_("Value #%(id)s is not part of this response.") % {"id": value_id})
        if len(text) > FREE_TEXT_LIMIT:
            raise ValidationError(
                _("A comment is %(count)s characters long; at most %(limit)s are kept: shorten it.")
                % {"count": f"{len(text):,}", "limit": f"{FREE_TEXT_LIMIT:,}"}
            )
    response.request_changes()
    _save(response, user=user, expected_version=expected_version, reason="changes requested")
    ReviewComment.objects.bulk_create(
        ReviewComment(response=response, section=section, value_id=value_id, text=text, author=user)
        for section, value_id, text in comments
    )
    _notify(response, to_curators=False, notice=CHANGES_REQUESTED_NOTICE)


@dataclass
class ValueComparison:
    """One line of the review screen: a reported value against the database."""

    value: ResponseValue | None
    action: str  # create, update, unchanged, invalid, dropped
    existing: ThresholdValue | None = None
    errors: dict[str, list[str]] = field(default_factory=dict)
    source: dict[str, str] | None = None  # the stored value it was pre-filled from, as template columns
    read_as: list[str] = field(default_factory=list)  # how the words were read where a proposal did it


def response_comparison(response: SurveyResponse) -> list[ValueComparison]:
    """Every reported value as new, changed (with the stored one), unchanged or invalid, then the
    values the database holds for the country that the response no longer reports (dropped)."""
    lines: list[ValueComparison] = []
    existing_ids: dict[int, int] = {}  # reported value pk -> stored value pk
    for checked in response_values_checked(response):
        if checked.row is None:
            lines.append(ValueComparison(checked.value, "invalid", errors=checked.errors))
            continue
        if checked.row.existing_id:
            existing_ids[checked.value.pk] = checked.row.existing_id
        lines.append(ValueComparison(checked.value, checked.row.action, source=checked.source, read_as=checked.read_as))
    stored = ThresholdValue.objects.select_related("instrument", "unit").in_bulk(existing_ids.values())
    for line in lines:
        if line.value.pk in existing_ids:
            line.existing = stored[existing_ids[line.value.pk]]
    dropped = (
        values_held_by(response.country)
        .exclude(pk__in=existing_ids.values())
        .select_related("instrument", "pollutant", "land_use", "tier")
        .order_by("instrument__title", "pollutant__name", "id")
    )
    lines += [ValueComparison(None, "dropped", value) for value in dropped]
    return lines


@transaction.atomic
def response_accept(*, response: SurveyResponse, user, expected_version: int, value_ids: set[int] | None = None):
    """Accept the response: the chosen values (all valid ones when `value_ids` is None) become one import
    plan, committed as one import batch (response.accepted_batch): created or updated, published, each
    linked to this response (from_survey), all in one transaction, and rolled back from Import batches
    like any import. Values not chosen are marked as not taken. Publishing needs the permission to
    publish (the import's check). Returns counts. A bounded number of queries, however many values."""
    _check_curator(user)
    check_version(model=SurveyResponse, pk=response.pk, expected_version=expected_version)
    response.accept()
    chosen, not_taken = [], []
    for checked in response_values_checked(response):
        if value_ids is not None and checked.value.pk not in value_ids:
            not_taken.append(checked.value)
        elif checked.row is None:
            if value_ids is not None:
                raise ValidationError(
                    _("Value #%(id)s has problems and cannot be accepted: fix or leave it out.")
                    % {"id": checked.value.pk}
                )
            not_taken.append(checked.value)
        else:
            chosen.append(checked)
    plan, accepted = None, []
    if chosen:  # a response may report laboratories only: then there is nothing to import
        plan, accepted = _import_chosen(chosen, response=response, user=user)
    for value in not_taken:
        value.decision = ResponseValue.Decision.REJECTED
    for values, reason in ((accepted, "accepted"), (not_taken, "not taken")):
        bulk_update_with_history(
            values, ResponseValue, ["decision", "accepted_value"], default_user=user, default_change_reason=reason
        )
    _save(response, user=user, expected_version=expected_version, reason="accepted")
    laboratories_from_survey(response=response)  # section E feeds the SOP awareness indicator
    _notify(response, to_curators=False, notice=ACCEPTED_NOTICE)
    return {
        "created": plan.count("create") if plan else 0,
        "updated": plan.count("update") if plan else 0,
        "unchanged": plan.count("unchanged") if plan else 0,
        "not_taken": len(not_taken),
    }


def _import_chosen(chosen: list, *, response: SurveyResponse, user) -> tuple:
    """The chosen values as one import plan, committed as one batch linked to the response; returns the
    plan and the response values, each pointing at the stored value it became."""
    # A value that matches a stored one it was not pre-filled from keeps that one's other columns too.
    stored = source_records([SimpleNamespace(source_value_id=checked.row.existing_id) for checked in chosen])
    records = [
        value_record(
            checked.value,
            country_iso3=response.country.iso3,
            source=checked.source or stored.get(checked.row.existing_id),
        )
        for checked in chosen
    ]
    plan = plan_records(records, file_name=f"survey response #{response.pk} ({response})", decisions=SURVEY_DECISIONS)
    try:
        result = import_plan_commit(plan=plan, user=user, from_survey=response)
    except ImportNeedsPublishPermission:
        raise PermissionDenied(
            _(
                "Accepting publishes the chosen values, which needs the permission to publish (Curators have "
                "it); nothing was accepted. Ask a curator who may publish to accept this response."
            )
        ) from None
    except ImportRejected as exc:
        raise ValidationError([problem.message for problem in exc.plan.problems[:50]]) from None

    stored_ids = import_plan_value_ids(plan, result.batch)
    rows = {row.row: row for row in plan.rows}
    instruments = {}  # reported instrument pk -> (it, the plan's key of the stored one)
    accepted = []
    for number, checked in enumerate(chosen, start=2):
        value = checked.value
        value.decision, value.accepted_value_id = ResponseValue.Decision.ACCEPTED, stored_ids[number]
        accepted.append(value)
        if value.instrument.accepted_instrument_id is None:
            instruments[value.instrument_id] = (value.instrument, rows[number].instrument)
    _link_accepted_instruments(instruments.values(), plan=plan, batch=result.batch, user=user)
    response.accepted_batch = result.batch
    return plan, accepted


def _link_accepted_instruments(instruments, *, plan, batch, user) -> None:
    """Link each reported instrument to the stored one its values went to: one query for those the
    batch created, one to save the links."""
    if not instruments:
        return
    created = {}
    if batch is not None:
        for pk, country_id, jurisdiction, title in LegalInstrument.objects.filter(import_batch=batch).values_list(
            "pk", "country_id", "jurisdiction", "title"
        ):
            created[country_id, jurisdiction, title] = pk
    for instrument, key in instruments:
        instrument.accepted_instrument_id = plan.instruments[key].existing_id or created[key]
    bulk_update_with_history(
        [instrument for instrument, _key in instruments],
        ResponseInstrument,
        ["accepted_instrument"],
        default_user=user,
        default_change_reason="accepted",
    )


# ---- notices -----------------------------------------------------------------------------------


# The notices' subjects, rendered in each recipient's language (`%(response)s`: the country and edition).
SUBMITTED_NOTICE = gettext_noop("Survey response submitted: %(response)s")
CHANGES_REQUESTED_NOTICE = gettext_noop("Changes requested on your survey response: %(response)s")
ACCEPTED_NOTICE = gettext_noop("Your survey response was accepted: %(response)s")


def _notify(response: SurveyResponse, *, to_curators: bool, notice: str) -> None:
    """E-mail the other side of the review once the transaction has committed: each focal point in
    their language (FocalPoint.language), curators in the portal's default language."""
    User = get_user_model()
    if to_curators:
        recipients = User.objects.with_perm(
            REVIEW_PERMISSION, include_superusers=False, backend="django.contrib.auth.backends.ModelBackend"
        )
        languages = {}
    else:
        recipients = User.objects.filter(focal_point__country=response.country, is_active=True)
        languages = dict(FocalPoint.objects.filter(country=response.country).values_list("user_id", "language"))
    by_language: dict[str, set[str]] = {}
    for user in recipients:
        if user.email:
            by_language.setdefault(languages.get(user.pk, settings.LANGUAGE_CODE), set()).add(user.email)
    mails = []
    for language, addresses in sorted(by_language.items()):
        with translation.override(language):
            named = _("%(country)s, %(edition)s") % {
                "country": response.country.local_name,
                "edition": response.edition,
            }
            subject = _(notice) % {"response": named}
            body = _(
                "%(subject)s\n\nStatus: %(status)s\nCountry: %(country)s\nEdition: %(edition)s\nAt: %(at)s\n\n"
                "Open it: %(address)s\n"
            ) % {
                "subject": subject,
                "status": response.get_status_display(),
                "country": response.country.local_name,
                "edition": response.edition,
                "at": date_format(timezone.localtime(), "DATETIME_FORMAT"),
                "address": f"{settings.PORTAL_BASE_URL}/survey/responses/{response.pk}/",
            }
        mails.append((subject, body, sorted(addresses)))
    if mails:
        transaction.on_commit(lambda: [send_mail(subject, body, None, to) for subject, body, to in mails])


def focal_point_language_set(*, user, language: str) -> None:
    """Remember the language a focal point works in (the page's language when they save the survey),
    for the e-mails they receive. Nothing for anyone else, or an unknown language."""
    if language in dict(settings.LANGUAGES):
        FocalPoint.objects.filter(user=user).exclude(language=language).update(language=language)


# ---- focal points ------------------------------------------------------------------------------


@transaction.atomic
def focal_point_invite(
    *, email: str, country, invited_by, first_name: str = "", last_name: str = "", language: str = ""
) -> FocalPoint:
    """Make `email` a focal point of `country` and e-mail a one-time link to choose a password (the
    link stops working once used, or after PASSWORD_RESET_TIMEOUT), in the focal point's `language`
    (kept for later e-mails; an existing focal point keeps theirs unless one is given). An existing
    account is reused."""
    User = get_user_model()
    email = User.objects.normalize_email(email.strip())
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        user = User(username=email.lower(), email=email, first_name=first_name, last_name=last_name)
        user.set_unusable_password()
        user.save()
    existing = FocalPoint.objects.filter(user=user).select_related("country").first()
    if existing and existing.country_id != country.pk:
        raise ValidationError(
            _("%(email)s is already a focal point of %(country)s; a person serves one country.")
            % {"email": email, "country": existing.country.name}
        )
    focal_point = existing or FocalPoint.objects.create(
        user=user, country=country, invited_by=invited_by, language=language or settings.LANGUAGE_CODE
    )
    if language and focal_point.language != language:
        focal_point.language = language
        focal_point.save(update_fields=["language"])
    path = reverse(
        "password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    inviter = invited_by.get_full_name() or invited_by.username
    with translation.override(focal_point.language):
        subject = _("INSOP survey: you are invited as national focal point of %(country)s") % {
            "country": country.local_name
        }
        body = _(
            "%(inviter)s invites you to answer the INSOP survey on soil pollutant threshold values for "
            "%(country)s.\n\nChoose your password here (the link works once):\n%(password_address)s\n\n"
            "Then sign in at %(sign_in_address)s as %(username)s.\n"
        ) % {
            "inviter": inviter,
            "country": country.local_name,
            "password_address": f"{settings.PORTAL_BASE_URL}{path}",
            "sign_in_address": f"{settings.PORTAL_BASE_URL}{reverse('login')}",
            "username": user.username,
        }
    transaction.on_commit(lambda: send_mail(subject, body, None, [email]))
    return focal_point
