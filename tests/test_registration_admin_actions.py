import datetime
import io

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from registration.models import Registration, RegistrationStatus
from smepilot.outbox.models import OutgoingMessage
from tests.admin_helpers import admin_action, admin_messages, staff_with_permissions
from tests.factories import FocalPointFactory, RegistrationFactory
from tests.second_factor import sign_in_with_second_factor

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:registration_registration_changelist"
MARKER = "SME pilot — no decision-making role"


@pytest.fixture(autouse=True)
def _reminder_after_three_days(settings):
    settings.VALIDATION_REMINDER_AFTER_DAYS = 3


@pytest.fixture
def officer(client):
    user = staff_with_permissions("view_registration", "change_registration")
    sign_in_with_second_factor(client, user)
    return user


def _action(client, action, objects, **extra):
    return admin_action(client, action, objects, changelist=CHANGELIST, **extra)


def test_approve_on_behalf_asks_for_the_reason_first_and_changes_nothing(client, officer):
    registration = RegistrationFactory()

    response = _action(client, "approve_on_behalf", [registration])

    assert response.status_code == 200
    assert response.templates[0].name == "admin/registration/registration/decide_on_behalf.html"
    html = response.content.decode()
    assert 'name="reason"' in html
    assert registration.participant.full_name in html
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.PENDING


def test_approve_on_behalf_is_recorded_as_such_with_the_reason(client, officer):
    registration = RegistrationFactory()

    response = _action(
        client, "approve_on_behalf", [registration], post="yes", reason="Administration's email of 3 April."
    )

    assert response.status_code == 302
    assert "1 registration approved on behalf of the Administration." in admin_messages(response)
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.VALIDATED
    assert registration.decided_on_behalf is True
    assert registration.decided_by == officer
    assert registration.reason == "Administration's email of 3 April."
    assert registration.decided_at is not None
    # The history keeps who did it.
    assert registration.history.first().history_user == officer


def test_reject_on_behalf_is_recorded_as_such_with_the_reason(client, officer):
    first, second = RegistrationFactory(), RegistrationFactory()

    response = _action(client, "reject_on_behalf", [first, second], post="yes", reason="  Not an SME.  ")

    assert response.status_code == 302
    assert "2 registrations rejected on behalf of the Administration." in admin_messages(response)
    for registration in (first, second):
        registration.refresh_from_db()
        assert registration.status == RegistrationStatus.REJECTED
        assert registration.decided_on_behalf is True
        assert registration.decided_by == officer
        assert registration.reason == "Not an SME."


@pytest.mark.parametrize("reason", ["", "   "])
def test_refusal_without_a_reason_shows_an_error_and_decides_nothing(client, officer, reason):
    registration = RegistrationFactory()

    response = _action(client, "reject_on_behalf", [registration], post="yes", reason=reason)

    assert response.status_code == 200
    html = response.content.decode()
    assert "Give the reason for deciding on behalf of the Administration." in html
    assert 'aria-invalid="true"' in html
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.PENDING
    assert registration.decided_by is None


def test_a_registration_no_longer_pending_is_refused_with_the_services_message(client, officer):
    decided = RegistrationFactory(status=RegistrationStatus.VALIDATED, decided_at=timezone.now())
    pending = RegistrationFactory()

    response = _action(client, "reject_on_behalf", [decided, pending], post="yes", reason="Not an SME.")

    assert response.status_code == 302
    messages = admin_messages(response)
    assert "1 registration rejected on behalf of the Administration." in messages
    assert any(message.startswith(str(decided)) for message in messages)
    decided.refresh_from_db()
    assert decided.status == RegistrationStatus.VALIDATED
    pending.refresh_from_db()
    assert pending.status == RegistrationStatus.REJECTED


def test_staff_who_may_only_view_cannot_decide(client):
    sign_in_with_second_factor(client, staff_with_permissions("view_registration"))
    registration = RegistrationFactory()

    response = client.get(reverse(CHANGELIST))
    assert response.status_code == 200
    choices = [value for value, _label in response.context["action_form"].fields["action"].choices]
    assert "approve_on_behalf" not in choices
    assert "resend_focal_point_emails" not in choices
    assert "export_csv" in choices

    _action(client, "reject_on_behalf", [registration], post="yes", reason="Not an SME.")
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.PENDING


def test_resend_queues_an_email_for_each_active_focal_point(client, officer):
    registration = RegistrationFactory()
    administration = registration.sme.administration
    FocalPointFactory.create_batch(2, administration=administration)
    FocalPointFactory(administration=administration, is_active=False)
    decided = RegistrationFactory(
        status=RegistrationStatus.VALIDATED, decided_at=timezone.now(), participant__sme=registration.sme
    )
    before = OutgoingMessage.objects.count()

    response = _action(client, "resend_focal_point_emails", [registration, decided])

    assert response.status_code == 302
    queued = OutgoingMessage.objects.order_by("pk")[before:]
    active = set(administration.focal_points.filter(is_active=True).values_list("email", flat=True))
    assert {message.to for message in queued} == active
    assert len(queued) == 2
    messages = admin_messages(response)
    assert "The focal points were emailed again about 1 registration. 2 emails are queued." in messages
    assert "1 registration was skipped: it is no longer pending validation." in messages


def test_export_actions_return_csv_and_xlsx_with_the_marker(client, officer):
    registrations = RegistrationFactory.create_batch(2)

    response = _action(client, "export_csv", registrations)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    content = b"".join(response.streaming_content).decode("utf-8")
    assert MARKER in content.splitlines()[0]
    assert len(content.strip().splitlines()) == 3

    response = _action(client, "export_xlsx", registrations[:1])
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.max_row == 2
    assert MARKER in [cell.value for cell in sheet[1]]


def test_export_of_the_filtered_set_with_select_across(client, officer):
    wanted = RegistrationFactory(status=RegistrationStatus.REJECTED, reason="No.", decided_at=timezone.now())
    RegistrationFactory()  # pending: filtered out

    response = client.post(
        reverse(CHANGELIST) + "?status__exact=rejected",
        {"action": "export_csv", ACTION_CHECKBOX_NAME: [wanted.pk], "select_across": "1", "index": 0},
    )
    lines = b"".join(response.streaming_content).decode("utf-8").strip().splitlines()
    assert len(lines) == 2
    assert lines[1].startswith(str(wanted.pk))


def test_overdue_filter_and_column(client, officer):
    overdue = RegistrationFactory(participant__family_name="Late")
    Registration.objects.filter(pk=overdue.pk).update(created_at=timezone.now() - datetime.timedelta(days=10))
    RegistrationFactory(participant__family_name="Recent")

    response = client.get(reverse(CHANGELIST), {"overdue": "yes"})
    assert response.status_code == 200
    rows = list(response.context["cl"].result_list)
    assert [row.pk for row in rows] == [overdue.pk]
    assert rows[0].is_overdue is True
    assert "column-overdue" in response.content.decode()

    response = client.get(reverse(CHANGELIST), {"overdue": "no"})
    assert overdue.pk not in [row.pk for row in response.context["cl"].result_list]


def test_resend_without_an_active_focal_point_shows_the_services_refusal(client, officer):
    registration = RegistrationFactory()
    before = OutgoingMessage.objects.count()

    response = _action(client, "resend_focal_point_emails", [registration])

    assert response.status_code == 302
    assert OutgoingMessage.objects.count() == before
    [message] = admin_messages(response)
    assert message.startswith(str(registration))
    assert "has no active focal point" in message


def test_export_of_a_search_result_with_select_across(client, officer):
    wanted = RegistrationFactory(participant__family_name="Okonkwo", participant__sme__name="Lagos Fibre Ltd")
    RegistrationFactory(participant__family_name="Other")

    response = client.post(
        reverse(CHANGELIST) + "?q=lagos",
        {"action": "export_xlsx", ACTION_CHECKBOX_NAME: [wanted.pk], "select_across": "1", "index": 0},
    )
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [row[2] for row in sheet.iter_rows(min_row=2, values_only=True)] == ["Okonkwo"]
