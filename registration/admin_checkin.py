"""The secretariat's check-in desk, and the record of who came, in the admin.

The officer at the registration desk opens "Check participants in", chooses the meeting, and
reads each badge's QR code with the phone's or laptop's camera (where the browser can: see
static/js/checkin.js) or types the code printed under it. Every check-in goes through
registration.checkin; the answer says who was checked in, or why not, with the status code to match.

Attendances are shown, never added or changed by hand; a check-in recorded by mistake is undone by
an action that asks why (the history keeps the check-in and its removal).
"""

import datetime
from functools import partial

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import router, transaction
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from meetings.models import Meeting
from smepilot.admin_base import HistoryReadOnlyAdmin
from smepilot.headers import permissions_policy
from smepilot.text import ascii_id

from .admin import meeting_short_label
from .badges import CODE_MAX_LENGTH
from .checkin import UNDO_REASON_MAX_LENGTH, CheckInRefused, attendance_check_in, attendance_undo, checked_in_message
from .models import Attendance

CHECK_IN_PERMISSION = "registration.add_attendance"
CHECKED_IN_TAG = "checked-in"
# Meetings offered at the desk: those not ended, and those that ended a few days ago (a check-in
# typed from a paper list after the last day), the soonest first.
DESK_DAYS_AFTER = 7


class CheckInForm(forms.Form):
    code = forms.CharField(
        label=_("Check-in code"),
        max_length=CODE_MAX_LENGTH,
        help_text=_("Printed under the QR code on the badge, and in the participant's validation email."),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false", "autofocus": True}
        ),
    )


class UndoForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is this check-in undone?"),
        max_length=UNDO_REASON_MAX_LENGTH,
        widget=forms.TextInput(attrs={"size": 60}),
    )


def desk_meetings():
    ended_since = timezone.localdate() - datetime.timedelta(days=DESK_DAYS_AFTER)
    return Meeting.objects.filter(ends_on__gte=ended_since).select_related("study_group").order_by("starts_on", "pk")


@admin.register(Attendance)
class AttendanceAdmin(HistoryReadOnlyAdmin):
    list_display = ["participant_name", "sme_name", "meeting_label", "checked_in_time", "checked_in_by_name"]
    list_filter = ["registration__meeting"]
    list_select_related = [
        "registration__participant",
        "registration__sme",
        "registration__meeting__study_group",
        "checked_in_by",
    ]
    search_fields = ["registration__participant__given_name", "registration__participant__family_name"]
    fields = ["registration", "checked_in_at", "checked_in_by"]
    readonly_fields = fields
    show_full_result_count = False
    actions = ["undo_check_in"]
    change_list_template = "admin/registration/attendance/change_list.html"

    def has_add_permission(self, request):
        return False  # a check-in is made at the desk (check_in_view), from a badge's code

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # undone by the action, which asks why

    def has_check_in_permission(self, request):
        return request.user.has_perm(CHECK_IN_PERMISSION)

    def changelist_view(self, request, extra_context=None):
        extra = {"may_check_in": self.has_check_in_permission(request), **(extra_context or {})}
        return super().changelist_view(request, extra)

    @admin.display(description=_("participant"), ordering="registration__participant__family_name")
    def participant_name(self, obj):
        return obj.registration.participant.full_name

    @admin.display(description=_("SME"), ordering="registration__sme__name")
    def sme_name(self, obj):
        return obj.registration.sme.name

    @admin.display(description=_("meeting"), ordering="registration__meeting__starts_on")
    def meeting_label(self, obj):
        return meeting_short_label(obj.registration.meeting)

    @admin.display(description=_("checked in at"), ordering="checked_in_at")
    def checked_in_time(self, obj):
        return date_format(timezone.localtime(obj.checked_in_at), "DATETIME_FORMAT")

    @admin.display(description=_("checked in by"))
    def checked_in_by_name(self, obj):
        # Secretariat accounts carry their names (no participant profile): no query per row.
        user = obj.checked_in_by
        if user is None:
            return "—"
        return user.get_full_name().strip() or user.email

    @admin.action(description=_("Undo the selected check-ins"), permissions=["check_in"])
    def undo_check_in(self, request, queryset):
        attendances = list(queryset.select_related("registration__participant"))
        form = UndoForm(request.POST if request.POST.get("post") == "yes" else None)
        if form.is_bound and form.is_valid():
            with transaction.atomic(using=router.db_for_write(Attendance)):
                for attendance in attendances:
                    attendance_undo(attendance=attendance, undone_by=request.user, reason=form.cleaned_data["reason"])
            count = len(attendances)
            self.message_user(
                request,
                ngettext(
                    "%(count)d check-in undone; the history keeps it.",
                    "%(count)d check-ins undone; the history keeps them.",
                    count,
                )
                % {"count": count},
                messages.SUCCESS,
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": gettext("Undo check-ins"),
            "attendances": attendances,
            "selected_ids": [attendance.pk for attendance in attendances],
            "form": form,
            "action": "undo_check_in",
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/registration/attendance/undo.html", context)

    # --- The desk ------------------------------------------------------------------------------

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                "check-in/", view(partial(check_in_meeting_choice_view, model_admin=self)), name="registration_checkin"
            ),
            path(
                "check-in/<str:meeting_id>/",
                view(partial(check_in_view, model_admin=self)),
                name="registration_checkin_meeting",
            ),
            *super().get_urls(),
        ]


def _desk_allowed(request, model_admin):
    if not model_admin.has_check_in_permission(request):
        raise PermissionDenied


def _desk_context(request, model_admin, **extra):
    return {**model_admin.admin_site.each_context(request), "opts": model_admin.opts, **extra}


def check_in_meeting_choice_view(request, *, model_admin):
    """The meetings running now or soon: the officer chooses the one at whose desk they stand."""
    _desk_allowed(request, model_admin)
    context = _desk_context(
        request, model_admin, title=gettext("Check participants in"), meetings=list(desk_meetings())
    )
    return TemplateResponse(request, "admin/registration/attendance/check_in_choose.html", context)


def check_in_view(request, meeting_id, *, model_admin):
    """One meeting's desk: a code typed or read by the camera is checked in (POST), and the answer shown.

    A check-in redirects back here, where the message says who was checked in; a refusal answers
    at once with its status (400 for a code not made here or of another meeting, 409 for a
    registration already checked in, cancelled, rejected, not validated or remote).
    """
    _desk_allowed(request, model_admin)
    pk = ascii_id(meeting_id)
    meeting = Meeting.objects.select_related("study_group").filter(pk=pk).first() if pk is not None else None
    if meeting is None:
        raise Http404(gettext("This meeting does not exist."))
    status, refusal_message = 200, ""
    if request.method == "POST":
        form = CheckInForm(request.POST)
        if form.is_valid():
            try:
                attendance = attendance_check_in(
                    code=form.cleaned_data["code"], meeting=meeting, checked_in_by=request.user
                )
            except CheckInRefused as refusal:
                status, refusal_message = refusal.status, refusal.message
            else:
                # Sent back to the desk (a reload then checks no one in twice), which says who came.
                messages.success(request, checked_in_message(attendance), extra_tags=CHECKED_IN_TAG)
                return HttpResponseRedirect(request.path)
            form = CheckInForm()  # the next badge
        else:
            status = 400
            refusal_message = gettext("Type or scan the code printed under the badge's QR code.")
    elif request.method in ("GET", "HEAD"):
        form = CheckInForm()
    else:
        return HttpResponseNotAllowed(["GET", "HEAD", "POST"])
    context = _desk_context(
        request,
        model_admin,
        title=gettext("Check-in: %(meeting)s") % {"meeting": meeting_short_label(meeting)},
        meeting=meeting,
        form=form,
        outcome=refusal_message,
        choose_url=reverse("admin:registration_checkin"),
    )
    response = TemplateResponse(request, "admin/registration/attendance/check_in.html", context, status=status)
    # The one page that may use the camera, to read badges (every other page forbids it).
    response.headers["Permissions-Policy"] = permissions_policy(allow=("camera",))
    return response
