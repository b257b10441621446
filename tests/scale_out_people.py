"""The people of the scale-out test, written into the running site's database by the site's own code.

Run in the site's environment, after ``seed_demo`` (tests/test_scale_out.py does it)::

    manage.py shell -c "from tests.scale_out_people import people_seed_print; people_seed_print(40, 'password')"

It adds, in a few of the demo's Administrations, an SME the Administration confirmed and SME
representatives of it (verified address, profile and privacy notice accepted: ready to register),
and gives every active focal point of those Administrations an account with the password and an
authenticator app (the second factor focal points pass before deciding). It prints them as one
JSON line: ``{"representatives": [{"email", "country"}], "focal_points": {country: [{"email",
"totp_secret"}, ...]}}``.
"""

import json
from decimal import Decimal

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from focalpoints.accounts import focal_point_account_ensure
from focalpoints.models import Administration, FocalPoint
from registration.models import SME, Eligibility, ParticipantProfile
from tests.second_factor import authenticator_app_give, secret_of

# Kenya's Administration designated two focal points: two deciders of one request.
COUNTRIES = ("KE", "SN", "BR", "IN")


def people_seed(*, representatives: int, password: str) -> dict:
    hashed = make_password(password)  # once: hashing is slow on purpose
    people = {"representatives": [], "focal_points": {}}
    with transaction.atomic():
        administrations = list(Administration.objects.filter(country__in=COUNTRIES).order_by("country"))
        smes = {}
        for administration in administrations:
            country = administration.country.code
            smes[country] = SME.objects.create(
                administration=administration,
                name=f"Scale-out Test SME {country}",
                employees=20,
                annual_revenue=Decimal("1000000"),
                revenue_currency="USD",
                address="1 Test Street",
                eligibility=Eligibility.CONFIRMED,
            )
            people["focal_points"][country] = []
            for focal_point in FocalPoint.objects.filter(administration=administration, is_active=True).order_by("pk"):
                user = focal_point_account_ensure(focal_point=focal_point)
                user.password = hashed
                user.save(update_fields=["password"])
                secret = secret_of(authenticator_app_give(user))
                people["focal_points"][country].append({"email": focal_point.email, "totp_secret": secret})
        for number in range(representatives):
            sme = smes[administrations[number % len(administrations)].country.code]
            email = f"scale-rep-{number}@example.org"
            user = get_user_model().objects.create(username=f"scale-rep-{number}", email=email, password=hashed)
            EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
            ParticipantProfile.objects.create(
                user=user,
                given_name="Representative",
                family_name=f"Number {number}",
                administration=sme.administration,
                sme=sme,
                privacy_consent_at=timezone.now(),
            )
            people["representatives"].append({"email": email, "country": sme.administration.country.code})
    return people


def people_seed_print(representatives: int, password: str):
    print(json.dumps(people_seed(representatives=representatives, password=password)))  # noqa: T201
