"""Security audit: accounts and the focal-point designation.

A focal point's power follows the designated email address (focalpoints.accounts). These tests
check that nobody gets that power without controlling the address, and that the sign-in and
confirmation flows change nothing on GET.
"""

import re

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from focalpoints import accounts, notifications
from focalpoints.models import FocalPoint
from smepilot.outbox.models import OutgoingMessage
from tests.factories import AdministrationFactory, FocalPointFactory, RegistrationFactory, UserFactory
from tests.second_factor import sign_in_with_second_factor

pytestmark = pytest.mark.django_db

ATTACKER_PASSWORD = "squatter-pass-phrase-for-the-pilot"
FOCAL_EMAIL = "focal.point@ministry.example"


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    # allauth counts attempts in the (Redis) cache; each test starts from zero.
    cache.clear()
    yield
    cache.clear()


def _last_code(address):
    message = OutgoingMessage.objects.filter(to=address, template="account/email/login_code").last()
    return re.search(r"^\s*([A-Z0-9]{4}-?[A-Z0-9]{4})\s*$", message.body_text, re.MULTILINE).group(1)


def _sign_in_by_code(client, address):
    response = client.post(reverse("account_request_login_code"), {"email": address})
    assert response.status_code == 302
    response = client.post(reverse("account_confirm_login_code"), {"code": _last_code(address)})
    assert response.status_code == 302
    return response


def test_confirm_email_on_get_and_logout_on_get_are_off():
    assert django_settings.ACCOUNT_CONFIRM_EMAIL_ON_GET is False
    assert getattr(django_settings, "ACCOUNT_LOGOUT_ON_GET", False) is False


def test_logout_by_get_does_not_sign_out(client):
    user = UserFactory()
    client.force_login(user)
    for method in (client.get, client.head):
        method(reverse("account_logout"))
        assert client.session.get("_auth_user_id") == str(user.pk)
    response = client.post(reverse("account_logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_focal_point_designated_for_a_new_address_gets_an_account_without_password(client):
    """The account created for a designated address can only be entered by a code sent there."""
    focal_point = FocalPointFactory(user=None, email=FOCAL_EMAIL)
    account = accounts.focal_point_account_ensure(focal_point=focal_point)
    assert account is not None and not account.has_usable_password()
    assert EmailAddress.objects.get(user=account, email=FOCAL_EMAIL).verified


def test_unverified_signup_with_the_designated_address_loses_it_at_designation(client):
    client.post(
        reverse("account_signup"),
        {
            "email": FOCAL_EMAIL,
            "password1": ATTACKER_PASSWORD,
            "password2": ATTACKER_PASSWORD,
            "given_name": "Eve",
            "family_name": "Squatter",
            "privacy_consent": "on",
        },
    )
    squatter = get_user_model().objects.get(email__iexact=FOCAL_EMAIL)
    focal_point = FocalPointFactory(user=None, email=FOCAL_EMAIL)
    account = accounts.focal_point_account_ensure(focal_point=focal_point)
    focal_point.refresh_from_db()
    assert focal_point.user == account
    assert account != squatter and not account.has_usable_password()
    assert not client.login(username=FOCAL_EMAIL, password=ATTACKER_PASSWORD)


def test_squatted_signup_never_gives_the_squatter_focal_point_power():
    """Eve knows the focal point's address and signs up with it before the secretariat designates it.

    She cannot verify it. The secretariat designates the address; the first registration emails
    the real focal point, who follows the link and signs in with the code emailed to the address
    (the way the README tells designated focal points to sign in). allauth verifies the address
    on that sign-in, focal_points_link_user links the focal point to Eve's account — and Eve's
    password, set before anyone proved the address, now signs in as a focal point.
    """
    eve = Client()
    response = eve.post(
        reverse("account_signup"),
        {
            "email": FOCAL_EMAIL,
            "password1": ATTACKER_PASSWORD,
            "password2": ATTACKER_PASSWORD,
            "given_name": "Eve",
            "family_name": "Squatter",
            "privacy_consent": "on",
        },
    )
    assert response.status_code == 302
    eve.logout()

    administration = AdministrationFactory()
    focal_point = FocalPointFactory(user=None, email=FOCAL_EMAIL, administration=administration)
    accounts.focal_point_save(focal_point=focal_point, email_changed=True)
    registration = RegistrationFactory(participant__sme__administration=administration)
    notifications.registrations_notify_focal_points(registrations=[registration])

    # The real focal point signs in with the code sent to the designated address.
    real = Client()
    _sign_in_by_code(real, FOCAL_EMAIL)

    # Eve signs in with her own password, set before the address was ever verified.
    eve.post(reverse("account_login"), {"login": FOCAL_EMAIL, "password": ATTACKER_PASSWORD})
    assert eve.get(reverse("focalpoints:pending")).status_code != 200
    focal_point.refresh_from_db()
    squatter = get_user_model().objects.filter(email__iexact=FOCAL_EMAIL).order_by("pk").first()
    assert not (focal_point.user_id == squatter.pk and squatter.has_usable_password())


def test_deactivated_account_loses_its_session(client):
    focal_point = FocalPointFactory()
    sign_in_with_second_factor(client, focal_point.user)
    assert client.get(reverse("focalpoints:pending")).status_code == 200
    get_user_model().objects.filter(pk=focal_point.user_id).update(is_active=False)
    response = client.get(reverse("focalpoints:pending"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_sign_in_links_only_active_focal_points_by_verified_address(client):
    inactive = FocalPointFactory(user=None, email="former@ministry.example", is_active=False)
    user = UserFactory(email="former@ministry.example")
    unverified = UserFactory(email="someone@ministry.example", verified_email=False)
    FocalPoint.objects.create(administration=AdministrationFactory(), name="X", email="someone@ministry.example")
    assert accounts.focal_points_link_user(user=user) == 0
    assert accounts.focal_points_link_user(user=unverified) == 0
    inactive.refresh_from_db()
    assert inactive.user is None
