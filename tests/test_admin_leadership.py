"""Appointment and decision admin pages: their cost does not grow with their rows."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import AppointmentFactory, DecisionFactory, DecisionParticipantFactory, UserFactory
from tests.second_factor import sign_in_with_second_factor

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    sign_in_with_second_factor(client, UserFactory(is_staff=True, is_superuser=True))
    return client


def _count(client, url):
    client.get(url)  # warm the per-process caches (content types, site) so only the page's own queries count
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    ("url_name", "make"),
    [
        ("admin:meetings_appointment_changelist", lambda: AppointmentFactory()),
        ("admin:meetings_decision_changelist", lambda: DecisionFactory()),
        ("admin:meetings_decisionparticipant_changelist", lambda: DecisionParticipantFactory()),
    ],
)
def test_changelist_queries_do_not_grow_with_rows(staff_client, url_name, make):
    make()
    url = reverse(url_name)
    at_one = _count(staff_client, url)
    for _ in range(49):
        make()
    assert _count(staff_client, url) == at_one


def test_decision_page_queries_do_not_grow_with_participants(staff_client):
    decision = DecisionFactory()
    DecisionParticipantFactory(decision=decision)
    url = reverse("admin:meetings_decision_change", args=[decision.pk])
    at_one = _count(staff_client, url)
    for _ in range(29):
        DecisionParticipantFactory(decision=decision)
    assert _count(staff_client, url) == at_one
    assert decision.participants.count() == 30
