"""Text people typed keeps its own direction inside the site's sentences (<bdi>, dir="auto")."""

import pytest
from django.urls import reverse
from django.utils import timezone

from focalpoints import notifications
from smepilot.outbox.models import OutgoingMessage
from tests.second_factor import sign_in_with_second_factor

pytestmark = pytest.mark.django_db


@pytest.fixture
def arabic_registration(registration):
    participant = registration.participant
    participant.given_name, participant.family_name = "أمينة", "العلي"
    participant.save()
    registration.sme.name = "شركة النيل للبيانات"
    registration.sme.save()
    return registration


def test_the_focal_points_page_isolates_names_typed_in_another_script(client, focal_point, arabic_registration):
    sign_in_with_second_factor(client, focal_point.user)
    page = client.get(reverse("focalpoints:registration", args=[arabic_registration.pk])).content.decode()
    assert "<bdi>أمينة العلي</bdi>" in page
    assert "<bdi>شركة النيل للبيانات</bdi>" in page


def test_the_focal_points_email_isolates_them_in_its_html_part(arabic_registration):
    notifications.registrations_notify_focal_points(registrations=[arabic_registration])
    message = OutgoingMessage.objects.get(template="emails/focalpoint_registration_new")
    assert "<bdi>أمينة العلي</bdi>" in message.body_html
    assert "<bdi>" not in message.body_text  # the text part stays plain


def test_a_reason_keeps_its_own_direction(client, arabic_registration, focal_point):
    arabic_registration.status, arabic_registration.reason = "rejected", "السجل التجاري غير مرفق."
    arabic_registration.decided_by = focal_point.user
    arabic_registration.decided_at = timezone.now()
    arabic_registration.save()
    client.force_login(arabic_registration.participant.user)
    page = client.get(reverse("registration:list")).content.decode()
    assert "<bdi>السجل التجاري غير مرفق.</bdi>" in page
