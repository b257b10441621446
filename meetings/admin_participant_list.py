"""The secretariat's exports of a meeting's list of participants (PDF and XLSX), in the admin.

They hold the list as the meeting's participants see it: every validated participant who chose to
appear at least to them, each marked as an SME participant (terms of reference, point 3); never
someone who did not consent (registration.participant_lists). MeetingAdmin mixes
``MeetingParticipantListExportsAdminMixin`` in; the files need the view permission on meetings and
registrations, as the meeting's other participant pages.
"""

from functools import partial

from django.http import HttpResponse
from django.urls import path
from django.utils import timezone, translation

from registration.exports import XLSX_CONTENT_TYPE
from registration.participant_lists import participant_list_pdf, participant_list_xlsx

from .admin_participants import _meeting_or_denied


def _attachment(content: bytes, *, content_type: str, meeting, extension: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="participants-{meeting.pk}-{stamp}.{extension}"'
    return response


def participant_list_pdf_view(request, object_id, *, model_admin):
    meeting = _meeting_or_denied(request, object_id, model_admin)
    content = participant_list_pdf(meeting=meeting, language=translation.get_language())
    return _attachment(content, content_type="application/pdf", meeting=meeting, extension="pdf")


def participant_list_xlsx_view(request, object_id, *, model_admin):
    meeting = _meeting_or_denied(request, object_id, model_admin)
    return _attachment(
        participant_list_xlsx(meeting=meeting), content_type=XLSX_CONTENT_TYPE, meeting=meeting, extension="xlsx"
    )


class MeetingParticipantListExportsAdminMixin:
    """Adds the list of participants' PDF and XLSX files to MeetingAdmin."""

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        view = self.admin_site.admin_view
        return [
            path(
                "<path:object_id>/participant-list.pdf",
                view(partial(participant_list_pdf_view, model_admin=self)),
                name="{}_{}_participant_list_pdf".format(*info),
            ),
            path(
                "<path:object_id>/participant-list.xlsx",
                view(partial(participant_list_xlsx_view, model_admin=self)),
                name="{}_{}_participant_list_xlsx".format(*info),
            ),
            *super().get_urls(),
        ]
