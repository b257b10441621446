"""The secretariat's view of outgoing email: read-only, with "Resend" for failed messages."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models import OutgoingMessage
from .services import SECRET_TEMPLATE_PREFIXES, outgoing_message_requeue


@admin.register(OutgoingMessage)
class OutgoingMessageAdmin(admin.ModelAdmin):
    list_display = ["created_at", "status", "to", "subject", "template", "attempts", "sent_at", "last_error_short"]
    list_filter = ["status", "template", "language", "created_at"]
    search_fields = ["to", "subject", "template"]
    date_hierarchy = "created_at"
    ordering = ["-created_at"]
    actions = ["resend"]
    list_per_page = 100
    fields = [
        "to",
        "subject",
        "template",
        "language",
        "status",
        "attempts",
        "last_error",
        "created_at",
        "updated_at",
        "next_attempt_at",
        "sent_at",
        "body_text_shown",
        "body_html_shown",
        "attachment_names",
    ]
    readonly_fields = fields

    # Read-only: rows are written by the outbox alone. Changing them means resending.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_resend_permission(self, request):
        return request.user.has_perm("outbox.change_outgoingmessage")

    @admin.display(description=_("last error"))
    def last_error_short(self, obj):
        return obj.last_error[:120]

    def _body_hidden(self, obj):
        # Sign-in codes and reset links must not be readable by staff (services.py).
        return obj.template.startswith(SECRET_TEMPLATE_PREFIXES)

    @admin.display(description=_("text body"))
    def body_text_shown(self, obj):
        return _("(hidden: contains a one-time sign-in secret)") if self._body_hidden(obj) else obj.body_text

    @admin.display(description=_("HTML body (source)"))
    def body_html_shown(self, obj):
        return _("(hidden: contains a one-time sign-in secret)") if self._body_hidden(obj) else obj.body_html

    @admin.display(description=_("attachments"))
    def attachment_names(self, obj):
        return ", ".join(attachment.get("filename", "?") for attachment in obj.attachments) or "—"

    @admin.action(description=_("Resend the selected failed messages"), permissions=["resend"])
    def resend(self, request, queryset):
        requeued = skipped = 0
        for message in queryset:
            try:
                outgoing_message_requeue(message=message)
            except ValidationError:
                skipped += 1
            else:
                requeued += 1
        if requeued:
            self.message_user(
                request,
                ngettext(
                    "%(count)d message was queued to be sent again.",
                    "%(count)d messages were queued to be sent again.",
                    requeued,
                )
                % {"count": requeued},
                messages.SUCCESS,
            )
        if skipped:
            self.message_user(
                request,
                ngettext(
                    "%(count)d message was skipped: only failed messages can be resent.",
                    "%(count)d messages were skipped: only failed messages can be resent.",
                    skipped,
                )
                % {"count": skipped},
                messages.WARNING,
            )
