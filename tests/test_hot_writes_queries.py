"""The three requests of registration day cost the same number of queries at 1, 100 and 10,000 rows.

A representative's registration POST, a focal point's approve POST and the validation link GET
run in the hour registration opens, against tables that grow all pilot long: none may read more
rows, or run more queries, as they grow. The outbox's send of one message is counted too.
"""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from focalpoints import links
from registration.models import AttendanceMode, ParticipantProfile, Registration
from smepilot.outbox.models import OutgoingMessage
from smepilot.outbox.services import outgoing_message_deliver
from tests.factories import FocalPointFactory, MeetingFactory, PilotFactory, RegistrationFactory, StudyGroupFactory
from tests.second_factor import sign_in_with_second_factor

pytestmark = pytest.mark.django_db

SIZES = (1, 100, 10_000)


def _registrations_bulk(*, count: int, meeting, sme) -> None:
    """``count`` pending registrations of as many people, written in bulk (factories take minutes)."""
    User = get_user_model()
    users = User.objects.bulk_create(
        User(username=f"bulk{index}", email=f"bulk{index}@sme.example", password="!") for index in range(count)
    )
    now = timezone.now()
    profiles = ParticipantProfile.objects.bulk_create(
        ParticipantProfile(
            user=user,
            given_name="Bulk",
            family_name=f"Person {index}",
            sme=sme,
            administration=sme.administration,
            privacy_consent_at=now,
        )
        for index, user in enumerate(users)
    )
    Registration.objects.bulk_create(
        Registration(participant=profile, sme=sme, meeting=meeting, attendance_mode=AttendanceMode.IN_PERSON)
        for profile in profiles
    )


@pytest.fixture(params=SIZES, ids=lambda size: f"{size}-rows")
def world(request):
    """A pilot, a meeting, a focal point, one registration of Kofi's, and ``size`` others pending."""
    group = StudyGroupFactory(number=1)
    PilotFactory(study_groups=[group])
    meeting = MeetingFactory(study_group=group, title="SG1 plenary")
    focal_point = FocalPointFactory()
    registration = RegistrationFactory(
        participant__sme__administration=focal_point.administration,
        participant__given_name="Kofi",
        meeting=meeting,
    )
    _registrations_bulk(count=request.param - 1, meeting=meeting, sme=registration.sme)
    return {"meeting": meeting, "focal_point": focal_point, "registration": registration}


def _link_path(world) -> str:
    token = links.link_token_make(
        registration_ids=[world["registration"].pk],
        focal_point_id=world["focal_point"].pk,
        administration_id=world["focal_point"].administration_id,
    )
    return reverse("focalpoints:link", kwargs={"token": token})


def _counted(call):
    """The call's response, and its queries (one SQL statement a line, for the failure's message)."""
    with CaptureQueriesContext(connection) as captured:
        response = call()
    return response, [query["sql"][:300] for query in captured.captured_queries]


# Each figure is the same at every size: a query more means a new lookup crept into the request.
# Registering reads who decides for the Administration: its focal points, then its running deputies.
REGISTRATION_POST_QUERIES = 19
APPROVE_POST_QUERIES = 17
LINK_GET_QUERIES = 9
DELIVER_QUERIES = 5


def test_registration_post(client, world):
    group = world["meeting"].study_group
    newcomer = ParticipantProfile.objects.get(pk=world["registration"].participant_id)
    other = MeetingFactory(study_group=group, title="RG Q1/1")
    client.force_login(newcomer.user)
    data = {f"meeting_{other.pk}": "on", f"attendance_{other.pk}": AttendanceMode.IN_PERSON}

    response, queries = _counted(lambda: client.post(reverse("registration:new"), data))

    assert response.status_code == 302, response.content.decode()[:2000]
    assert len(queries) == REGISTRATION_POST_QUERIES, "\n".join(queries)


def test_link_get(client, world):
    sign_in_with_second_factor(client, world["focal_point"].user)

    response, queries = _counted(lambda: client.get(_link_path(world)))

    assert response.status_code == 200
    assert len(queries) == LINK_GET_QUERIES, "\n".join(queries)


def test_approve_post(client, world):
    sign_in_with_second_factor(client, world["focal_point"].user)
    path = _link_path(world)
    data = {"registration": world["registration"].pk, "decision": "approve"}

    response, queries = _counted(lambda: client.post(path, data))

    assert response.status_code == 302
    assert len(queries) == APPROVE_POST_QUERIES, "\n".join(queries)


def test_outbox_send(world, smtp_sink, settings):
    message = OutgoingMessage.objects.create(to="kofi@sme.example", template="emails/test", subject="S", body_text="B")

    outcome, queries = _counted(lambda: outgoing_message_deliver(message_id=message.pk))

    assert outcome == "sent"
    assert len(queries) == DELIVER_QUERIES, "\n".join(queries)
