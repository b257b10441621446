"""Every write path of the secretariat's admin, as a matrix read from the admin site itself.

The admin is a second front door to the data: each way it writes (add form, change form, inline,
action, delete, django-simple-history's "revert" page of a past version) goes through the service
the site uses, with the same checks, emails and history, or is not offered at all. A generic save
is left only where it cannot go around a rule, and ``ADMIN_WRITE_PATHS`` says why.

``ADMIN_WRITE_PATHS`` lists, for every model the admin site registers, the policy of each page,
action, inline and page of its own (``get_urls``), in one vocabulary:

- ``"service: <dotted.path>"``: the path calls that service (proved below by spying on it);
- ``"refused"``: not offered, even to a superuser (403, nothing written);
- ``"plain: <why>"``: Django's generic save or delete, and why it is harmless there;
- ``"n/a"``: no such page (the revert page of a model without history).

The completeness tests compare the table with the registry, so a new model, action, inline or
page fails here until it has an entry (and, for a service, a driver in ``DRIVERS``).
"""

import importlib
import re
import sys
from contextlib import ExitStack, contextmanager
from functools import partial
from unittest import mock

import pytest
from django import forms
from django.apps import apps
from django.contrib import admin
from django.contrib.admin import ModelAdmin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db import models
from django.forms.models import _get_foreign_key, model_to_dict
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone
from modeltranslation.manager import get_translatable_fields_for_model
from simple_history.admin import SimpleHistoryAdmin

from focalpoints.models import DeputyshipStatus, FocalPoint
from meetings.models import Appointment, Decision, DecisionKind, LeadershipRole
from registration.models import AttendanceMode, Eligibility, ParticipantProfile, Registration, RegistrationStatus
from smepilot.admin_base import HistoryReadOnlyAdmin
from smepilot.outbox.models import MessageStatus
from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.both_engines]

REFUSED = "refused"
NOT_APPLICABLE = "n/a"

# Reasons shared by several entries.
SUPERUSER_ACCOUNTS = (
    "plain: accounts and sign-in are a superuser's (the Secretariat group has no permission on them); "
    "the pilot's rules read profiles, appointments and decisions, not these rows"
)
READ_ONLY_PAGE = "plain: a page to read, print or download; it writes nothing"
EXPORT = "plain: an export of the selected rows; it writes nothing"
REFERENCE_DATA = "plain: reference data the secretariat sets up; the model's own checks are the only rule"

ADMIN_WRITE_PATHS = {
    # --- Django's and allauth's own admins: accounts, sign-in and the site -----------------------
    "auth.User": {
        "add": SUPERUSER_ACCOUNTS,
        "change": SUPERUSER_ACCOUNTS,
        "delete": "plain: superuser only; the person's registrations, appointments and decisions protect the account",
        "history": NOT_APPLICABLE,
        "actions": {"delete_selected": "plain: as the delete page"},
        "urls": {"auth_user_password_change": "plain: Django's password form, its validators; superuser only"},
        "inlines": {},
    },
    "auth.Group": {
        "add": SUPERUSER_ACCOUNTS,
        "change": "plain: superuser only; the Secretariat group is put back to its list after every migrate",
        "delete": "plain: superuser only; the Secretariat group is made again after every migrate",
        "history": NOT_APPLICABLE,
        "actions": {"delete_selected": "plain: as the delete page"},
        "urls": {},
        "inlines": {},
    },
    "sites.Site": {
        "add": "plain: superuser only; no rule reads sites other than SITE_ID's",
        "change": "plain: superuser only; SITE_ID's site is set back to SITE_URL after every migrate",
        "delete": "plain: superuser only; SITE_ID's site is made again after every migrate",
        "history": NOT_APPLICABLE,
        "actions": {"delete_selected": "plain: as the delete page"},
        "urls": {},
        "inlines": {},
    },
    "account.EmailAddress": {
        "add": SUPERUSER_ACCOUNTS,
        "change": SUPERUSER_ACCOUNTS,
        "delete": SUPERUSER_ACCOUNTS,
        "history": NOT_APPLICABLE,
        "actions": {
            "delete_selected": "plain: as the delete page",
            "make_verified": "plain: allauth's own action, a superuser vouching for an address",
        },
        "urls": {},
        "inlines": {},
    },
    "socialaccount.SocialApp": {
        "add": SUPERUSER_ACCOUNTS,
        "change": SUPERUSER_ACCOUNTS,
        "delete": SUPERUSER_ACCOUNTS,
        "history": NOT_APPLICABLE,
        "actions": {"delete_selected": "plain: as the delete page"},
        "urls": {},
        "inlines": {},
    },
    "socialaccount.SocialAccount": {
        "add": SUPERUSER_ACCOUNTS,
        "change": SUPERUSER_ACCOUNTS,
        "delete": SUPERUSER_ACCOUNTS,
        "history": NOT_APPLICABLE,
        "actions": {"delete_selected": "plain: as the delete page"},
        "urls": {},
        "inlines": {},
    },
    "socialaccount.SocialToken": {
        "add": SUPERUSER_ACCOUNTS,
        "change": SUPERUSER_ACCOUNTS,
        "delete": SUPERUSER_ACCOUNTS,
        "history": NOT_APPLICABLE,
        "actions": {"delete_selected": "plain: as the delete page"},
        "urls": {},
        "inlines": {},
    },
    "mfa.Authenticator": {
        "add": REFUSED,
        "change": REFUSED,
        "delete": "plain: a superuser resetting someone's two-factor authentication (their recovery codes go "
        "too, smepilot.second_factor); they set the app up again before deciding",
        "history": NOT_APPLICABLE,
        "actions": {"delete_selected": "plain: as the delete page"},
        "urls": {},
        "inlines": {},
    },
    # --- Outgoing email: written by the outbox alone -------------------------------------------
    "outbox.OutgoingMessage": {
        "add": REFUSED,
        "change": REFUSED,
        "delete": REFUSED,
        "history": NOT_APPLICABLE,
        "actions": {"resend": "service: smepilot.outbox.services.outgoing_message_requeue"},
        "urls": {},
        "inlines": {},
    },
    # --- The pilot, study groups and meetings ------------------------------------------------------
    "meetings.Pilot": {
        "add": REFERENCE_DATA,
        "change": REFERENCE_DATA,
        "delete": "plain: its reports protect it",
        "history": NOT_APPLICABLE,
        "actions": {"delete_selected": "plain: as the delete page"},
        "urls": {},
        "inlines": {},
    },
    "meetings.StudyGroup": {
        "add": REFERENCE_DATA,
        "change": REFERENCE_DATA,
        "delete": "plain: its meetings and appointments protect it",
        "history": NOT_APPLICABLE,
        "actions": {"delete_selected": "plain: as the delete page"},
        "urls": {},
        # Meetings are listed, and added on their own page where their dates are checked.
        "inlines": {"meetings.Meeting": {"add": REFUSED, "change": REFUSED, "delete": REFUSED}},
    },
    "meetings.Meeting": {
        "add": "service: meetings.services.meeting_save",
        "change": "service: meetings.services.meeting_save",
        "delete": "plain: its registrations and decisions protect it",
        "history": NOT_APPLICABLE,
        "actions": {"delete_selected": "plain: as the delete page"},
        "urls": {
            "meetings_meeting_participants": READ_ONLY_PAGE,
            "meetings_meeting_badges": READ_ONLY_PAGE,
            "meetings_meeting_badge": READ_ONLY_PAGE,
            "meetings_meeting_attendance_sheet": READ_ONLY_PAGE,
            "meetings_meeting_participant_list_pdf": READ_ONLY_PAGE,
            "meetings_meeting_participant_list_xlsx": READ_ONLY_PAGE,
        },
        "inlines": {},
    },
    # --- Leadership and decisions (terms of reference, point 3) -------------------------------
    "meetings.Appointment": {
        "add": "service: meetings.leadership_services.appointment_save",
        "change": "service: meetings.leadership_services.appointment_save",
        "delete": "plain: superuser only; removing an appointment gives nobody a role, its history keeps it",
        "history": REFUSED,
        "actions": {
            "end_today": "service: meetings.leadership_services.appointment_end",
            "delete_selected": "plain: as the delete page",
        },
        "urls": {},
        "inlines": {},
    },
    "meetings.Decision": {
        "add": "service: meetings.leadership_services.decision_save",
        "change": "service: meetings.leadership_services.decision_save",
        "delete": "plain: superuser only; removing a decision gives nobody a role, its history keeps it",
        "history": REFUSED,
        "actions": {"delete_selected": "plain: as the delete page"},
        "urls": {},
        "inlines": {
            "meetings.DecisionParticipant": {
                "add": "service: meetings.leadership_services.decision_participants_set",
                "change": "service: meetings.leadership_services.decision_participants_set",
                "delete": "service: meetings.leadership_services.decision_participants_set",
            }
        },
    },
    "meetings.DecisionParticipant": {
        "add": REFUSED,
        "change": REFUSED,
        "delete": "plain: taking a person off a decision gives nobody a role; its history keeps the removal",
        "history": REFUSED,
        "actions": {"delete_selected": "plain: as the delete page"},
        "urls": {},
        "inlines": {},
    },
    "meetings.PilotReport": {
        "add": "plain: the secretariat's narrative to Council (terms of reference, point 5); no rule",
        "change": "plain: the secretariat's narrative to Council (terms of reference, point 5); no rule",
        "delete": "plain: the secretariat's own document; the figures come from the data",
        "history": REFUSED,
        "actions": {"delete_selected": "plain: as the delete page"},
        "urls": {"meetings_pilotreport_report": READ_ONLY_PAGE, "meetings_pilotreport_report_csv": READ_ONLY_PAGE},
        "inlines": {},
    },
    # --- Administrations and their focal points ---------------------------------------------------
    "focalpoints.Administration": {
        "add": "plain: reference data (country, ITU region, taking part in the pilot)",
        "change": "plain: reference data (country, ITU region, taking part in the pilot)",
        "delete": "plain: its SMEs and profiles protect it",
        "history": NOT_APPLICABLE,
        "actions": {"delete_selected": "plain: as the delete page"},
        "urls": {},
        "inlines": {
            "focalpoints.FocalPoint": {
                "add": "service: focalpoints.accounts.focal_point_save",
                "change": "service: focalpoints.accounts.focal_point_save",
                "delete": "plain: a focal point removed decides nothing more; its history keeps it",
            }
        },
    },
    "focalpoints.FocalPoint": {
        "add": "service: focalpoints.accounts.focal_point_save",
        "change": "service: focalpoints.accounts.focal_point_save",
        "delete": "plain: a focal point removed decides nothing more; its history keeps it",
        "history": REFUSED,
        "actions": {"delete_selected": "plain: as the delete page"},
        "urls": {},
        "inlines": {},
    },
    "focalpoints.Deputyship": {
        "add": REFUSED,
        "change": REFUSED,
        "delete": REFUSED,
        "history": REFUSED,
        "actions": {
            "confirm_deputies": "service: focalpoints.deputies.deputyship_confirm",
            "decline_deputies": "service: focalpoints.deputies.deputyship_decline",
            "end_deputyships": "service: focalpoints.deputies.deputyship_end",
        },
        "urls": {},
        "inlines": {},
    },
    # --- SMEs, the people who represent them and their registrations ---------------------------
    "registration.SME": {
        "add": "service: registration.services.sme_secretariat_save",
        "change": "service: registration.services.sme_secretariat_save",
        "delete": "plain: its representatives' profiles and its registrations protect it",
        "history": REFUSED,
        "actions": {
            "confirm_eligibility_on_behalf": "service: focalpoints.decisions.sme_eligibility_decide",
            "refuse_eligibility_on_behalf": "service: focalpoints.decisions.sme_eligibility_decide",
            "delete_selected": "plain: as the delete page",
        },
        "urls": {},
        "inlines": {},
    },
    "registration.ParticipantProfile": {
        "add": "service: registration.services.profile_secretariat_save",
        "change": "service: registration.services.profile_secretariat_save",
        "delete": "plain: the person's registrations protect it; one who never registered only stops representing",
        "history": REFUSED,
        "actions": {"delete_selected": "plain: as the delete page"},
        "urls": {},
        "inlines": {},
    },
    "registration.Registration": {
        "add": "service: registration.services.registration_create",
        "change": REFUSED,
        "delete": REFUSED,
        "history": REFUSED,
        "actions": {
            "approve_on_behalf": "service: focalpoints.decisions.registration_decide",
            "reject_on_behalf": "service: focalpoints.decisions.registration_decide",
            "reopen_for_new_decision": "service: focalpoints.decisions.registration_reopen",
            "cancel_on_behalf": "service: registration.services.registration_cancel",
            "resend_focal_point_emails": "service: focalpoints.notifications.focal_point_notification_resend",
            "export_csv": EXPORT,
            "export_xlsx": EXPORT,
        },
        "urls": {},
        "inlines": {},
    },
    "registration.RegistrationDueForDecision": {
        "add": REFUSED,
        "change": REFUSED,
        "delete": REFUSED,
        "history": NOT_APPLICABLE,
        "actions": {
            "approve_on_behalf": "service: focalpoints.decisions.registration_decide",
            "reject_on_behalf": "service: focalpoints.decisions.registration_decide",
        },
        "urls": {},
        "inlines": {},
    },
    "registration.Attendance": {
        "add": REFUSED,
        "change": REFUSED,
        "delete": REFUSED,
        "history": REFUSED,
        "actions": {"undo_check_in": "service: registration.checkin.attendance_undo"},
        "urls": {
            "registration_checkin": READ_ONLY_PAGE,
            "registration_checkin_meeting": "service: registration.checkin.attendance_check_in",
        },
        "inlines": {},
    },
    "registration.VisaLetterRequest": {
        "add": REFUSED,
        "change": REFUSED,
        "delete": REFUSED,
        "history": REFUSED,
        "actions": {
            "issue_visa_letters": "service: registration.visas.visa_letter_issue",
            "refuse_visa_requests": "service: registration.visas.visa_letter_refuse",
        },
        "urls": {},
        "inlines": {},
    },
}

PAGES = ("add", "change", "delete")
POLICY = re.compile(r"refused|n/a|service: (?P<service>[\w.]+)|plain: \S.*")

# One saved row of each registered model, from the factories.
ROWS = factories.FACTORY_BY_MODEL_LABEL

LABELS = sorted(model._meta.label for model in admin.site._registry)
HISTORY_LABELS = [
    label for label in LABELS if isinstance(admin.site._registry[apps.get_model(label)], SimpleHistoryAdmin)
]


# --- Reading the table and the admin ---------------------------------------------------------------


def _paths(entry):
    """(path, policy) of every write path of one table entry, e.g. ("action:resend", "service: …")."""
    for page in (*PAGES, "history"):
        yield page, entry[page]
    for name, policy in entry["actions"].items():
        yield f"action:{name}", policy
    for name, policy in entry["urls"].items():
        yield f"url:{name}", policy
    for inline_label, inline_pages in entry["inlines"].items():
        for page, policy in inline_pages.items():
            yield f"inline:{inline_label}:{page}", policy


def _service(policy: str) -> str | None:
    return policy.removeprefix("service: ") if policy.startswith("service: ") else None


SERVICE_PATHS = [
    pytest.param(label, path, _service(policy), id=f"{label}-{path}")
    for label, entry in ADMIN_WRITE_PATHS.items()
    for path, policy in _paths(entry)
    if _service(policy)
]
REFUSED_PAGES = [
    pytest.param(label, page, id=f"{label}-{page}")
    for label, entry in ADMIN_WRITE_PATHS.items()
    for page in PAGES
    if entry[page] == REFUSED
]
REFUSED_INLINE_PAGES = [
    pytest.param(label, inline_label, page, id=f"{label}-{inline_label}-{page}")
    for label, entry in ADMIN_WRITE_PATHS.items()
    for inline_label, inline_pages in entry["inlines"].items()
    for page, policy in inline_pages.items()
    if policy == REFUSED
]


def _admin(label) -> ModelAdmin:
    return admin.site._registry[apps.get_model(label)]


def _url(label, page, *args) -> str:
    model = apps.get_model(label)
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{page}", args=args)


def _plain_class(model_admin):
    """The admin class Django (or django-simple-history) gives a model with nothing of its own."""
    return SimpleHistoryAdmin if isinstance(model_admin, SimpleHistoryAdmin) else ModelAdmin


def _custom_url_names(model_admin) -> set[str]:
    """The admin's own pages: its URL names beyond those of a plain admin of the same model."""
    standard = {pattern.name for pattern in _plain_class(model_admin)(model_admin.model, admin.site).get_urls()}
    return {pattern.name for pattern in model_admin.get_urls() if pattern.name and pattern.name not in standard}


def _inline(model_admin, inline_label, request):
    [inline] = [
        inline
        for inline in model_admin.get_inline_instances(request, None)
        if inline.model._meta.label == inline_label
    ]
    return inline


@pytest.fixture
def superuser_request(admin_user):
    request = RequestFactory().get("/admin/")
    request.user = admin_user
    return request


# --- Building what the admin's pages post ----------------------------------------------------------


def _form_values(form) -> dict:
    """What a browser posts for an unbound form: its initial values, under their prefixed names."""
    data = {}
    for name, field in form.fields.items():
        value = form[name].value()
        key = form.add_prefix(name)
        if isinstance(field.widget, forms.MultiWidget):
            for index, part in enumerate(field.widget.decompress(value)):
                data[f"{key}_{index}"] = "" if part is None else part
        elif isinstance(field.widget, forms.CheckboxInput):
            if value:
                data[key] = "on"
        else:
            data[key] = "" if value is None else value
    return data


def _post_data(model_admin, request, obj) -> dict:
    """The page of ``obj`` (saved: its change page; unsaved: the add page) as posted unchanged, inlines included.

    The fields are those the page offers to someone allowed to save it, so that a refused path is
    tried with data it would have accepted.
    """
    saved = obj.pk is not None and not obj._state.adding
    form = model_admin.get_form(request, obj if saved else None)(instance=obj)
    data = _form_values(form)
    for formset_class, _inline_admin in model_admin.get_formsets_with_inlines(request, obj if saved else None):
        formset = formset_class(instance=obj, prefix=formset_class.get_default_prefix())
        data.update(_form_values(formset.management_form))
        for inline_form in formset.initial_forms:
            data.update(_form_values(inline_form))
    return data


def _inline_row_added(data, prefix, **values) -> dict:
    """Append one row to an inline formset's posted data."""
    index = int(data[f"{prefix}-TOTAL_FORMS"])
    return {
        **data,
        f"{prefix}-TOTAL_FORMS": index + 1,
        **{f"{prefix}-{index}-{name}": value for name, value in values.items()},
    }


def _text_field(model) -> str:
    """A free-text field of the model, to edit a row without touching its rules.

    Of a field given in several languages (meetings/translation.py), its English column: the forms
    have a field per language, not the untranslated one.
    """
    in_languages = get_translatable_fields_for_model(model) or []
    for field in model._meta.get_fields():
        free_text = type(field) in (models.CharField, models.TextField) and not field.choices
        if free_text and field.editable and not field.unique:
            return f"{field.name}_en" if field.name in in_languages else field.name
    raise AssertionError(f"{model._meta.label} has no free-text field: say in CHANGES how to change a row of it")


# How to change a row of a model without a free-text field (to give it a second version).
CHANGES = {
    "meetings.DecisionParticipant": lambda row: {"person": factories.UserFactory()},
    "registration.Attendance": lambda row: {"checked_in_at": timezone.now()},
}


def _changed_with_the_orm(row):
    label = row._meta.label
    changes = CHANGES[label](row) if label in CHANGES else {_text_field(type(row)): "Corrected by hand"}
    for name, value in changes.items():
        setattr(row, name, value)
    row.save()
    return row


def _action(label, action, rows, **extra):
    data = {"action": action, ACTION_CHECKBOX_NAME: [row.pk for row in rows], "index": 0, **extra}
    return _url(label, "changelist"), data


# The intermediate page of the decisions and reopenings, confirmed with a reason.
WITH_A_REASON = {"post": "yes", "reason": "The Administration's email of 3 April."}


def _has_history(model) -> bool:
    return hasattr(model._meta, "simple_history_manager_attribute")


def _snapshot(model):
    """Every row of the model, and its history's length: what a refused path must leave as it was."""
    rows = list(model._base_manager.order_by("pk").values())
    history = getattr(model, model._meta.simple_history_manager_attribute).count() if _has_history(model) else None
    return rows, history


def _first_version(row):
    return getattr(row, row._meta.simple_history_manager_attribute).order_by("history_date", "history_id").first()


def _page_errors(response) -> str:
    """The form's errors, for the assertion message when a page did not save."""
    context = response.context or {}
    errors = [str(context["errors"])] if context.get("errors") else []
    messages = [str(message) for message in getattr(response.wsgi_request, "_messages", [])]
    return f"{response.status_code}: {' '.join(errors + messages)}"


# --- Driving each service path: (url, data) to post, from factories ----------------------------------

DRIVERS = {}


def drives(label, path):
    def register(function):
        DRIVERS[label, path] = function
        return function

    return register


def _open_meeting():
    """A meeting open for registration, of a study group in the running pilot."""
    meeting = factories.MeetingFactory()
    factories.PilotFactory(study_groups=[meeting.study_group])
    return meeting


def _one_text_field_edited(label, request):
    """A row's change page posted with one free-text field corrected."""
    model_admin = _admin(label)
    row = ROWS[label]()
    field = _text_field(model_admin.model)
    data = _post_data(model_admin, request, row)
    return _url(label, "change", row.pk), {**data, field: f"{data[field]} (corrected)"}


DRIVERS.update(
    {
        (label, "change"): partial(_one_text_field_edited, label)
        for label in (
            "meetings.Meeting",
            "meetings.Appointment",
            "meetings.Decision",
            "focalpoints.FocalPoint",
            "registration.ParticipantProfile",
            "registration.SME",
        )
    }
)


@drives("registration.Registration", "add")
def _registration_added(request):
    participant = factories.ParticipantProfileFactory()
    factories.FocalPointFactory(administration=participant.sme.administration)
    registration = Registration(
        participant=participant, meeting=_open_meeting(), attendance_mode=AttendanceMode.IN_PERSON
    )
    return _url("registration.Registration", "add"), _post_data(
        _admin("registration.Registration"), request, registration
    )


@drives("registration.Registration", "action:approve_on_behalf")
def _registration_approved(request):
    return _action(
        "registration.Registration", "approve_on_behalf", [factories.RegistrationFactory()], **WITH_A_REASON
    )


@drives("registration.Registration", "action:reject_on_behalf")
def _registration_rejected(request):
    return _action("registration.Registration", "reject_on_behalf", [factories.RegistrationFactory()], **WITH_A_REASON)


@drives("registration.Registration", "action:reopen_for_new_decision")
def _registration_reopened(request):
    return _action(
        "registration.Registration", "reopen_for_new_decision", [_validated_registration()], **WITH_A_REASON
    )


@drives("registration.Registration", "action:cancel_on_behalf")
def _registration_cancelled(request):
    return _action("registration.Registration", "cancel_on_behalf", [factories.RegistrationFactory()], **WITH_A_REASON)


@drives("registration.RegistrationDueForDecision", "action:approve_on_behalf")
def _due_registration_approved(request):
    return _action(
        "registration.RegistrationDueForDecision",
        "approve_on_behalf",
        [factories.RegistrationDueForDecisionFactory()],
        **WITH_A_REASON,
    )


@drives("registration.RegistrationDueForDecision", "action:reject_on_behalf")
def _due_registration_rejected(request):
    return _action(
        "registration.RegistrationDueForDecision",
        "reject_on_behalf",
        [factories.RegistrationDueForDecisionFactory()],
        **WITH_A_REASON,
    )


@drives("registration.Registration", "action:resend_focal_point_emails")
def _focal_point_emails_resent(request):
    registration = factories.RegistrationFactory()
    factories.FocalPointFactory(administration=registration.sme.administration)
    return _action("registration.Registration", "resend_focal_point_emails", [registration])


@drives("registration.Attendance", "action:undo_check_in")
def _check_in_undone(request):
    return _action("registration.Attendance", "undo_check_in", [factories.AttendanceFactory()], **WITH_A_REASON)


@drives("registration.Attendance", "url:registration_checkin_meeting")
def _checked_in(request):
    from registration.badges import check_in_code

    registration = factories.RegistrationFactory(status=RegistrationStatus.VALIDATED, decided_at=timezone.now())
    url = reverse("admin:registration_checkin_meeting", args=[registration.meeting_id])
    return url, {"code": check_in_code(registration)}


@drives("registration.SME", "action:confirm_eligibility_on_behalf")
def _sme_confirmed(request):
    sme = factories.SMEFactory(eligibility=Eligibility.PENDING)
    return _action("registration.SME", "confirm_eligibility_on_behalf", [sme], **WITH_A_REASON)


@drives("registration.SME", "action:refuse_eligibility_on_behalf")
def _sme_refused(request):
    sme = factories.SMEFactory(eligibility=Eligibility.PENDING)
    return _action("registration.SME", "refuse_eligibility_on_behalf", [sme], **WITH_A_REASON)


@drives("registration.ParticipantProfile", "add")
def _profile_added(request):
    sme = factories.SMEFactory()
    profile = ParticipantProfile(
        user=factories.UserFactory(),
        given_name="Achieng",
        family_name="Otieno",
        job_title="Network engineer",
        administration=sme.administration,
        sme=sme,
    )
    label = "registration.ParticipantProfile"
    return _url(label, "add"), _post_data(_admin(label), request, profile)


@drives("registration.SME", "add")
def _sme_added(request):
    sme = factories.SMEFactory.build(administration=factories.AdministrationFactory(), eligibility="pending")
    return _url("registration.SME", "add"), _post_data(_admin("registration.SME"), request, sme)


@drives("meetings.Meeting", "add")
def _meeting_added(request):
    meeting = factories.MeetingFactory.build(study_group=factories.StudyGroupFactory())
    return _url("meetings.Meeting", "add"), _post_data(_admin("meetings.Meeting"), request, meeting)


@drives("meetings.Appointment", "add")
def _appointment_added(request):
    appointment = Appointment(
        person=factories.UserFactory(),
        study_group=factories.StudyGroupFactory(),
        role=LeadershipRole.RAPPORTEUR,
        question="Question 2/1",
        starts_on=factories.today(),
    )
    return _url("meetings.Appointment", "add"), _post_data(_admin("meetings.Appointment"), request, appointment)


@drives("meetings.Appointment", "action:end_today")
def _appointment_ended(request):
    return _action("meetings.Appointment", "end_today", [factories.AppointmentFactory()])


@drives("meetings.Decision", "add")
def _decision_added(request):
    decision = Decision(
        meeting=factories.MeetingFactory(),
        kind=DecisionKind.RESOLUTION,
        reference="Resolution 9",
        title="Participation of countries in the work of ITU-D",
        adopted_on=factories.today(),
    )
    return _url("meetings.Decision", "add"), _post_data(_admin("meetings.Decision"), request, decision)


PARTICIPANTS = "decision_participants"


@drives("meetings.Decision", "inline:meetings.DecisionParticipant:add")
def _decision_participant_added(request):
    decision = factories.DecisionFactory()
    data = _post_data(_admin("meetings.Decision"), request, decision)
    return _url("meetings.Decision", "change", decision.pk), _inline_row_added(
        data, PARTICIPANTS, person=factories.UserFactory().pk
    )


@drives("meetings.Decision", "inline:meetings.DecisionParticipant:change")
def _decision_participant_changed(request):
    decision = factories.DecisionParticipantFactory().decision
    data = _post_data(_admin("meetings.Decision"), request, decision)
    return _url("meetings.Decision", "change", decision.pk), {
        **data,
        f"{PARTICIPANTS}-0-person": factories.UserFactory().pk,
    }


@drives("meetings.Decision", "inline:meetings.DecisionParticipant:delete")
def _decision_participant_removed(request):
    decision = factories.DecisionParticipantFactory().decision
    data = _post_data(_admin("meetings.Decision"), request, decision)
    return _url("meetings.Decision", "change", decision.pk), {**data, f"{PARTICIPANTS}-0-DELETE": "on"}


@drives("focalpoints.FocalPoint", "add")
def _focal_point_added(request):
    focal_point = FocalPoint(
        administration=factories.AdministrationFactory(), name="Wanjiru Kamau", email="w.kamau@ca.example"
    )
    return _url("focalpoints.FocalPoint", "add"), _post_data(_admin("focalpoints.FocalPoint"), request, focal_point)


@drives("focalpoints.Administration", "inline:focalpoints.FocalPoint:add")
def _focal_point_added_to_its_administration(request):
    administration = factories.AdministrationFactory()
    data = _post_data(_admin("focalpoints.Administration"), request, administration)
    return _url("focalpoints.Administration", "change", administration.pk), _inline_row_added(
        data, "focal_points", name="Wanjiru Kamau", email="w.kamau@ca.example", language="fr", is_active="on"
    )


@drives("focalpoints.Administration", "inline:focalpoints.FocalPoint:change")
def _focal_point_renamed_on_its_administration(request):
    administration = factories.FocalPointFactory().administration
    data = _post_data(_admin("focalpoints.Administration"), request, administration)
    return _url("focalpoints.Administration", "change", administration.pk), {
        **data,
        "focal_points-0-name": "Wanjiru Kamau-Otieno",
    }


@drives("registration.VisaLetterRequest", "action:issue_visa_letters")
def _visa_letter_issued(request):
    return _action("registration.VisaLetterRequest", "issue_visa_letters", [factories.VisaLetterRequestFactory()])


@drives("registration.VisaLetterRequest", "action:refuse_visa_requests")
def _visa_request_refused(request):
    return _action(
        "registration.VisaLetterRequest",
        "refuse_visa_requests",
        [factories.VisaLetterRequestFactory()],
        **WITH_A_REASON,
    )


@drives("focalpoints.Deputyship", "action:confirm_deputies")
def _deputy_confirmed(request):
    deputyship = factories.DeputyshipFactory(status=DeputyshipStatus.PROPOSED, user=None)
    return _action("focalpoints.Deputyship", "confirm_deputies", [deputyship])


@drives("focalpoints.Deputyship", "action:decline_deputies")
def _deputy_declined(request):
    deputyship = factories.DeputyshipFactory(status=DeputyshipStatus.PROPOSED, user=None)
    return _action("focalpoints.Deputyship", "decline_deputies", [deputyship], **WITH_A_REASON)


@drives("focalpoints.Deputyship", "action:end_deputyships")
def _deputyship_ended(request):
    return _action("focalpoints.Deputyship", "end_deputyships", [factories.DeputyshipFactory()])


@drives("outbox.OutgoingMessage", "action:resend")
def _message_resent(request):
    return _action("outbox.OutgoingMessage", "resend", [factories.OutgoingMessageFactory(status=MessageStatus.FAILED)])


def _lookup_modules(model_admin) -> set:
    """The modules the admin's code runs in: its classes', its inlines' and its actions'."""
    classes = [*type(model_admin).__mro__, *(cls for inline in model_admin.inlines for cls in inline.__mro__)]
    names = {cls.__module__ for cls in classes}
    names |= {action.__module__ for action in model_admin.actions or () if callable(action)}
    return {sys.modules[name] for name in names}


@contextmanager
def _service_spy(dotted_path, model_admin):
    """Count the calls of a service where the admin looks it up; yields a function giving the count.

    An admin module that imported the service has its own name for it; one that imports it inside
    a function looks it up in the service's module at each call.
    """
    module_path, name = dotted_path.rsplit(".", 1)
    home = importlib.import_module(module_path)
    original = getattr(home, name)
    binding = [module for module in _lookup_modules(model_admin) if getattr(module, name, None) is original]
    with ExitStack() as stack:
        spies = [stack.enter_context(mock.patch.object(module, name, wraps=original)) for module in binding or [home]]
        yield lambda: sum(spy.call_count for spy in spies)


# --- The table is the admin's: completeness ------------------------------------------------------------


def test_every_registered_model_has_an_entry():
    assert sorted(ADMIN_WRITE_PATHS) == LABELS


@pytest.mark.parametrize("label", sorted(ADMIN_WRITE_PATHS))
def test_every_policy_is_in_the_vocabulary(label):
    for path, policy in _paths(ADMIN_WRITE_PATHS[label]):
        assert POLICY.fullmatch(policy), f"{label} {path}: {policy!r}"
        assert policy != NOT_APPLICABLE or path == "history", f"{label} {path}: every admin has this page"
        if service := _service(policy):
            module_path, name = service.rsplit(".", 1)
            assert callable(getattr(importlib.import_module(module_path), name, None)), f"{label} {path}: {service}"


@pytest.mark.parametrize("label", LABELS)
def test_the_actions_offered_are_the_tables(label, superuser_request):
    assert set(_admin(label).get_actions(superuser_request)) == set(ADMIN_WRITE_PATHS[label]["actions"])


@pytest.mark.parametrize("label", LABELS)
def test_the_admins_own_pages_are_the_tables(label):
    assert _custom_url_names(_admin(label)) == set(ADMIN_WRITE_PATHS[label]["urls"])


@pytest.mark.parametrize("label", LABELS)
def test_the_inlines_are_the_tables(label, superuser_request):
    inlines = {inline.model._meta.label for inline in _admin(label).get_inline_instances(superuser_request, None)}
    assert inlines == set(ADMIN_WRITE_PATHS[label]["inlines"])


@pytest.mark.parametrize("label", LABELS)
def test_refused_pages_are_the_ones_a_superuser_is_refused(label, superuser_request):
    model_admin, row = _admin(label), ROWS[label]()
    offered = {
        "add": model_admin.has_add_permission(superuser_request),
        "change": model_admin.has_change_permission(superuser_request, row),
        "delete": model_admin.has_delete_permission(superuser_request, row),
    }
    table = {page: ADMIN_WRITE_PATHS[label][page] != REFUSED for page in PAGES}
    assert offered == table


@pytest.mark.parametrize("label", LABELS)
def test_refused_inline_pages_are_the_ones_a_superuser_is_refused(label, superuser_request):
    model_admin = _admin(label)
    for inline_label, table in ADMIN_WRITE_PATHS[label]["inlines"].items():
        inline = _inline(model_admin, inline_label, superuser_request)
        editable = inline.get_formset(superuser_request, None).form.base_fields
        offered = {
            "add": inline.has_add_permission(superuser_request, None),
            "change": inline.has_change_permission(superuser_request, None) and bool(editable),
            "delete": inline.can_delete and inline.has_delete_permission(superuser_request, None),
        }
        assert offered == {page: table[page] != REFUSED for page in PAGES}, inline_label


@pytest.mark.parametrize("label", LABELS)
def test_plain_pages_are_djangos_own_save_and_delete(label):
    """A page the table calls plain saves or deletes the Django way; one the admin overrides names its service."""
    model_admin, entry = _admin(label), ADMIN_WRITE_PATHS[label]
    admin_class, plain_class = type(model_admin), _plain_class(model_admin)
    own_save = admin_class.save_model is not plain_class.save_model
    own_delete = (admin_class.delete_model, admin_class.delete_queryset) != (
        plain_class.delete_model,
        plain_class.delete_queryset,
    )
    for page, overridden in {"add": own_save, "change": own_save, "delete": own_delete}.items():
        if entry[page].startswith("plain: "):
            assert not overridden, f"{label} {page}: the admin saves its own way; name the service it calls"
        elif _service(entry[page]):
            assert overridden, f"{label} {page}: the admin saves the Django way; say why that is harmless"


@pytest.mark.parametrize("label", LABELS)
def test_a_kept_history_is_shown_never_reverted(label):
    """django-simple-history's revert saves around the services: every admin keeping a history refuses it."""
    model_admin = _admin(label)
    if isinstance(model_admin, SimpleHistoryAdmin):
        assert ADMIN_WRITE_PATHS[label]["history"] == REFUSED
        assert isinstance(model_admin, HistoryReadOnlyAdmin)
    else:
        assert ADMIN_WRITE_PATHS[label]["history"] == NOT_APPLICABLE


# --- The table is true: each path does what its entry says -----------------------------------------------


@pytest.mark.parametrize(("label", "path", "service"), SERVICE_PATHS)
def test_the_path_calls_its_service(admin_client, superuser_request, label, path, service):
    assert (label, path) in DRIVERS, f"give {label} {path} a driver: the page and data to post"
    url, data = DRIVERS[label, path](superuser_request)
    with _service_spy(service, _admin(label)) as calls:
        response = admin_client.post(url, data)
    assert response.status_code == 302, _page_errors(response)
    assert calls() == 1


@pytest.mark.parametrize(("label", "page"), REFUSED_PAGES)
def test_a_refused_page_answers_403_and_writes_nothing(admin_client, superuser_request, label, page):
    model_admin, row = _admin(label), ROWS[label]()
    url = _url(label, page) if page == "add" else _url(label, page, row.pk)
    # Data the page would have accepted: the row's own, as a copy (add) or resaved (change).
    data = {"post": "yes"} if page == "delete" else _post_data(model_admin, superuser_request, row)
    before = _snapshot(model_admin.model)
    response = admin_client.post(url, data)
    assert response.status_code == 403
    assert _snapshot(model_admin.model) == before


@pytest.mark.parametrize(("label", "inline_label", "page"), REFUSED_INLINE_PAGES)
def test_a_refused_inline_page_writes_nothing(admin_client, superuser_request, label, inline_label, page):
    model_admin = _admin(label)
    inline = _inline(model_admin, inline_label, superuser_request)
    row = ROWS[inline_label]()
    foreign_key = _get_foreign_key(model_admin.model, inline.model, fk_name=inline.fk_name)
    parent = getattr(row, foreign_key.name)
    data = _post_data(model_admin, superuser_request, parent)
    prefix = inline.get_formset(superuser_request, parent).get_default_prefix()
    text_field = _text_field(inline.model)
    # A copy of the existing row: what an inline offering "add" would save.
    copy = {
        name: value
        for name, value in model_to_dict(row, exclude=[inline.model._meta.pk.name, foreign_key.name]).items()
        if value is not None
    }
    attempt = {
        "add": _inline_row_added(data, prefix, **copy),
        "change": {**data, f"{prefix}-0-{text_field}": "Changed in the inline"},
        "delete": {**data, f"{prefix}-0-DELETE": "on"},
    }[page]
    before = _snapshot(inline.model)
    admin_client.post(_url(label, "change", parent.pk), attempt)
    assert _snapshot(inline.model) == before


@pytest.mark.parametrize("label", HISTORY_LABELS)
def test_a_past_version_is_shown_and_never_restored(admin_client, superuser_request, label):
    model_admin = _admin(label)
    row = _changed_with_the_orm(ROWS[label]())
    first = _first_version(row)
    url = _url(label, "simple_history", row.pk, first.history_id)
    before = _snapshot(model_admin.model)
    response = admin_client.post(url, _post_data(model_admin, superuser_request, first.instance))
    assert response.status_code == 403
    assert _snapshot(model_admin.model) == before
    assert admin_client.get(url).status_code == 200


# --- A decision is never reopened around the secretariat's reopening ------------------------------------


def _validated_registration():
    """A registration made pending, then validated by its Administration's focal point."""
    registration = factories.RegistrationFactory()
    registration.status = RegistrationStatus.VALIDATED
    registration.decided_at = timezone.now()
    registration.decided_by = factories.FocalPointFactory(administration=registration.sme.administration).user
    registration.save()
    return registration


def test_a_validated_registration_is_not_put_back_to_pending_on_its_page(admin_client, superuser_request):
    registration = _validated_registration()
    data = _post_data(_admin("registration.Registration"), superuser_request, registration)
    response = admin_client.post(
        _url("registration.Registration", "change", registration.pk), {**data, "status": RegistrationStatus.PENDING}
    )
    assert response.status_code == 403
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.VALIDATED


def test_a_validated_registration_is_not_put_back_to_pending_by_its_first_version(admin_client, superuser_request):
    registration = _validated_registration()
    first = _first_version(registration)
    assert first.status == RegistrationStatus.PENDING
    data = _post_data(_admin("registration.Registration"), superuser_request, first.instance)
    response = admin_client.post(
        _url("registration.Registration", "simple_history", registration.pk, first.history_id),
        {**data, "status": RegistrationStatus.PENDING},
    )
    assert response.status_code == 403
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.VALIDATED
