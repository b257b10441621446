"""Accounts in the admin: a focal point's account follows its designated email address, and the
secretariat (no permissions on accounts) can still set up focal points and profiles."""

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse

from focalpoints.models import FocalPoint
from tests.factories import AdministrationFactory, FocalPointFactory, ParticipantProfileFactory, UserFactory

pytestmark = pytest.mark.django_db


def _verified_user(email):
    return UserFactory(email=email)  # the factory records the address as verified


def test_officer_designates_a_focal_point_and_its_account_is_created(officer_client):
    administration = AdministrationFactory()
    intruder = UserFactory()
    response = officer_client.post(
        reverse("admin:focalpoints_focalpoint_add"),
        {
            "administration": administration.pk,
            "name": "Wanjiru Kamau",
            "email": "W.Kamau@ca.example",
            "language": "fr",  # the language of the emails she receives
            "is_active": "on",
            "user": intruder.pk,  # not a field: the account is never chosen by hand
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    focal_point = FocalPoint.objects.get(email="W.Kamau@ca.example")
    assert focal_point.user is not None and focal_point.user != intruder
    assert EmailAddress.objects.get(user=focal_point.user).email == "W.Kamau@ca.example"
    assert not focal_point.user.has_usable_password()  # they sign in by a code sent to the address
    assert focal_point.language == "fr"


def test_focal_point_designated_with_an_existing_verified_address_gets_that_account(officer_client):
    administration = AdministrationFactory()
    owner = _verified_user("focal@ca.example")
    response = officer_client.post(
        reverse("admin:focalpoints_administration_change", args=[administration.pk]),
        {
            "in_pilot": "on",
            "itu_region": administration.itu_region,
            "country": administration.country.code,
            "focal_points-TOTAL_FORMS": "1",
            "focal_points-INITIAL_FORMS": "0",
            "focal_points-0-name": "Focal",
            "focal_points-0-email": "FOCAL@ca.example",
            "focal_points-0-language": "en",
            "focal_points-0-is_active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert administration.focal_points.get().user == owner


def test_changing_the_address_hands_the_designation_to_the_new_address(officer_client):
    old_owner = _verified_user("old@ca.example")
    new_owner = _verified_user("successor@ca.example")
    focal_point = FocalPointFactory(email="old@ca.example", user=old_owner)
    response = officer_client.post(
        reverse("admin:focalpoints_focalpoint_change", args=[focal_point.pk]),
        {
            "administration": focal_point.administration.pk,
            "name": "Successor",
            "email": "successor@ca.example",
            "language": "en",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    focal_point.refresh_from_db()
    assert focal_point.user == new_owner
    assert focal_point.history.first().history_user is not None


def test_renaming_a_focal_point_keeps_its_account(officer_client):
    owner = _verified_user("same@ca.example")
    focal_point = FocalPointFactory(email="same@ca.example", user=owner)
    officer_client.post(
        reverse("admin:focalpoints_focalpoint_change", args=[focal_point.pk]),
        {
            "administration": focal_point.administration.pk,
            "name": "New name",
            "email": "same@ca.example",
            "language": "en",
        },
    )
    focal_point.refresh_from_db()
    assert (focal_point.name, focal_point.user, focal_point.is_active) == ("New name", owner, False)


def test_profile_add_offers_the_accounts_without_a_profile_in_a_plain_chooser(officer_client):
    without_profile = UserFactory(email="delegate@itu.example")
    with_profile = ParticipantProfileFactory().user
    page = officer_client.get(reverse("admin:registration_participantprofile_add")).content.decode()
    assert 'name="user"' in page
    assert "delegate@itu.example" in page
    assert with_profile.email not in page
    assert without_profile.pk


def test_profile_change_shows_the_account_read_only(officer_client):
    profile = ParticipantProfileFactory()
    page = officer_client.get(reverse("admin:registration_participantprofile_change", args=[profile.pk]))
    assert page.status_code == 200
    assert 'name="user"' not in page.content.decode()  # shown, not chosen
    assert profile.user.email in page.content.decode()
