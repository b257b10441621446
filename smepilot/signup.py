"""allauth's sign-up forms: by email (ACCOUNT_FORMS["signup"]) and with the ITU account
(SOCIALACCOUNT_FORMS["signup"]).

Only an account that verified an address keeps others from signing up with it
(smepilot.email_claims): an address someone typed and never proved does not make its owner's
sign-up answer "you already have an account", with a password reset into the claimant's account.

With ACCOUNT_PREVENT_ENUMERATION, signing up with a known address answers as for a new one and only
emails the owner; but only a new account hashed the password (a million PBKDF2 rounds, most of the
answer's time), so the answer's speed told whether an address has an account. The known address's
path spends the same hashing work on the submitted password, and throws the result away.
"""

from allauth.account.adapter import get_adapter
from allauth.account.forms import SignupForm as AllauthSignupForm
from allauth.socialaccount.forms import SignupForm as AllauthSocialSignupForm
from django.contrib.auth.hashers import make_password

from smepilot.email_claims import email_owned


class OwnedAddressesOnlyMixin:
    def validate_unique_email(self, value):
        """An account exists for the address only when one owns it (verified); with enumeration
        prevention and mandatory verification, as configured, allauth then emails that owner."""
        self.account_already_exists = email_owned(value)
        return get_adapter().validate_unique_email(value)


class SignupForm(OwnedAddressesOnlyMixin, AllauthSignupForm):
    def try_save(self, request):
        if self.account_already_exists:
            # What save_user's set_password costs a new account: same hasher, same work.
            make_password(self.cleaned_data.get("password1") or None)
        return super().try_save(request)


class SocialSignupForm(OwnedAddressesOnlyMixin, AllauthSocialSignupForm):
    """The ITU account's sign-up form: names from the provider (SocialAccountAdapter), consent."""
