"""The signed link in a focal point's validation email: it opens the request, it does not decide it.

The token is ``django.core.signing.dumps`` of the registration ids (one email may cover a batch),
the focal point's id (or the deputyship's, for a deputy) and the Administration's id, with a salt
of its own so that no other signed value of the site (sessions, allauth's keys, another purpose)
can pass for it. It carries a timestamp and expires after ``VALIDATION_LINK_MAX_AGE_DAYS``.

The link is a convenience, not a credential: deciding needs a signed-in focal point of the
Administration (``focalpoints.decisions``). It only saves looking for the request in the pending list.
"""

from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core import signing
from django.urls import Resolver404, resolve, reverse

SALT = "focalpoints.validation-link"


class LinkInvalid(Exception):
    """Tampered, truncated, signed for another purpose, or not a validation link at all."""


class LinkExpired(Exception):
    """Correctly signed, but older than ``VALIDATION_LINK_MAX_AGE_DAYS``."""


@dataclass(frozen=True)
class ValidationLink:
    registration_ids: tuple[int, ...]
    focal_point_id: int | None
    administration_id: int
    # Set when the link went to a deputy (focalpoints.models.Deputyship) rather than a focal point.
    deputyship_id: int | None = None


def link_token_make(
    *, registration_ids, focal_point_id: int | None, administration_id: int, deputyship_id: int | None = None
) -> str:
    payload = {"r": sorted(int(pk) for pk in registration_ids), "a": int(administration_id)}
    if deputyship_id is not None:
        payload["d"] = int(deputyship_id)
    else:
        payload["f"] = int(focal_point_id)
    return signing.dumps(payload, salt=SALT, compress=True)


def link_url(
    *, registration_ids, focal_point_id: int | None, administration_id: int, deputyship_id: int | None = None
) -> str:
    """The absolute URL to put in an email."""
    token = link_token_make(
        registration_ids=registration_ids,
        focal_point_id=focal_point_id,
        administration_id=administration_id,
        deputyship_id=deputyship_id,
    )
    return settings.SITE_URL + reverse("focalpoints:link", kwargs={"token": token})


def link_token_read(token: str) -> ValidationLink:
    """Check the signature and age of ``token`` and return what it is bound to."""
    try:
        payload = signing.loads(token, salt=SALT, max_age=timedelta(days=settings.VALIDATION_LINK_MAX_AGE_DAYS))
    except signing.SignatureExpired as error:
        raise LinkExpired from error
    except (signing.BadSignature, ValueError, TypeError) as error:
        # BadSignature covers tampering, truncation and other salts; the others a corrupt payload.
        raise LinkInvalid from error
    try:
        ids = tuple(int(pk) for pk in payload["r"])
        if "d" in payload:
            link = ValidationLink(
                registration_ids=ids,
                focal_point_id=None,
                administration_id=int(payload["a"]),
                deputyship_id=int(payload["d"]),
            )
        else:
            link = ValidationLink(
                registration_ids=ids, focal_point_id=int(payload["f"]), administration_id=int(payload["a"])
            )
    except (KeyError, TypeError, ValueError) as error:
        raise LinkInvalid from error
    if not link.registration_ids:
        raise LinkInvalid
    return link


def link_from_path(path) -> ValidationLink | None:
    """The validation link that ``path`` opens (a sign-in page's ``next``), if its signature and age hold.

    Only a path of this site counts: a full address, even of a validation link, is someone else's
    page; anything else (another page, a forged or expired token) is None.
    """
    if not isinstance(path, str) or not path:
        return None
    parts = urlsplit(path)
    if parts.scheme or parts.netloc:
        return None
    try:
        match = resolve(parts.path)
    except Resolver404:
        return None
    if match.view_name != "focalpoints:link":
        return None
    try:
        return link_token_read(match.kwargs["token"])
    except (LinkInvalid, LinkExpired):
        return None
