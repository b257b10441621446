"""`manage.py create_secretariat_account --email X`: a staff account in the Secretariat group (docs/OPERATIONS.md).

No password ever appears on the command line or in shell history: the account starts with an
unusable password and the command prints a one-time link (allauth's password reset key) with which
the person sets their own, valid for PASSWORD_RESET_TIMEOUT.
"""

import re
from io import StringIO

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.urls import reverse

from meetings.secretariat import SECRETARIAT_GROUP_NAME, secretariat_permission_codenames
from tests.factories import UserFactory
from tests.second_factor import second_factor_pass

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Secretariat-sets-this-herself-2027"  # noqa: S105 - typed by the person on the site


def _create(email):
    out = StringIO()
    call_command("create_secretariat_account", "--email", email, stdout=out)
    return out.getvalue()


def _link_path(output, settings):
    links = re.findall(rf"{re.escape(settings.SITE_URL)}(/\S+)", output)
    assert len(links) == 1, output
    return links[0]


def _set_password(client, path, password=NEW_PASSWORD):
    """What the person does with the link: open it, choose a password (allauth's set-password page)."""
    page = client.get(path, follow=True)
    assert page.status_code == 200
    form_path = page.redirect_chain[-1][0] if page.redirect_chain else path
    return client.post(form_path, {"password1": password, "password2": password})


def test_creates_a_staff_member_of_the_secretariat_group_with_a_verified_address_and_no_password(settings):
    output = _create("  Officer@ITU.example ")

    user = get_user_model().objects.get(email="officer@itu.example")
    assert user.is_staff and user.is_active and not user.is_superuser
    assert list(user.groups.values_list("name", flat=True)) == [SECRETARIAT_GROUP_NAME]
    assert user.get_all_permissions() == secretariat_permission_codenames()
    assert not user.has_usable_password()
    assert list(EmailAddress.objects.filter(user=user).values_list("email", "verified", "primary")) == [
        ("officer@itu.example", True, True)
    ]
    assert "officer@itu.example" in output
    assert _link_path(output, settings).startswith("/accounts/password/reset/key/")


def test_the_link_sets_the_password_once_and_the_account_reaches_the_admin(client, settings):
    path = _link_path(_create("officer@itu.example"), settings)

    response = _set_password(client, path)

    assert response.status_code == 302, response.content.decode()[:2000]
    user = get_user_model().objects.get(email="officer@itu.example")
    assert user.check_password(NEW_PASSWORD)
    client.logout()
    assert client.login(username=user.username, password=NEW_PASSWORD)
    # The admin first asks for the second factor (smepilot.second_factor), then opens.
    assert client.get(reverse("admin:registration_registration_changelist"))["Location"].startswith(
        reverse("second_factor")
    )
    second_factor_pass(client, user)
    assert client.get(reverse("admin:registration_registration_changelist")).status_code == 200

    client.logout()
    again = client.get(path, follow=True)
    assert again.status_code == 200
    assert "password1" not in again.content.decode(), "the link is spent once the password is set"


@pytest.mark.parametrize("taken_as", ["user", "address"])
def test_an_address_already_taken_is_refused_and_nothing_is_created(taken_as):
    """Taken as an account's email, or only claimed (unverified) as another address of an account."""
    if taken_as == "user":
        existing = UserFactory(email="someone@itu.example")
    else:
        existing = UserFactory(email="other@sme.example")
        EmailAddress.objects.create(user=existing, email="someone@itu.example", verified=False, primary=False)
    users = get_user_model().objects.count()

    with pytest.raises(CommandError, match="already has an account"):
        _create("SomeOne@itu.example")

    assert get_user_model().objects.count() == users
    existing.refresh_from_db()
    assert not existing.is_staff and not existing.groups.exists()


@pytest.mark.parametrize("email", ["", "not-an-address", "two@@itu.example"])
def test_an_invalid_address_is_refused(email):
    with pytest.raises(CommandError, match="not a valid email address"):
        _create(email)
    assert not get_user_model().objects.filter(is_staff=True).exists()
