"""A meeting's list of participants, as each person consented to appear in it.

Each registration carries its person's choice (``Registration.list_consent``): not listed (the
default), listed for the meeting's other registered participants, or listed publicly. A reader sees
exactly what that allows: a visitor or anyone else the public entries, a person whose own registration
for the meeting is validated also those for participants, the secretariat (signed in with its second
factor) everyone validated, with each person's choice. Only validated registrations are listed, and
every entry is marked as an SME's: SMEs take part without any role in decision-making (terms of
reference, point 3).
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from smepilot.second_factor import second_factor_passed

from .models import ListConsent, Registration, RegistrationStatus

PUBLIC_ONLY = frozenset({ListConsent.PUBLIC})
FOR_PARTICIPANTS = frozenset({ListConsent.PUBLIC, ListConsent.PARTICIPANTS})
EVERYONE = frozenset(ListConsent.values)


def list_consent_clean(value: str) -> str:
    """The choice, or a ValidationError on the field when it is not one of the three."""
    if value not in ListConsent.values:
        raise ValidationError(
            {"list_consent": _("Choose whether and to whom you appear in the list of participants.")},
            code="list_consent",
        )
    return value


def registration_list_consent_change(*, registration: Registration, changed_by, list_consent: str) -> Registration:
    """The person changes whether and to whom they appear in the meeting's list of participants.

    Only their own registration; at any time, so that consent can always be withdrawn.
    """
    list_consent = list_consent_clean(list_consent)
    with transaction.atomic():
        registration = (
            Registration.objects.select_for_update(of=("self",)).select_related("participant").get(pk=registration.pk)
        )
        if registration.participant.user_id != changed_by.pk:
            raise ValidationError(_("You can change only your own registrations."))
        if registration.list_consent != list_consent:
            registration.list_consent = list_consent
            registration.save(update_fields=["list_consent", "updated_at"])
    return registration


def participant_list_audience(*, request, meeting) -> frozenset:
    """The consents whose entries this reader may see for this meeting (see the module's docstring)."""
    user = request.user
    if not user.is_authenticated:
        return PUBLIC_ONLY
    if user.is_staff and second_factor_passed(request):
        return EVERYONE
    registered = Registration.objects.filter(
        meeting=meeting, participant__user=user, status=RegistrationStatus.VALIDATED
    ).exists()
    return FOR_PARTICIPANTS if registered else PUBLIC_ONLY


def participant_list(*, meeting, audience: frozenset):
    """The meeting's validated registrations the audience may see, by family name, in one query."""
    return (
        Registration.objects.filter(meeting=meeting, status=RegistrationStatus.VALIDATED, list_consent__in=audience)
        .select_related("participant", "sme__administration")
        .order_by("participant__family_name", "participant__given_name", "pk")
    )


# --- The secretariat's exports: the list as the meeting's participants see it -------------------------


def participant_list_rows(*, meeting) -> list[list[str]]:
    """Name, SME, country, the SME marker and to whom each is listed: everyone who consented to appear
    at least to the meeting's participants, the list the secretariat may hand out at the meeting."""
    from .exports import SME_MARKER

    marker = str(SME_MARKER)
    listed = dict(ListConsent.choices)
    return [
        [
            registration.participant.full_name,
            registration.sme.name,
            str(registration.sme.administration),
            marker,
            str(listed[registration.list_consent]),
        ]
        for registration in participant_list(meeting=meeting, audience=FOR_PARTICIPANTS)
    ]


def participant_list_headers() -> list[str]:
    return [_("Name"), _("SME"), _("Country"), _("Role"), _("Listed")]


def participant_list_pdf(*, meeting, language: str) -> bytes:
    """The list as a PDF in ``language`` (smepilot.pdf), with the meeting's dates and place."""
    from django.utils import translation
    from django.utils.formats import date_format

    from smepilot.pdf import Document

    with translation.override(language):
        title = _("List of participants")
        document = Document(language=language, title=f"{title}: {meeting.title}")
        document.heading(title)
        document.paragraph(
            f"{meeting.title} — {meeting.study_group.short_name}, {meeting.place}, "
            f"{date_format(meeting.starts_on)} – {date_format(meeting.ends_on)}",
            bold=True,
        )
        document.paragraph(
            _(
                "SME participants whose registration is validated and who chose to appear in this list. SMEs take "
                "part fully, except in any role in decision-making (terms of reference, point 3)."
            ),
            size=9,
        )
        rows = participant_list_rows(meeting=meeting)
        if rows:
            document.table(headings=participant_list_headers(), rows=rows, widths=(30, 28, 18, 32, 22))
        else:
            document.paragraph(_("Nobody chose to appear in the list yet."))
        return document.output()


def participant_list_xlsx(*, meeting) -> bytes:
    """The list as an XLSX workbook, the header row bold and frozen."""
    import io

    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    from .exports import _safe_cell

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_("Participants")[:31])
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for title in participant_list_headers():
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for row in participant_list_rows(meeting=meeting):
        sheet.append([_safe_cell(value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
