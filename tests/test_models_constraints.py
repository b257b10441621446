"""Every database constraint of the domain models: the database itself rejects the bad row.

Rows are written with create()/update(), which skip model validation, so what stops them is
PostgreSQL. Each test names the constraint it proves (the error must name it); the last test
checks that every constraint the models declare is named in this module.
"""

import datetime
from pathlib import Path

import pytest
from django.apps import apps
from django.db import IntegrityError, transaction
from django.utils import timezone

from focalpoints.models import Administration, Deputyship, FocalPoint
from meetings.models import Appointment, Decision, DecisionParticipant, Meeting, Pilot, PilotReport, StudyGroup
from registration.models import SME, ParticipantProfile, Registration, RegistrationStatus, VisaLetterRequest
from smepilot.models import AccountPreferences
from tests import factories

pytestmark = pytest.mark.django_db


class rejects:  # noqa: N801 - reads as a sentence: `with rejects("constraint_name"):`
    """Assert that the block raises IntegrityError naming `constraint`; the test's transaction goes on."""

    def __init__(self, constraint):
        self.constraint = constraint

    def __enter__(self):
        self.raises = pytest.raises(IntegrityError)
        self.info = self.raises.__enter__()
        self.atomic = transaction.atomic()
        self.atomic.__enter__()

    def __exit__(self, *exc_info):
        self.atomic.__exit__(*exc_info)
        suppressed = self.raises.__exit__(*exc_info)
        assert self.constraint in str(self.info.value)
        return suppressed


def day(n):
    return datetime.date(2018, 4, 30) + datetime.timedelta(days=n)


# --- meetings ---------------------------------------------------------------------------------


def test_study_group_unique_per_sector_number_and_period():
    factories.StudyGroupFactory(number=1, study_period_start=2018)
    with rejects("studygroup_unique_per_period"):
        StudyGroup.objects.create(
            sector="ITU-D", number=1, title="Again", study_period_start=2018, study_period_end=2021
        )
    # Another study period is another study group.
    StudyGroup.objects.create(sector="ITU-D", number=1, title="Next", study_period_start=2022, study_period_end=2025)


def test_study_group_sector_within_choices():
    with rejects("studygroup_sector_valid"):
        StudyGroup.objects.create(sector="ITU-R", number=5, title="x", study_period_start=2018, study_period_end=2021)


def test_study_group_period_ordered():
    with rejects("studygroup_period_ordered"):
        StudyGroup.objects.create(sector="ITU-D", number=7, title="x", study_period_start=2021, study_period_end=2018)


def test_pilot_ends_after_start():
    with rejects("pilot_ends_after_start"):
        Pilot.objects.create(name="Pilot", starts_on=day(10), ends_on=day(0))


@pytest.mark.parametrize(
    ("constraint", "values"),
    [
        ("meeting_kind_valid", {"kind": "plenary"}),
        ("meeting_ends_after_start", {"starts_on": day(4), "ends_on": day(0)}),
        (
            "meeting_registration_window_ordered",
            {"registration_opens_on": day(-10), "registration_closes_on": day(-20)},
        ),
        (
            "meeting_registration_closes_before_end",
            {"registration_opens_on": day(-10), "registration_closes_on": day(5)},
        ),
    ],
)
def test_meeting_rejects_bad_row(constraint, values):
    meeting = factories.MeetingFactory(
        starts_on=day(0), ends_on=day(4), registration_opens_on=day(-60), registration_closes_on=day(-1)
    )
    with rejects(constraint):
        Meeting.objects.filter(pk=meeting.pk).update(**values)


@pytest.mark.parametrize("empty", ["", None])
@pytest.mark.parametrize(
    ("model", "constraint", "column"),
    [
        (Meeting, "meeting_title_in_english", "title_en"),
        (Meeting, "meeting_place_in_english", "place_en"),
        (StudyGroup, "studygroup_title_in_english", "title_en"),
    ],
)
def test_the_english_title_and_place_are_never_empty(model, constraint, column, empty):
    """Every reader falls back to the English one (meetings/translation.py); the other languages may be empty."""
    factories.MeetingFactory(title_fr=None, place_fr="")
    with rejects(constraint):
        model.objects.update(**{column: empty})


def test_a_study_group_without_an_english_title_is_rejected():
    with rejects("studygroup_title_in_english"):
        StudyGroup.objects.create(
            sector="ITU-D", number=3, title_fr="Commission", study_period_start=2018, study_period_end=2021
        )


def test_appointment_role_within_choices():
    study_group = factories.StudyGroupFactory()
    with rejects("appointment_role_valid"):
        Appointment.objects.create(
            person=factories.UserFactory(), study_group=study_group, role="president", starts_on=day(0)
        )


def test_appointment_ends_after_start():
    study_group = factories.StudyGroupFactory()
    with rejects("appointment_ends_after_start"):
        Appointment.objects.create(
            person=factories.UserFactory(), study_group=study_group, role="chair", starts_on=day(5), ends_on=day(0)
        )


def test_decision_kind_within_choices():
    with rejects("decision_kind_valid"):
        Decision.objects.create(
            meeting=factories.MeetingFactory(), kind="opinion", reference="X", title="x", adopted_on=day(0)
        )


def test_decision_participant_recorded_once():
    decision = Decision.objects.create(
        meeting=factories.MeetingFactory(), kind="resolution", reference="Resolution 1", title="x", adopted_on=day(0)
    )
    person = factories.UserFactory()
    DecisionParticipant.objects.create(decision=decision, person=person)
    with rejects("decisionparticipant_unique"):
        DecisionParticipant.objects.create(decision=decision, person=person)


def test_pilot_report_period_ordered():
    pilot = factories.PilotFactory()
    with rejects("pilotreport_period_ordered"):
        PilotReport.objects.create(
            pilot=pilot, title="Progress", addressed_to="Council 2018", period_start=day(10), period_end=day(0)
        )


# --- focalpoints ------------------------------------------------------------------------------


def test_administration_one_per_country():
    factories.AdministrationFactory(country="KE")
    with rejects("focalpoints_administration_country_key"):
        Administration.objects.create(country="KE", itu_region="africa")


def test_administration_region_within_choices():
    with rejects("administration_region_valid"):
        Administration.objects.create(country="SN", itu_region="antarctica")


def test_focal_point_email_unique_per_administration_whatever_its_case():
    focal_point = factories.FocalPointFactory(
        administration=factories.AdministrationFactory(country="KE"), email="focal@administration.example"
    )
    with rejects("focalpoint_email_unique_per_administration"):
        FocalPoint.objects.create(
            administration=focal_point.administration, name="Same person", email="FOCAL@Administration.example"
        )
    # The same person may be focal point of another Administration.
    other = factories.AdministrationFactory(country="GH")
    FocalPoint.objects.create(administration=other, name="Same person", email="focal@administration.example")


def test_focal_point_language_within_the_sites_languages():
    focal_point = factories.FocalPointFactory()
    with rejects("focalpoint_language_valid"):
        FocalPoint.objects.filter(pk=focal_point.pk).update(language="de")


def test_deputyship_period_ends_on_or_after_its_first_day():
    deputyship = factories.DeputyshipFactory()
    with rejects("deputyship_period_valid"):
        Deputyship.objects.filter(pk=deputyship.pk).update(ends_on=deputyship.starts_on - datetime.timedelta(days=1))


def test_deputyship_status_and_language_within_their_choices():
    deputyship = factories.DeputyshipFactory()
    with rejects("deputyship_status_valid"):
        Deputyship.objects.filter(pk=deputyship.pk).update(status="retired")
    with rejects("deputyship_language_valid"):
        Deputyship.objects.filter(pk=deputyship.pk).update(language="de")


# --- smepilot: accounts -----------------------------------------------------------------------


def test_account_language_within_the_sites_languages():
    with rejects("accountpreferences_language_valid"):
        AccountPreferences.objects.create(user=factories.UserFactory(), language="de")


# --- registration -----------------------------------------------------------------------------


def test_sme_name_unique_per_administration_whatever_its_case():
    sme = factories.SMEFactory(name="Savannah Fibre Ltd")
    with rejects("sme_name_unique_per_administration"):
        factories.SMEFactory(administration=sme.administration, name="SAVANNAH FIBRE LTD")


@pytest.mark.parametrize(
    ("constraint", "values"),
    [
        ("sme_eligibility_valid", {"eligibility": "maybe"}),
        ("sme_currency_iso4217", {"revenue_currency": "usd"}),
        ("sme_currency_iso4217", {"revenue_currency": "US$"}),
        ("sme_revenue_not_negative", {"annual_revenue": -1}),
    ],
)
def test_sme_rejects_bad_row(constraint, values):
    sme = factories.SMEFactory()
    with rejects(constraint):
        SME.objects.filter(pk=sme.pk).update(**values)


def test_participant_profile_one_per_user():
    profile = factories.ParticipantProfileFactory()
    with rejects("registration_participantprofile_user_id_key"):
        ParticipantProfile.objects.create(user=profile.user, given_name="A", family_name="B")


def test_one_active_registration_per_participant_and_meeting():
    first = factories.RegistrationFactory()
    for status in (RegistrationStatus.PENDING, RegistrationStatus.VALIDATED):
        with rejects("registration_one_active_per_participant_meeting"):
            factories.RegistrationFactory(
                participant=first.participant, meeting=first.meeting, status=status, decided_at=timezone.now()
            )


def test_cancelled_or_rejected_registrations_free_the_place():
    first = factories.RegistrationFactory(status=RegistrationStatus.CANCELLED)
    factories.RegistrationFactory(
        participant=first.participant,
        meeting=first.meeting,
        status=RegistrationStatus.REJECTED,
        reason="Not confirmed",
        decided_at=timezone.now(),
    )
    again = factories.RegistrationFactory(participant=first.participant, meeting=first.meeting)
    assert Registration.objects.filter(participant=first.participant, meeting=first.meeting).count() == 3
    assert again.is_active


@pytest.mark.parametrize(
    ("constraint", "values"),
    [
        ("registration_status_valid", {"status": "approved", "decided_at": timezone.now}),
        ("registration_attendance_valid", {"attendance_mode": "hybrid"}),
        ("registration_list_consent_valid", {"list_consent": "everyone"}),
        ("registration_rejection_has_reason", {"status": "rejected", "reason": "", "decided_at": timezone.now}),
        ("registration_decision_has_time", {"status": "validated", "decided_at": None}),
        ("registration_decision_has_time", {"status": "rejected", "reason": "No", "decided_at": None}),
    ],
)
def test_registration_rejects_bad_row(constraint, values):
    registration = factories.RegistrationFactory()
    values = {name: value() if callable(value) else value for name, value in values.items()}
    with rejects(constraint):
        Registration.objects.filter(pk=registration.pk).update(**values)


@pytest.mark.parametrize(
    ("constraint", "values"),
    [
        ("visa_request_status_valid", {"status": "lost", "decided_at": timezone.now}),
        ("visa_request_refusal_has_reason", {"status": "refused", "refusal_reason": "", "decided_at": timezone.now}),
        ("visa_request_decision_has_time", {"status": "issued", "decided_at": None}),
        ("visa_request_passport_complete_or_erased", {"passport_number": ""}),
        ("visa_request_passport_complete_or_erased", {"date_of_birth": None}),
    ],
)
def test_visa_letter_request_rejects_bad_row(constraint, values):
    visa_request = factories.VisaLetterRequestFactory()
    values = {name: value() if callable(value) else value for name, value in values.items()}
    with rejects(constraint):
        VisaLetterRequest.objects.filter(pk=visa_request.pk).update(**values)


def test_one_open_or_issued_visa_letter_request_per_registration():
    first = factories.VisaLetterRequestFactory(status="issued", decided_at=timezone.now())
    with rejects("visa_request_one_open_or_issued_per_registration"):
        factories.VisaLetterRequestFactory(registration=first.registration)
    factories.VisaLetterRequestFactory(
        registration=first.registration, status="refused", refusal_reason="No", decided_at=timezone.now()
    )


def test_every_declared_constraint_is_proven_in_this_module():
    """A constraint added to a model without a test here fails this one."""
    declared = {
        constraint.name
        for app in ("meetings", "focalpoints", "registration", "smepilot")
        for model in apps.get_app_config(app).get_models()
        if not model.__name__.startswith("Historical")
        for constraint in model._meta.constraints
    }
    source = Path(__file__).read_text()
    assert {name for name in declared if f'"{name}"' not in source} == set()
