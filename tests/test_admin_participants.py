import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from meetings.admin_participants import meeting_participants
from registration.models import AttendanceMode, RegistrationStatus
from tests.factories import MeetingFactory, RegistrationFactory, UserFactory
from tests.second_factor import sign_in_with_second_factor

pytestmark = pytest.mark.django_db

MARKER = "SME pilot — no decision-making role"


def _validated(**kwargs):
    return RegistrationFactory(status=RegistrationStatus.VALIDATED, decided_at=timezone.now(), **kwargs)


@pytest.fixture
def meeting():
    meeting = MeetingFactory(title="ITU-D SG1 meeting")
    _validated(meeting=meeting, participant__given_name="Ada", participant__family_name="Mensah")
    _validated(
        meeting=meeting,
        participant__given_name="Rui",
        participant__family_name="Costa",
        attendance_mode=AttendanceMode.REMOTE,
    )
    RegistrationFactory(meeting=meeting, participant__given_name="Lena", participant__family_name="Pending")
    RegistrationFactory(
        meeting=meeting,
        participant__family_name="Gone",
        status=RegistrationStatus.CANCELLED,
        cancelled_at=timezone.now(),
    )
    _validated(participant__family_name="Elsewhere")  # another meeting
    return meeting


@pytest.fixture
def staff(client):
    user = UserFactory(is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(codename__in=["view_meeting", "change_meeting", "view_registration"])
    )
    sign_in_with_second_factor(client, user)
    return user


def _url(name, meeting):
    return reverse(f"admin:meetings_meeting_{name}", args=[meeting.pk])


def test_participant_list_marks_every_sme_participant(client, staff, meeting):
    response = client.get(_url("participants", meeting))

    assert response.status_code == 200
    html = response.content.decode()
    assert "MENSAH, Ada" in html
    assert "COSTA, Rui" in html
    assert "PENDING, Lena" in html
    assert "GONE" not in html and "ELSEWHERE" not in html
    assert html.count(f'<span class="sme-marker">{MARKER}</span>') == 3
    assert [r.is_sme_representative for r in response.context["registrations"]] == [True, True, True]


def test_badges_are_for_validated_in_person_participants_and_carry_the_marker(client, staff, meeting):
    response = client.get(_url("badges", meeting))

    assert response.status_code == 200
    html = response.content.decode()
    assert "MENSAH" in html
    assert "COSTA" not in html  # remote: no badge
    assert "PENDING" not in html  # not validated yet
    assert html.count(f'<p class="badge-marker">{MARKER}</p>') == 1
    assert "participants_print.css" in html


def test_attendance_list_has_validated_participants_marked(client, staff, meeting):
    response = client.get(_url("attendance_sheet", meeting))

    assert response.status_code == 200
    html = response.content.decode()
    assert "MENSAH, Ada" in html and "COSTA, Rui" in html
    assert "PENDING" not in html
    assert html.count(f'<strong class="sme-marker">{MARKER}</strong>') == 2


def test_meeting_change_page_links_to_the_lists(client, staff, meeting):
    response = client.get(reverse("admin:meetings_meeting_change", args=[meeting.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    for name in ("participants", "badges", "attendance_sheet"):
        assert _url(name, meeting) in html


@pytest.mark.parametrize("name", ["participants", "badges", "attendance_sheet"])
def test_staff_without_registration_view_permission_is_refused(client, meeting, name):
    user = UserFactory(is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename="view_meeting"))
    sign_in_with_second_factor(client, user)
    assert client.get(_url(name, meeting)).status_code == 403


@pytest.mark.parametrize("name", ["participants", "badges", "attendance_sheet"])
def test_anonymous_and_non_staff_are_sent_to_sign_in(client, meeting, name):
    assert client.get(_url(name, meeting)).status_code == 302
    client.force_login(UserFactory())
    assert client.get(_url(name, meeting)).status_code == 302


def test_unknown_meeting_is_404(client, staff):
    assert client.get(reverse("admin:meetings_meeting_participants", args=[999999])).status_code == 404


def test_participant_list_query_count_does_not_grow(client, staff):
    meeting = MeetingFactory()
    _validated(meeting=meeting)

    def count():
        with CaptureQueriesContext(connection) as context:
            response = client.get(_url("participants", meeting))
        assert response.status_code == 200
        return len(context.captured_queries)

    small = count()
    for _index in range(19):
        _validated(meeting=meeting)
    assert len(meeting_participants(meeting=meeting)) == 20
    assert count() == small
