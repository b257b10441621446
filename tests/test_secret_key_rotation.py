"""Rotating SECRET_KEY (docs/OPERATIONS.md): the old key moves to SECRET_KEY_FALLBACKS.

Focal points' emailed validation links (focalpoints.links, django.core.signing) stay valid for
VALIDATION_LINK_MAX_AGE_DAYS and people stay signed in: both were signed with the old key, which
the fallbacks still accept. Without the fallback they are refused, as a leaked key must be.
"""

import os
import subprocess
import sys

import pytest
from django.conf import settings as django_settings
from django.urls import reverse

from focalpoints import links
from tests.second_factor import sign_in_with_second_factor

pytestmark = pytest.mark.django_db

OLD_KEY = "old-key-signed-the-links-and-sessions-before-rotation-4f1c8e2a9b7d"
NEW_KEY = "new-key-after-rotation-never-signed-anything-before-0a9e7c5b3d1f"


@pytest.fixture
def signed_with_old_key(settings, client, registration, focal_point):
    """A focal point signed in, and their validation link emailed, while OLD_KEY was the key."""
    settings.SECRET_KEY = OLD_KEY
    settings.SECRET_KEY_FALLBACKS = []
    sign_in_with_second_factor(client, focal_point.user)
    path = links.link_url(
        registration_ids=[registration.pk],
        focal_point_id=focal_point.pk,
        administration_id=focal_point.administration_id,
    ).removeprefix(settings.SITE_URL)
    assert client.get(path).status_code == 200
    return path


def test_links_and_sessions_signed_with_the_old_key_work_after_rotation(settings, client, signed_with_old_key):
    settings.SECRET_KEY = NEW_KEY
    settings.SECRET_KEY_FALLBACKS = [OLD_KEY]

    token = signed_with_old_key.rstrip("/").rsplit("/", 1)[-1]
    assert links.link_token_read(token).registration_ids
    response = client.get(signed_with_old_key)
    assert response.status_code == 200, "still signed in, and the link opens the request"
    assert response.wsgi_request.user.is_authenticated
    assert client.get(reverse("registration:list")).status_code == 200


def test_without_the_fallback_old_links_are_refused_and_sessions_end(settings, client, signed_with_old_key):
    settings.SECRET_KEY = NEW_KEY
    settings.SECRET_KEY_FALLBACKS = []

    token = signed_with_old_key.rstrip("/").rsplit("/", 1)[-1]
    with pytest.raises(links.LinkInvalid):
        links.link_token_read(token)
    response = client.get(reverse("registration:list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert client.get(signed_with_old_key).status_code == 400


def test_links_signed_after_rotation_use_the_new_key(settings, registration, focal_point):
    settings.SECRET_KEY = NEW_KEY
    settings.SECRET_KEY_FALLBACKS = [OLD_KEY]
    token = links.link_token_make(
        registration_ids=[registration.pk],
        focal_point_id=focal_point.pk,
        administration_id=focal_point.administration_id,
    )
    settings.SECRET_KEY_FALLBACKS = []
    assert links.link_token_read(token).registration_ids == (registration.pk,)


def test_fallbacks_are_read_from_the_environment():
    code = "from django.conf import settings; print(settings.SECRET_KEY_FALLBACKS)"
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "--verbosity", "0", "-c", code],
        cwd=django_settings.BASE_DIR,
        env={**os.environ, "SECRET_KEY": NEW_KEY, "SECRET_KEY_FALLBACKS": f"{OLD_KEY},another-older-key"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str([OLD_KEY, "another-older-key"])
