"""allauth's sign-up form (ACCOUNT_FORMS["signup"]), taking as long for an address that has an account.

With ACCOUNT_PREVENT_ENUMERATION, signing up with a known address answers as for a new one and only
emails the owner; but only a new account hashed the password (a million PBKDF2 rounds, most of the
answer's time), so the answer's speed told whether an address has an account. The known address's
path spends the same hashing work on the submitted password, and throws the result away.
"""

from allauth.account.forms import SignupForm as AllauthSignupForm
from django.contrib.auth.hashers import make_password


class SignupForm(AllauthSignupForm):
    def try_save(self, request):
        if self.account_already_exists:
            # What save_user's set_password costs a new account: same hasher, same work.
            make_password(self.cleaned_data.get("password1") or None)
        return super().try_save(request)
