"""Forms of the focal-point pages. They collect input; the rules are in focalpoints.decisions."""

from django import forms
from django.utils.translation import gettext_lazy as _

from registration.forms import errors_to_form
from smepilot.text import BIG_INTEGER_MAX, validate_multiline

__all__ = ["DecisionForm", "SMEDecisionForm", "errors_to_form"]

APPROVE = "approve"
REJECT = "reject"
CONFIRM = "confirm"
REFUSE = "refuse"


class DecisionForm(forms.Form):
    """Approve or reject one registration. Two forms on the page share it: the reason is only read
    (and required, by the service) when rejecting."""

    decision = forms.ChoiceField(choices=[(APPROVE, _("Approve")), (REJECT, _("Reject"))], widget=forms.HiddenInput)
    registration = forms.IntegerField(min_value=1, max_value=BIG_INTEGER_MAX, widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("Reason for the rejection"),
        required=False,
        max_length=2000,
        validators=[validate_multiline],
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required to reject. The registrant reads it in the email telling them the decision."),
    )


class SMEDecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[(CONFIRM, _("Confirm")), (REFUSE, _("Refuse"))], widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("Reason for the refusal"),
        required=False,
        max_length=2000,
        validators=[validate_multiline],
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Required to refuse: which national criterion (size, annual revenue…) the SME does not meet. "
            "Its representatives read it, and their pending registrations are rejected with it."
        ),
    )
