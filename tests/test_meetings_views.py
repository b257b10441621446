"""The meetings page: the pilot's study groups, coming meetings and registration window states."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import MeetingFactory, PilotFactory, StudyGroupFactory, UserFactory, today

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)
URL = reverse("meetings:list")


@pytest.fixture
def signed_in(client):
    client.force_login(UserFactory())
    return client


def test_is_public_and_invites_to_create_an_account(client):
    sg1 = StudyGroupFactory(number=1, title="Enabling environment")
    PilotFactory(study_groups=[sg1])
    MeetingFactory(study_group=sg1, title="SG1 plenary")
    response = client.get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert "SG1 plenary" in page
    assert reverse("account_signup") in page
    assert f"{reverse('account_login')}?next={reverse('registration:new')}" in page


def test_signed_in_people_get_the_register_button(signed_in):
    PilotFactory(study_groups=[StudyGroupFactory()])
    page = signed_in.get(URL).content.decode()
    assert f'href="{reverse("registration:new")}"' in page
    assert reverse("account_signup") not in page


def test_a_post_is_refused(client):
    assert client.post(URL).status_code == 405


def test_lists_the_pilot_study_groups_and_their_coming_meetings_with_window_states(signed_in):
    sg1 = StudyGroupFactory(number=1, title="Enabling environment")
    sg2 = StudyGroupFactory(number=2, title="ICT services and applications")
    outside = StudyGroupFactory(number=7, title="Not in the pilot")
    PilotFactory(study_groups=[sg1, sg2])
    MeetingFactory(study_group=sg1, title="SG1 plenary", place="Geneva", remote_participation=True)
    MeetingFactory(
        study_group=sg1, title="RG Q1/1", remote_participation=False, registration_opens_on=today() + 5 * DAY
    )
    MeetingFactory(
        study_group=sg2,
        title="SG2 closed",
        registration_opens_on=today() - 20 * DAY,
        registration_closes_on=today() - DAY,
    )
    MeetingFactory(
        study_group=sg2,
        title="SG2 past meeting",
        starts_on=today() - 10 * DAY,
        ends_on=today() - 5 * DAY,
        registration_opens_on=today() - 40 * DAY,
        registration_closes_on=today() - 12 * DAY,
    )
    MeetingFactory(study_group=outside, title="Outside meeting")
    response = signed_in.get(URL)
    assert response.status_code == 200
    content = response.content.decode()
    assert "Enabling environment" in content and "ICT services and applications" in content
    assert "Not in the pilot" not in content and "Outside meeting" not in content
    assert "SG2 past meeting" not in content
    assert "SG1 plenary" in content and "Geneva" in content
    assert "window-open" in content and "window-not_yet_open" in content and "window-closed" in content
    assert "Not offered" in content and "Offered" in content
    assert reverse("registration:new") in content


def test_after_the_pilot_end_registration_is_closed_citing_point_5(signed_in):
    sg1 = StudyGroupFactory(number=1)
    PilotFactory(study_groups=[sg1], starts_on=today() - 400 * DAY, ends_on=today() - DAY)
    MeetingFactory(study_group=sg1, title="SG1 after PP-18")
    content = signed_in.get(URL).content.decode()
    assert "SME registration is closed." in content
    assert "terms of reference (point 5)" in content
    assert "window-open" not in content
    assert reverse("registration:new") not in content


def test_without_a_pilot_the_page_says_so(signed_in):
    response = signed_in.get(URL)
    assert response.status_code == 200
    assert "There is no SME pilot at the moment" in response.content.decode()


def test_post_is_not_allowed(signed_in):
    assert signed_in.post(URL).status_code == 405


def count_queries(client):
    with CaptureQueriesContext(connection) as context:
        assert client.get(URL).status_code == 200
    return len(context.captured_queries)


def test_query_count_is_the_same_at_1_and_50_meetings(signed_in):
    sg1 = StudyGroupFactory(number=1)
    sg2 = StudyGroupFactory(number=2)
    PilotFactory(study_groups=[sg1, sg2])
    MeetingFactory(study_group=sg1)
    at_one = count_queries(signed_in)
    for index in range(49):
        MeetingFactory(study_group=sg1 if index % 2 else sg2, title=f"Meeting {index}")
    assert count_queries(signed_in) == at_one
