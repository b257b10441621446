"""Forms of the representative's journey. They collect input; the rules are in registration.services."""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse_lazy
from django.utils.functional import lazy
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import get_language_info
from django.utils.translation import gettext_lazy as _

from focalpoints.models import Administration
from focalpoints.selectors import administrations_by_name
from smepilot.l10n import currency_choices, is_current_currency
from smepilot.text import INTEGER_MAX, validate_multiline, validate_one_line

from .models import SME, AttendanceMode, ListConsent

LIST_CONSENT_HELP = _(
    "Your name, SME and country, marked as an SME participant. Not listed unless you choose; you can change "
    "this later from the list of your registrations."
)


def list_consent_field():
    return forms.ChoiceField(
        label=_("Appear in the meeting's list of participants?"),
        choices=ListConsent.choices,
        initial=ListConsent.NOT_LISTED,
        widget=forms.RadioSelect,
        help_text=LIST_CONSENT_HELP,
        error_messages={"required": _("Choose whether and to whom you appear in the list of participants.")},
    )


# The label links to the notice; rendered lazily so the translation and the URL resolve per request.
format_html_lazy = lazy(format_html, SafeString)

# One sentence for translators (word order differs between languages), the link inside it.
PRIVACY_CONSENT_LABEL = format_html_lazy(
    _('I have read and accept the <a href="{url}">privacy notice</a>'),
    url=reverse_lazy("registration:privacy"),
)


def errors_to_form(form: forms.Form, error: ValidationError) -> None:
    """Put a service's refusal on the form: beside its field when keyed by one, else at the top."""
    if hasattr(error, "error_dict"):
        for field, field_errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, field_errors)
    else:
        form.add_error(None, error.messages)


class SignupForm(forms.Form):
    """Extra fields on allauth's sign-up form (ACCOUNT_SIGNUP_FORM_CLASS): names and privacy consent."""

    given_name = forms.CharField(
        label=_("Given name"),
        max_length=150,
        validators=[validate_one_line],
        widget=forms.TextInput({"autocomplete": "given-name"}),
    )
    family_name = forms.CharField(
        label=_("Family name"),
        max_length=150,
        validators=[validate_one_line],
        widget=forms.TextInput({"autocomplete": "family-name"}),
    )
    privacy_consent = forms.BooleanField(
        label=PRIVACY_CONSENT_LABEL,
        required=True,
        error_messages={"required": _("Accept the privacy notice to create an account.")},
    )

    def signup(self, request, user):
        from .services import profile_create_at_signup

        profile_create_at_signup(
            user=user,
            given_name=self.cleaned_data["given_name"],
            family_name=self.cleaned_data["family_name"],
            privacy_consent=self.cleaned_data["privacy_consent"],
        )


class AdministrationsByNameIterator(forms.models.ModelChoiceIterator):
    """The Administrations in the order of their country's name in the reader's language, at each rendering."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for administration in administrations_by_name(self.queryset):
            yield self.choice(administration)


class AdministrationChoiceField(forms.ModelChoiceField):
    iterator = AdministrationsByNameIterator


class CurrencyField(forms.ChoiceField):
    """A currency in use, chosen from its ISO 4217 code and its name in the reader's language.

    A code posted in small letters is read in capitals; anything else (a symbol, a name, a
    withdrawn currency) gets a message beside the field, never shortened to three characters.
    """

    default_error_messages = {
        "required": _("Choose the currency of the annual revenue."),
        "invalid_choice": _(
            "“%(value)s” is not the code of a currency in use (ISO 4217). Choose the currency from the list."
        ),
    }

    def __init__(self, *, kept: str = "", **kwargs):
        # ``kept``: the code an SME was saved with, still accepted if withdrawn since (as the services do).
        self.kept = kept
        super().__init__(choices=self._choices_now, **kwargs)

    def _choices_now(self):
        choices = currency_choices()
        if self.kept and self.kept not in dict(choices):
            choices = [(self.kept, self.kept), *choices]
        return [("", _("Choose the currency")), *choices]

    def valid_value(self, value):
        code = str(value).strip().upper()
        return code == self.kept or is_current_currency(code)

    def clean(self, value):
        return super().clean(value).strip().upper()


class LanguageSelect(forms.Select):
    """Each language in its own name, marked with its code (``lang``) so that a screen reader reads it
    in that language: "العربيّة", "français", as the footer's switcher offers them."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex=subindex, attrs=attrs)
        if value:
            option["attrs"]["lang"] = value
        return option


def language_choices():
    return [(code, get_language_info(code)["name_local"]) for code, _name in settings.LANGUAGES]


class ProfileForm(forms.Form):
    given_name = forms.CharField(label=_("Given name"), max_length=150, validators=[validate_one_line])
    family_name = forms.CharField(label=_("Family name"), max_length=150, validators=[validate_one_line])
    job_title = forms.CharField(label=_("Job title"), max_length=200, required=False, validators=[validate_one_line])
    administration = AdministrationChoiceField(
        label=_("Country"),
        queryset=Administration.objects.filter(in_pilot=True),
        help_text=_("Only the countries whose Administration takes part in the pilot are listed."),
        empty_label=_("Choose your country"),
    )
    language = forms.ChoiceField(
        label=_("Language for the site and emails"),
        choices=language_choices,
        # Not posted (an old page, a script): the stored language stays as it is.
        required=False,
        widget=LanguageSelect,
    )
    privacy_consent = forms.BooleanField(label=PRIVACY_CONSENT_LABEL, required=False)

    def __init__(self, *args, needs_consent: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not needs_consent:
            del self.fields["privacy_consent"]


class SMEChooseForm(forms.Form):
    sme = forms.ModelChoiceField(label=_("Your SME"), queryset=SME.objects.none(), empty_label=_("Choose your SME"))

    def __init__(self, *args, administration: Administration, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sme"].queryset = SME.objects.filter(administration=administration).order_by("name")
        self.fields["sme"].label_from_instance = lambda sme: f"{sme.name} — {sme.get_eligibility_display()}"


class SMEDeclareForm(forms.Form):
    name = forms.CharField(label=_("Company name"), max_length=200, validators=[validate_one_line])
    employees = forms.IntegerField(label=_("Number of employees"), min_value=1, max_value=INTEGER_MAX)
    annual_revenue = forms.DecimalField(label=_("Annual revenue"), max_digits=16, decimal_places=2, min_value=0)
    revenue_currency = CurrencyField(label=_("Currency"), help_text=_("The currency of the annual revenue."))
    website = forms.URLField(label=_("Website"), required=False, assume_scheme="https")
    address = forms.CharField(label=_("Address"), validators=[validate_multiline], widget=forms.Textarea({"rows": 3}))


class RegistrationForm(forms.Form):
    """One checkbox and one attendance choice per meeting, all sent in one POST.

    Fields exist for every listed meeting, so that a stale page (a window that closed since it
    was loaded) reaches the service and gets its explanation rather than being silently ignored.
    """

    def __init__(self, *args, meetings, **kwargs):
        super().__init__(*args, **kwargs)
        self.meetings = list(meetings)
        for meeting in self.meetings:
            self.fields[f"meeting_{meeting.pk}"] = forms.BooleanField(label=meeting.title, required=False)
            self.fields[f"attendance_{meeting.pk}"] = forms.ChoiceField(
                label=_("Attendance"),
                choices=AttendanceMode.choices,
                initial=AttendanceMode.IN_PERSON,
                required=False,
                widget=forms.RadioSelect,
            )
        self.fields["list_consent"] = list_consent_field()
        if self.is_bound:
            # A page sent back with an error keeps "in person" chosen where nothing was posted.
            self.data = self.data.copy()
            for meeting in self.meetings:
                self.data.setdefault(f"attendance_{meeting.pk}", AttendanceMode.IN_PERSON)
            # Not listed unless the person chose otherwise.
            self.data.setdefault("list_consent", ListConsent.NOT_LISTED)

    def choices(self):
        return [
            (meeting, self.cleaned_data.get(f"attendance_{meeting.pk}") or AttendanceMode.IN_PERSON)
            for meeting in self.meetings
            if self.cleaned_data.get(f"meeting_{meeting.pk}")
        ]

    def rows(self):
        return [
            (meeting, self[f"meeting_{meeting.pk}"], self[f"attendance_{meeting.pk}"]) for meeting in self.meetings
        ]


class AccountCloseForm(forms.Form):
    """The account's password, asked again before closing it (accounts without one reauthenticate with allauth)."""

    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput({"autocomplete": "current-password"}),
        help_text=_("To be sure it is you."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if not user.has_usable_password():
            del self.fields["password"]

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise ValidationError(
                _("That is not your password. Your account is not closed; enter your password again."),
                code="wrong_password",
            )
        return password


def _nationality_choices():
    from django_countries import countries

    return [("", _("Choose a nationality")), *countries]  # in the reader's language, at each rendering


class PassportDateInput(forms.DateInput):
    """The browser's date picker; its value is an ISO date, the format HTML's date input reads and sends."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class VisaLetterRequestForm(forms.Form):
    """The passport details a visa support letter needs, and nothing more (registration.visas)."""

    passport_name = forms.CharField(
        label=_("Name as written in your passport"),
        max_length=200,
        validators=[validate_one_line],
        widget=forms.TextInput({"autocomplete": "name"}),
    )
    nationality = forms.ChoiceField(label=_("Nationality"), choices=_nationality_choices)
    passport_number = forms.CharField(label=_("Passport number"), max_length=30)
    date_of_birth = forms.DateField(label=_("Date of birth"), widget=PassportDateInput({"autocomplete": "bday"}))
    passport_issued_on = forms.DateField(label=_("Date of issue"), widget=PassportDateInput())
    passport_expires_on = forms.DateField(label=_("Date of expiry"), widget=PassportDateInput())


class ListConsentForm(forms.Form):
    list_consent = list_consent_field()
