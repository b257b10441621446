"""allauth's password reset and sign-in code forms (ACCOUNT_FORMS), for owned addresses only.

allauth sends a reset link or a sign-in code to an address an account typed even when it never
verified it, and following either verifies the address and signs in: the address's owner would be
led into the account of whoever typed it (smepilot.email_claims). Only accounts that own the
address are found; otherwise the address is told there is no account for it, as for any unknown one.
"""

from allauth.account.forms import RequestLoginCodeForm as AllauthRequestLoginCodeForm
from allauth.account.forms import ResetPasswordForm as AllauthResetPasswordForm

from smepilot.email_claims import owners_only


class ResetPasswordForm(AllauthResetPasswordForm):
    def clean_email(self):
        email = super().clean_email()
        self.users = owners_only(email, self.users)
        return email


class RequestLoginCodeForm(AllauthRequestLoginCodeForm):
    def clean_email(self):
        email = super().clean_email()
        if email and getattr(self, "_user", None) is not None and not owners_only(email, [self._user]):
            self._user = None
        return email
