"""A meeting's participant list, badges and attendance sheet, in the admin.

Terms of reference, point 3: SMEs take part "with the exception of any role in decision-making".
Everyone on these lists registered through the SME pilot, so every row and every badge carries
the "SME pilot — no decision-making role" marker; the chair and the secretariat can see at a
glance who must not be given the floor for a decision or a leadership role.

MeetingAdmin mixes ``MeetingParticipantsAdminMixin`` in; the pages need the view permission on
meetings and on registrations (the Secretariat group has both).
"""

from functools import partial

from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext as _

from registration.badges import check_in_code, qr_data_uri
from registration.exports import SME_MARKER
from registration.models import AttendanceMode, Registration, RegistrationStatus
from smepilot.text import ascii_id

from .rules import sme_representatives

LIST_STATUSES = (RegistrationStatus.VALIDATED, RegistrationStatus.PENDING)


def meeting_participants(*, meeting, statuses=LIST_STATUSES, attendance_mode=None, pks=None):
    """The meeting's registrations in one query, each with ``is_sme_representative`` set.

    The registration itself is made for an SME; the flag also asks meetings.rules, so that a
    person who represents an SME is marked whatever the registration says.
    """
    registrations = (
        Registration.objects.filter(meeting=meeting, status__in=statuses)
        .select_related("participant__user", "sme__administration")
        .annotate(represents_sme=Exists(sme_representatives().filter(pk=OuterRef("participant__user_id"))))
        .order_by("participant__family_name", "participant__given_name", "pk")
    )
    if attendance_mode:
        registrations = registrations.filter(attendance_mode=attendance_mode)
    if pks is not None:
        registrations = registrations.filter(pk__in=pks)
    registrations = list(registrations)
    for registration in registrations:
        registration.is_sme_representative = bool(registration.sme_id or registration.represents_sme)
    return registrations


def _meeting_or_denied(request, object_id, model_admin):
    meeting = model_admin.get_object(request, unquote(object_id))
    if meeting is None:
        raise Http404(_("This meeting does not exist."))
    if not (
        model_admin.has_view_permission(request, meeting) and request.user.has_perm("registration.view_registration")
    ):
        raise PermissionDenied
    return meeting


def _context(request, model_admin, meeting, title, **extra):
    return {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "original": meeting,
        "meeting": meeting,
        "title": title,
        "sme_marker": SME_MARKER,
        **extra,
    }


def meeting_participants_view(request, object_id, *, model_admin):
    meeting = _meeting_or_denied(request, object_id, model_admin)
    registrations = meeting_participants(meeting=meeting)
    context = _context(
        request,
        model_admin,
        meeting,
        _("Participants: %(meeting)s") % {"meeting": meeting},
        registrations=registrations,
        validated_count=sum(1 for r in registrations if r.status == RegistrationStatus.VALIDATED),
        pending_count=sum(1 for r in registrations if r.status == RegistrationStatus.PENDING),
    )
    return TemplateResponse(request, "meetings/participants.html", context)


def _with_check_in_codes(registrations):
    for registration in registrations:
        registration.check_in_code = check_in_code(registration)
        registration.check_in_qr = qr_data_uri(registration.check_in_code)
    return registrations


def meeting_badges_view(request, object_id, *, model_admin):
    """Printable badges for the validated in-person participants, each with its check-in QR code."""
    meeting = _meeting_or_denied(request, object_id, model_admin)
    registrations = meeting_participants(
        meeting=meeting, statuses=[RegistrationStatus.VALIDATED], attendance_mode=AttendanceMode.IN_PERSON
    )
    context = _context(
        request,
        model_admin,
        meeting,
        _("Badges: %(meeting)s") % {"meeting": meeting},
        registrations=_with_check_in_codes(registrations),
    )
    return TemplateResponse(request, "meetings/participants_badges.html", context)


def meeting_badge_view(request, object_id, registration_id, *, model_admin):
    """One participant's badge, to print again (a lost badge, a late validation)."""
    meeting = _meeting_or_denied(request, object_id, model_admin)
    pk = ascii_id(registration_id)
    registrations = meeting_participants(
        meeting=meeting,
        statuses=[RegistrationStatus.VALIDATED],
        attendance_mode=AttendanceMode.IN_PERSON,
        pks=[pk] if pk is not None else [],
    )
    if not registrations:
        raise Http404(_("No validated in-person registration of this meeting has this number."))
    context = _context(
        request,
        model_admin,
        meeting,
        _("Badge: %(name)s") % {"name": registrations[0].participant.full_name},
        registrations=_with_check_in_codes(registrations),
    )
    return TemplateResponse(request, "meetings/participants_badges.html", context)


def meeting_attendance_sheet_view(request, object_id, *, model_admin):
    """A printable attendance (sign-in) sheet of the validated participants, in person and remote."""
    meeting = _meeting_or_denied(request, object_id, model_admin)
    registrations = meeting_participants(meeting=meeting, statuses=[RegistrationStatus.VALIDATED])
    context = _context(
        request,
        model_admin,
        meeting,
        _("Attendance list: %(meeting)s") % {"meeting": meeting},
        registrations=registrations,
    )
    return TemplateResponse(request, "meetings/participants_attendance.html", context)


class MeetingParticipantsAdminMixin:
    """Adds Participants, Badges and Attendance list pages (and their links) to MeetingAdmin."""

    change_form_template = "admin/meetings/meeting/participants_change_form.html"

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        view = self.admin_site.admin_view
        return [
            path(
                "<path:object_id>/participants/",
                view(partial(meeting_participants_view, model_admin=self)),
                name="{}_{}_participants".format(*info),
            ),
            path(
                "<path:object_id>/participants/badges/",
                view(partial(meeting_badges_view, model_admin=self)),
                name="{}_{}_badges".format(*info),
            ),
            path(
                "<path:object_id>/participants/badges/<str:registration_id>/",
                view(partial(meeting_badge_view, model_admin=self)),
                name="{}_{}_badge".format(*info),
            ),
            path(
                "<path:object_id>/participants/attendance/",
                view(partial(meeting_attendance_sheet_view, model_admin=self)),
                name="{}_{}_attendance_sheet".format(*info),
            ),
            *super().get_urls(),
        ]
