"""The check-in code on a participant's badge: what it says, how it is signed, how it is drawn.

A code names the meeting and the registration, signed with the site's SECRET_KEY (Django's
signing, its own salt): a code typed with another registration's number, or made up, fails the
signature and is refused; a genuine code of another meeting says so. The code is a line of text
("12.3456:…"), printed under the QR code so that the secretariat can type it when no camera reads it.
"""

import base64
from dataclasses import dataclass

import qrcode
import qrcode.image.svg
from django.core import signing

from smepilot.outbox.rendering import attachment_renderer

from .models import AttendanceMode, Registration, RegistrationStatus

CODE_SALT = "registration.badges.check-in-code"
# Longer than any genuine code (two ids and a 43-character signature): a longer input is not read.
CODE_MAX_LENGTH = 120


def _signer() -> signing.Signer:
    return signing.Signer(salt=CODE_SALT)


def check_in_code(registration: Registration) -> str:
    """The signed code of ``registration``: its meeting's id, its own id, and their signature."""
    return _signer().sign(f"{registration.meeting_id}.{registration.pk}")


@dataclass(frozen=True)
class CodeContent:
    meeting_id: int
    registration_id: int


def check_in_code_read(code: str) -> CodeContent | None:
    """What a code says, or None when it was not made here (forged, mistyped, cut short)."""
    # A code copied from an email or typed may carry spaces or line breaks; a genuine code has none.
    code = "".join((code or "").split())
    if not code or len(code) > CODE_MAX_LENGTH:
        return None
    try:
        value = _signer().unsign(code)
    except signing.BadSignature:
        return None
    meeting_id, _dot, registration_id = value.partition(".")
    if not (meeting_id.isascii() and meeting_id.isdigit() and registration_id.isascii() and registration_id.isdigit()):
        return None
    return CodeContent(meeting_id=int(meeting_id), registration_id=int(registration_id))


def has_badge(registration: Registration) -> bool:
    """A badge, and its code, is for a validated registration to attend in person."""
    return (
        registration.status == RegistrationStatus.VALIDATED
        and registration.attendance_mode == AttendanceMode.IN_PERSON
    )


@attachment_renderer("check_in_qr_svg")
def qr_svg(text: str) -> str:
    """The QR code of ``text`` as an SVG document (white background, no Pillow needed)."""
    image = qrcode.make(
        text,
        image_factory=qrcode.image.svg.SvgPathFillImage,
        error_correction=qrcode.constants.ERROR_CORRECT_M,
        box_size=10,
        border=4,
    )
    return image.to_string(encoding="unicode")


def qr_data_uri(text: str) -> str:
    """The QR code as a data: URI, for an <img> (the Content-Security-Policy allows data: images)."""
    return "data:image/svg+xml;base64," + base64.b64encode(qr_svg(text).encode()).decode("ascii")
