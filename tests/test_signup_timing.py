"""Signing up with an address that has an account takes as long as with a new one (smepilot.signup).

allauth answers both alike (ACCOUNT_PREVENT_ENUMERATION), and only the answer's time could tell them
apart: the password is hashed for a new account, so the known address's path hashes it too. Measured
with the production hasher (the other tests use a fast one).
"""

import statistics
import time

import pytest
from django.conf import global_settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-enough-pass-phrase-42"
TRIES = 20


def _timed_signup(email):
    data = {
        "email": email,
        "password1": PASSWORD,
        "password2": PASSWORD,
        "given_name": "Wanjiru",
        "family_name": "Kamau",
        "privacy_consent": "on",
    }
    client = Client()
    started = time.perf_counter()
    response = client.post(reverse("account_signup"), data)
    elapsed = time.perf_counter() - started
    assert response.status_code == 302, response.content.decode()[:500]
    return elapsed


def test_signup_takes_as_long_for_a_known_address_as_for_a_new_one(settings):
    settings.PASSWORD_HASHERS = global_settings.PASSWORD_HASHERS  # the production default
    UserFactory(email="known@sme.example")
    _timed_signup("warm-up@sme.example")  # first request's imports and caches out of the measure
    known, unknown = [], []
    for attempt in range(TRIES):  # interleaved, so that load from elsewhere weighs on both alike
        cache.clear()
        known.append(_timed_signup("known@sme.example"))
        unknown.append(_timed_signup(f"new-{attempt}@sme.example"))
    assert get_user_model().objects.filter(email="known@sme.example").count() == 1
    ratio = statistics.median(known) / statistics.median(unknown)
    assert 0.8 <= ratio <= 1.25, (
        f"median sign-up time {statistics.median(known):.3f} s for a known address, "
        f"{statistics.median(unknown):.3f} s for a new one (ratio {ratio:.2f})"
    )
