"""The secretariat's actions on registrations and SMEs in the admin.

- approve or reject a registration on behalf of an Administration: an intermediate page asks for
  the reason, and the focal-point service records the decision as taken by the secretariat on the
  Administration's behalf (``decided_on_behalf``), so it is never mistaken for the focal point's;
- confirm or refuse an SME's eligibility on behalf of an Administration, through the same page
  (``_decide_on_behalf``) and the service ``sme_eligibility_decide``;
- reopen a validated or rejected registration for a new decision (``registration_reopen``), through
  the same page: the secretariat's own act, with a reason the registrant and the focal points read;
- cancel a registration on its registrant's behalf (``registration_cancel``), with a reason the
  registrant reads;
- resend the focal-point emails of pending registrations;
- export the selected (or, with "select all", the filtered) registrations to CSV or XLSX;
- an "overdue" filter and column, using the focal-point selector's one definition of overdue.

The rules (who may be decided, what is sent) live in focalpoints.decisions and
focalpoints.notifications; this module only collects the input and reports each refusal.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.db.models import BooleanField, ExpressionWrapper
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, ngettext_lazy

from focalpoints.decisions import REOPEN_REASON_MAX_LENGTH, registration_reopen
from smepilot.text import validate_multiline

from .exports import registrations_csv_response, registrations_xlsx_response
from .models import ACTIVE_STATUSES, Eligibility, RegistrationStatus

# The confirmation page shows this many of the selected registrations, then "and N more".
CONFIRMATION_LIST_LIMIT = 50


def _overdue_condition():
    from focalpoints.selectors import overdue_condition

    return overdue_condition()


class OnBehalfDecisionForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        validators=[validate_multiline],
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        help_text=_(
            "Why the secretariat decides instead of the Administration's focal point (for example, the "
            "Administration's email of 3 April). It is kept with the decision; the registrant reads it "
            "if the registration is rejected."
        ),
        error_messages={
            "required": _("Give the reason for deciding on behalf of the Administration."),
        },
    )

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise ValidationError(_("Give the reason for deciding on behalf of the Administration."))
        return reason


def _error_text(error: ValidationError) -> str:
    return " ".join(str(message) for message in error.messages)


def _decide_on_behalf(
    modeladmin,
    request,
    queryset,
    *,
    action: str,
    decide,
    select_related: tuple[str, ...],
    title,
    decided_message,
    template: str,
    form_class=OnBehalfDecisionForm,
    extra_context: dict | None = None,
):
    """Ask for the reason on an intermediate page, then decide (or reopen) each selected object.

    ``decide(obj, decided_by=..., reason=...)`` calls the focal-point service, which holds the
    rule and raises ``ValidationError`` to refuse; each refusal is shown with its reason.
    ``decided_message`` is an ``ngettext_lazy(..., "count")`` string; ``action`` is the admin
    action's name, posted again by the page. The page lists at most ``CONFIRMATION_LIST_LIMIT``
    objects (``objects``, with ``select_related``), so its queries do not grow with the selection.
    """
    if request.POST.get("post") == "yes":
        form = form_class(request.POST)
        if form.is_valid():
            decided, refused = 0, []
            for obj in queryset.select_related(*select_related).order_by("pk"):
                try:
                    decide(obj, decided_by=request.user, reason=form.cleaned_data["reason"])
                except ValidationError as error:
                    text = _error_text(error)
                    # Name the object unless the service's message already does ("X was already …").
                    refused.append(text if str(obj) in text else f"{obj}: {text}")
                else:
                    decided += 1
            if decided:
                modeladmin.message_user(request, decided_message % {"count": decided}, messages.SUCCESS)
            for refusal in refused:
                modeladmin.message_user(request, refusal, messages.ERROR)
            return None  # back to the changelist, with the messages
    else:
        form = form_class()

    selected = list(queryset.select_related(*select_related)[:CONFIRMATION_LIST_LIMIT])
    total = queryset.count()
    context = {
        **modeladmin.admin_site.each_context(request),
        "opts": modeladmin.model._meta,
        "title": title,
        "action": action,
        "form": form,
        "objects": selected,
        "more": max(total - len(selected), 0),
        "total": total,
        "queryset": queryset,
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        "select_across": request.POST.get("select_across", "0"),
        "selected_ids": request.POST.getlist(helpers.ACTION_CHECKBOX_NAME),
        "media": modeladmin.media,
        **(extra_context or {}),
    }
    return TemplateResponse(request, template, context)


def _registrations_decide_on_behalf(modeladmin, request, queryset, *, approve: bool):
    from focalpoints.decisions import registration_decide

    def decide(registration, *, decided_by, reason):
        registration_decide(
            registration=registration, decided_by=decided_by, approve=approve, reason=reason, on_behalf=True
        )

    return _decide_on_behalf(
        modeladmin,
        request,
        queryset,
        action="approve_on_behalf" if approve else "reject_on_behalf",
        decide=decide,
        select_related=("participant", "sme__administration", "meeting"),
        title=_("Approve on behalf of the Administration") if approve else _("Reject on behalf of the Administration"),
        decided_message=ngettext_lazy(
            "%(count)d registration approved on behalf of the Administration.",
            "%(count)d registrations approved on behalf of the Administration.",
            "count",
        )
        if approve
        else ngettext_lazy(
            "%(count)d registration rejected on behalf of the Administration.",
            "%(count)d registrations rejected on behalf of the Administration.",
            "count",
        ),
        template="admin/registration/registration/decide_on_behalf.html",
        extra_context={"approve": approve, "pending": RegistrationStatus.PENDING},
    )


@admin.action(description=_("Approve on behalf of the Administration…"), permissions=["change"])
def approve_on_behalf(modeladmin, request, queryset):
    return _registrations_decide_on_behalf(modeladmin, request, queryset, approve=True)


@admin.action(description=_("Reject on behalf of the Administration…"), permissions=["change"])
def reject_on_behalf(modeladmin, request, queryset):
    return _registrations_decide_on_behalf(modeladmin, request, queryset, approve=False)


class ReopenForm(forms.Form):
    """The reason for reopening: required, and no longer than the history record keeps."""

    reason = forms.CharField(
        label=_("Reason"),
        max_length=REOPEN_REASON_MAX_LENGTH,
        validators=[validate_multiline],
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        error_messages={
            "required": _("Give the reason for reopening; the registrant and the focal points will read it."),
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].help_text = _(
            "Why the decision is reopened (for example, the Administration's email of 3 April asking to "
            "reconsider it), in %(limit)d characters at most. The registrant and the focal points read it, and it "
            "is kept in the registration's history."
        ) % {"limit": REOPEN_REASON_MAX_LENGTH}

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise ValidationError(
                _("Give the reason for reopening; the registrant and the focal points will read it.")
            )
        return reason


@admin.action(description=_("Reopen for a new decision…"), permissions=["change"])
def reopen_for_new_decision(modeladmin, request, queryset):
    """Put the selected validated or rejected registrations back to pending, for a new decision.

    The service (``registration_reopen``) holds the rules and tells the registrant and the focal
    points; each registration it refuses is listed with the reason.
    """

    def reopen(registration, *, decided_by, reason):
        registration_reopen(registration=registration, reopened_by=decided_by, reason=reason)

    return _decide_on_behalf(
        modeladmin,
        request,
        queryset,
        action="reopen_for_new_decision",
        decide=reopen,
        select_related=("participant", "sme__administration", "meeting"),
        title=_("Reopen for a new decision"),
        decided_message=ngettext_lazy(
            "%(count)d registration reopened for a new decision; its registrant and the focal points are told "
            "by email.",
            "%(count)d registrations reopened for a new decision; their registrants and the focal points are told "
            "by email.",
            "count",
        ),
        template="admin/registration/registration/reopen.html",
        form_class=ReopenForm,
        extra_context={
            "decided_statuses": [RegistrationStatus.VALIDATED, RegistrationStatus.REJECTED],
            "today": timezone.localdate(),
        },
    )


class CancelForm(ReopenForm):
    """The reason for cancelling: required, and no longer than the history record keeps."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].error_messages["required"] = _(
            "Give the reason for cancelling; the registrant reads it."
        )
        self.fields["reason"].help_text = _(
            "Why the secretariat cancels the registration (for example, the registrant's email of 3 April), in "
            "%(limit)d characters at most. The registrant reads it, and it is kept in the registration's history."
        ) % {"limit": REOPEN_REASON_MAX_LENGTH}

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise ValidationError(_("Give the reason for cancelling; the registrant reads it."))
        return reason


@admin.action(description=_("Cancel on the registrant's behalf…"), permissions=["change"])
def cancel_on_behalf(modeladmin, request, queryset):
    """Cancel the selected registrations; the service (``registration_cancel``) holds the rules and
    tells the registrant (and the focal points, for a validated one)."""
    from .services import registration_cancel

    def cancel(registration, *, decided_by, reason):
        registration_cancel(registration=registration, cancelled_by=decided_by, reason=reason)

    return _decide_on_behalf(
        modeladmin,
        request,
        queryset,
        action="cancel_on_behalf",
        decide=cancel,
        select_related=("participant", "sme__administration", "meeting"),
        title=_("Cancel on the registrant's behalf"),
        decided_message=ngettext_lazy(
            "%(count)d registration cancelled; its registrant is told by email.",
            "%(count)d registrations cancelled; their registrants are told by email.",
            "count",
        ),
        template="admin/registration/registration/cancel.html",
        form_class=CancelForm,
        extra_context={"active_statuses": list(ACTIVE_STATUSES), "today": timezone.localdate()},
    )


class SMEOnBehalfDecisionForm(OnBehalfDecisionForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].help_text = _(
            "Why the secretariat decides instead of the Administration's focal point (for example, the "
            "Administration's email of 3 April). It is kept with the decision; if the SME is refused, its "
            "representatives read it, and so does each registrant whose pending registration is rejected."
        )


def _smes_decide_on_behalf(modeladmin, request, queryset, *, confirm: bool):
    from focalpoints.decisions import sme_eligibility_decide

    def decide(sme, *, decided_by, reason):
        sme_eligibility_decide(sme=sme, decided_by=decided_by, confirm=confirm, reason=reason, on_behalf=True)

    return _decide_on_behalf(
        modeladmin,
        request,
        queryset,
        action="confirm_eligibility_on_behalf" if confirm else "refuse_eligibility_on_behalf",
        decide=decide,
        select_related=("administration",),
        title=_("Confirm eligibility on behalf of the Administration")
        if confirm
        else _("Refuse eligibility on behalf of the Administration"),
        decided_message=ngettext_lazy(
            "Eligibility confirmed on behalf of the Administration for %(count)d SME.",
            "Eligibility confirmed on behalf of the Administration for %(count)d SMEs.",
            "count",
        )
        if confirm
        else ngettext_lazy(
            "Eligibility refused on behalf of the Administration for %(count)d SME.",
            "Eligibility refused on behalf of the Administration for %(count)d SMEs.",
            "count",
        ),
        template="admin/registration/sme/decide_on_behalf.html",
        form_class=SMEOnBehalfDecisionForm,
        extra_context={"confirm": confirm, "pending": Eligibility.PENDING},
    )


@admin.action(description=_("Confirm eligibility on behalf of the Administration…"), permissions=["change"])
def confirm_eligibility_on_behalf(modeladmin, request, queryset):
    """Confirm that the selected pending SMEs meet the national criteria (terms of reference, point 4)."""
    return _smes_decide_on_behalf(modeladmin, request, queryset, confirm=True)


@admin.action(description=_("Refuse eligibility on behalf of the Administration…"), permissions=["change"])
def refuse_eligibility_on_behalf(modeladmin, request, queryset):
    """Refuse the selected pending SMEs; the service rejects their pending registrations and tells the registrants."""
    return _smes_decide_on_behalf(modeladmin, request, queryset, confirm=False)


@admin.action(description=_("Resend the focal-point emails"), permissions=["change"])
def resend_focal_point_emails(modeladmin, request, queryset):
    """Queue the validation emails again for the selected pending registrations."""
    from focalpoints.notifications import focal_point_notification_resend

    resent, emails, skipped, refused = 0, 0, 0, []
    for registration in queryset.select_related("participant", "sme__administration", "meeting").order_by("pk"):
        try:
            emails += focal_point_notification_resend(registration=registration) or 0
        except ValidationError as error:
            # The service decides what may be resent; a registration already decided or
            # cancelled is only counted, any other refusal is shown with its reason.
            if error.code == "not_pending":
                skipped += 1
            else:
                refused.append(f"{registration}: {_error_text(error)}")
        else:
            resent += 1
    if resent:
        modeladmin.message_user(
            request,
            # Two counts, two plurals: one sentence each, so that every language can agree them.
            ngettext(
                "The focal points were emailed again about %(count)d registration.",
                "The focal points were emailed again about %(count)d registrations.",
                resent,
            )
            % {"count": resent}
            + " "
            + ngettext("%(emails)d email is queued.", "%(emails)d emails are queued.", emails) % {"emails": emails},
            messages.SUCCESS,
        )
    if skipped:
        modeladmin.message_user(
            request,
            ngettext(
                "%(count)d registration was skipped: it is no longer pending validation.",
                "%(count)d registrations were skipped: they are no longer pending validation.",
                skipped,
            )
            % {"count": skipped},
            messages.WARNING,
        )
    for refusal in refused:
        modeladmin.message_user(request, refusal, messages.ERROR)


@admin.action(description=_("Export to CSV"), permissions=["view"])
def export_csv(modeladmin, request, queryset):
    return registrations_csv_response(queryset=queryset)


@admin.action(description=_("Export to Excel (XLSX)"), permissions=["view"])
def export_xlsx(modeladmin, request, queryset):
    return registrations_xlsx_response(queryset=queryset)


class OverdueListFilter(admin.SimpleListFilter):
    title = _("overdue")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", _("Overdue")), ("no", _("Not overdue"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(_overdue_condition())
        if self.value() == "no":
            return queryset.exclude(_overdue_condition())
        return queryset


class RegistrationActionsAdminMixin:
    """Adds the secretariat's actions, the overdue column and the overdue filter to RegistrationAdmin."""

    actions = [
        approve_on_behalf,
        reject_on_behalf,
        reopen_for_new_decision,
        cancel_on_behalf,
        resend_focal_point_emails,
        export_csv,
        export_xlsx,
    ]

    def get_queryset(self, request):
        # The row's own columns, in the same query: no query per row, and no subquery that PostgreSQL
        # would answer by reading every pending registration (22 ms of the page at 100,000).
        is_overdue = ExpressionWrapper(_overdue_condition(), output_field=BooleanField())
        return super().get_queryset(request).annotate(is_overdue=is_overdue)

    def get_list_display(self, request):
        return [*super().get_list_display(request), "overdue"]

    def get_list_filter(self, request):
        return [OverdueListFilter, *super().get_list_filter(request)]

    @admin.display(description=_("overdue"), boolean=True, ordering="is_overdue")
    def overdue(self, obj):
        return getattr(obj, "is_overdue", None)
