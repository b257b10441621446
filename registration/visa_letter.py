"""The visa support letter as a PDF, in the language stored on its request (smepilot.pdf)."""

from django.conf import settings
from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from smepilot.pdf import Document

from .models import VisaLetterRequest


def visa_letter_filename(visa_request: VisaLetterRequest) -> str:
    return f"visa-support-letter-{visa_request.reference}.pdf"


def visa_letter_pdf(visa_request: VisaLetterRequest) -> bytes:
    """The letter of an issued request, with its reference for the secretariat to verify it.

    It names the passport details the consulate checks, the meeting (dates and place) and the SME
    the person represents in the pilot, and says that ITU does not pay for the journey.
    """
    registration = visa_request.registration
    meeting = registration.meeting
    participant = registration.participant
    with translation.override(visa_request.language or settings.LANGUAGE_CODE):
        title = _("Visa support letter")
        document = Document(language=translation.get_language(), title=title)
        document.paragraph(_("International Telecommunication Union"), bold=True, space_after=1)
        document.paragraph(_("Place des Nations, 1211 Geneva 20, Switzerland"), size=9, space_after=8)
        document.paragraph(
            _("Reference: %(reference)s") % {"reference": visa_request.reference}, size=10, space_after=1
        )
        issued = visa_request.decided_at or visa_request.created_at
        document.paragraph(_("Date: %(date)s") % {"date": date_format(issued.date())}, size=10, space_after=8)
        document.heading(title)
        document.paragraph(_("To the consular authorities concerned,"))
        document.paragraph(
            _(
                "The International Telecommunication Union (ITU) confirms that %(name)s, national of %(nationality)s, "
                "born on %(birth)s, holder of passport number %(passport)s issued on %(issued)s and valid until "
                "%(expires)s, is registered to attend in person the following meeting:"
            )
            % {
                "name": visa_request.passport_name,
                "nationality": visa_request.nationality.name,
                "birth": date_format(visa_request.date_of_birth),
                "passport": visa_request.passport_number,
                "issued": date_format(visa_request.passport_issued_on),
                "expires": date_format(visa_request.passport_expires_on),
            }
        )
        document.paragraph(
            _("%(meeting)s, %(study_group)s, %(place)s, from %(start)s to %(end)s.")
            % {
                "meeting": meeting.title,
                "study_group": meeting.study_group.short_name,
                "place": meeting.place,
                "start": date_format(meeting.starts_on),
                "end": date_format(meeting.ends_on),
            },
            bold=True,
        )
        document.paragraph(
            _(
                "%(name)s takes part as a representative of %(sme)s, a small or medium-sized enterprise (SME) "
                "admitted to ITU's pilot project for SMEs (Council 2017); the registration was validated by the "
                "Administration of %(country)s."
            )
            % {
                "name": participant.full_name,
                "sme": registration.sme.name,
                "country": registration.sme.administration.country.name,
            }
        )
        document.paragraph(
            _(
                "This letter does not commit ITU to any expense: travel, accommodation and subsistence are borne "
                "by the participant. We would be grateful for any help you can give in issuing the visa."
            )
        )
        document.paragraph(
            _("The secretariat confirms this letter on request, quoting its reference, at %(email)s.")
            % {"email": settings.SECRETARIAT_EMAIL},
            size=9,
            space_after=8,
        )
        document.paragraph(_("The Secretariat"), bold=True)
        return document.output()
