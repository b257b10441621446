"""The calendar file attached to a validated registration's email (RFC 5545, iCalendar).

Written by hand: one all-day event is a dozen lines, and the rules that matter are few: CRLF line
ends, lines folded at 75 octets, text values escaped, and an all-day DTEND that is the day *after*
the meeting's last day (DTEND is exclusive, RFC 5545 section 3.6.1).
"""

import datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from registration.models import AttendanceMode

PRODID = "-//ITU-D//SME pilot registration//EN"


def ics_escape(value: str) -> str:
    """Escape a TEXT value (RFC 5545, 3.3.11)."""
    return (
        str(value)
        .replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def ics_fold(line: str) -> str:
    """Fold a content line into 75-octet pieces, continued by CRLF and a space (RFC 5545, 3.1).

    Never splits a UTF-8 character: an Arabic or Chinese place name stays valid.
    """
    pieces, current, size = [], "", 0
    limit = 75
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            pieces.append(current)
            current, size = "", 1  # the continuation's leading space counts
            limit = 75
        current += char
        size += width
    pieces.append(current)
    return "\r\n ".join(pieces)


def _date(value: datetime.date) -> str:
    return value.strftime("%Y%m%d")


def meeting_ics(*, registration, now=None) -> str:
    """One VEVENT for the registration's meeting, all day from its first to its last day."""
    meeting = registration.meeting
    now = now or timezone.now()
    host = urlsplit(settings.SITE_URL).hostname or "smepilot"
    remote = registration.attendance_mode == AttendanceMode.REMOTE
    # In the registrant's language: the caller renders it inside translation.override.
    location = _("Remote participation (%(place)s)") % {"place": meeting.place} if remote else meeting.place
    description = " ".join(
        [
            f"{meeting.study_group.short_name}.",
            # The dates as the site and the emails write them (DTSTART/DTEND give them to calendar programs).
            _("From %(start)s to %(end)s.")
            % {
                "start": date_format(meeting.starts_on, "DATE_FORMAT"),
                "end": date_format(meeting.ends_on, "DATE_FORMAT"),
            },
            _("Attendance: %(attendance)s.") % {"attendance": registration.get_attendance_mode_display()},
            _("SME pilot participant: no decision-making role (terms of reference, point 3)."),
            _("Secretariat: %(email)s") % {"email": settings.SECRETARIAT_EMAIL},
        ]
    )
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        # Stable per registration: a second copy of the file updates the event instead of adding one.
        f"UID:registration-{registration.pk}-meeting-{meeting.pk}@{host}",
        f"DTSTAMP:{now.astimezone(datetime.UTC).strftime('%Y%m%dT%H%M%SZ')}",
        f"DTSTART;VALUE=DATE:{_date(meeting.starts_on)}",
        f"DTEND;VALUE=DATE:{_date(meeting.ends_on + datetime.timedelta(days=1))}",
        f"SUMMARY:{ics_escape(meeting.title)}",
        f"LOCATION:{ics_escape(location)}",
        f"DESCRIPTION:{ics_escape(description)}",
        "TRANSP:OPAQUE",
        "STATUS:CONFIRMED",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "".join(ics_fold(line) + "\r\n" for line in lines)


def meeting_ics_filename(*, registration) -> str:
    return f"meeting-{registration.meeting.pk}.ics"
