"""Forms of the focal-point pages. They collect input; the rules are in focalpoints.decisions."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from registration.forms import errors_to_form
from smepilot.text import BIG_INTEGER_MAX, validate_multiline, validate_one_line

__all__ = ["DecisionForm", "DeputyForm", "SMEDecisionForm", "errors_to_form"]

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


# The value of an HTML date input is always year-month-day (HTML, "valid date string"), whatever the
# language: a machine format, shown to people by the browser in their own.
HTML_DATE_INPUT = "%Y-%m-%d"


class DeputyForm(forms.Form):
    """Name a deputy: who (a name and an email address), for which days, in which language they read."""

    name = forms.CharField(label=_("Deputy's name"), max_length=200, validators=[validate_one_line])
    email = forms.EmailField(
        label=_("Deputy's email"),
        help_text=_(
            "Another person's address. Once the secretariat confirms the deputy, they sign in with it (an account "
            "is made for it if there is none, and they are told by email)."
        ),
    )
    starts_on = forms.DateField(
        label=_("First day"), widget=forms.DateInput(attrs={"type": "date"}, format=HTML_DATE_INPUT)
    )
    ends_on = forms.DateField(
        label=_("Last day"), widget=forms.DateInput(attrs={"type": "date"}, format=HTML_DATE_INPUT)
    )
    language = forms.ChoiceField(
        label=_("Language of the deputy's emails"), choices=settings.LANGUAGES, initial=settings.LANGUAGE_CODE
    )
    focal_point = forms.TypedChoiceField(
        label=_("Deputy for"), coerce=int, help_text=_("You are a focal point of more than one Administration.")
    )

    def __init__(self, *args, focal_points, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["focal_point"].choices = [(fp.pk, str(fp.administration)) for fp in focal_points]
        if len(focal_points) == 1:
            self.fields["focal_point"].widget = forms.HiddenInput()
            self.fields["focal_point"].initial = focal_points[0].pk
