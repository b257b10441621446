"""The secretariat's visa support letter requests: issue or refuse each through registration.visas, and
verify a letter by its reference (the list's search reads "vl 7kq4 m2xp" as VL-7KQ4-M2XP).

A request is never added, edited or deleted here: the person asks on the site, the secretariat answers
with the actions. Its passport details are shown read-only, for checking before the letter is issued,
are never exported (the list offers no export) and are never in its history (the model excludes them).
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, ngettext_lazy

from smepilot.admin_base import HistoryReadOnlyAdmin, PlainActionCheckboxMixin
from smepilot.text import validate_multiline

from . import visas
from .admin_actions import _decide_on_behalf, _error_text
from .models import PASSPORT_FIELDS, VisaLetterRequest


class VisaRefusalForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        validators=[validate_multiline],
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        help_text=_("The person reads it in their email and in “My registrations”."),
        error_messages={"required": _("Give the reason for the refusal; the person will read it.")},
    )


@admin.action(description=_("Issue the visa support letter (emailed as a PDF)"), permissions=["change"])
def issue_visa_letters(modeladmin, request, queryset):
    issued, refused = 0, []
    for visa_request in queryset.select_related("registration__participant").order_by("pk"):
        try:
            visas.visa_letter_issue(visa_request=visa_request, issued_by=request.user)
        except ValidationError as error:
            refused.append(f"{visa_request}: {_error_text(error)}")
        else:
            issued += 1
    if issued:
        modeladmin.message_user(
            request,
            ngettext("%(count)d letter issued and emailed.", "%(count)d letters issued and emailed.", issued)
            % {"count": issued},
            messages.SUCCESS,
        )
    for refusal in refused:
        modeladmin.message_user(request, refusal, messages.ERROR)


@admin.action(description=_("Refuse the request…"), permissions=["change"])
def refuse_visa_requests(modeladmin, request, queryset):
    def decide(visa_request, *, decided_by, reason):
        visas.visa_letter_refuse(visa_request=visa_request, refused_by=decided_by, reason=reason)

    return _decide_on_behalf(
        modeladmin,
        request,
        queryset,
        action="refuse_visa_requests",
        decide=decide,
        select_related=("registration__participant", "registration__meeting"),
        title=_("Refuse visa support letter requests"),
        decided_message=ngettext_lazy("%(count)d request refused.", "%(count)d requests refused.", "count"),
        template="admin/registration/visaletterrequest/refuse.html",
        form_class=VisaRefusalForm,
    )


@admin.register(VisaLetterRequest)
class VisaLetterRequestAdmin(PlainActionCheckboxMixin, HistoryReadOnlyAdmin):
    list_display = ["reference", "participant_name", "meeting_label", "status", "created_at", "decided_at"]
    list_filter = ["status", "registration__meeting"]
    list_select_related = ["registration__participant", "registration__meeting__study_group"]
    search_fields = ["=reference", "registration__participant__family_name", "registration__participant__given_name"]
    actions = [issue_visa_letters, refuse_visa_requests]
    fieldsets = [
        (None, {"fields": ["reference", "status", "registration", "participant_name", "meeting_label"]}),
        (_("Passport"), {"fields": [*PASSPORT_FIELDS, "passport_erased_at"]}),
        (_("Decision"), {"fields": ["language", "decided_by", "decided_at", "refusal_reason"]}),
        (_("Audit"), {"fields": ["created_at", "updated_at"]}),
    ]
    readonly_fields = [name for _title, options in fieldsets for name in options["fields"]]

    @admin.display(description=_("participant"), ordering="registration__participant__family_name")
    def participant_name(self, obj):
        return obj.registration.participant.full_name

    @admin.display(description=_("meeting"))
    def meeting_label(self, obj):
        return str(obj.registration.meeting)

    def get_search_results(self, request, queryset, search_term):
        # A reference as the consulate or the person wrote it: any case, spaces or dashes.
        reference = visas.reference_normalised(search_term)
        return super().get_search_results(request, queryset, reference or search_term)

    def has_add_permission(self, request):
        return False  # the person asks on the site, where the passport details are given

    def has_change_permission(self, request, obj=None):
        # Read-only page; the actions (issue, refuse) need the change permission, asked without an object.
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False  # the reference stays verifiable; the purge erases the passport details
