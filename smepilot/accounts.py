"""allauth hooks: people are named by their own name, allauth's emails take the one email path
(smepilot.outbox), are written in their recipient's language (smepilot.languages) and point at
SITE_URL."""

from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.adapter import get_adapter as get_account_adapter
from allauth.core import context as allauth_context
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.conf import settings
from django.contrib import messages
from django.core.mail import EmailMultiAlternatives
from django.utils import translation

from smepilot.languages import recipient_language
from smepilot.outbox.services import mail_queue_rendered
from smepilot.people import person_name
from smepilot.second_factor import SignInCountsAsConfirming
from smepilot.sites import configured_site


def user_display(user) -> str:
    """allauth's ACCOUNT_USER_DISPLAY: the person's own name (smepilot.people), never a username."""
    return person_name(user)


def on_this_site(url):
    """The same address on SITE_URL's scheme and host, whatever host the request came in by.

    allauth builds its emails' links from the request (its Host header, any of ALLOWED_HOSTS) or,
    without one, from the Site and ACCOUNT_DEFAULT_HTTP_PROTOCOL; the site's other emails use
    SITE_URL (focalpoints.links). Relative values and anything that is not a URL stay as they are.
    """
    if not isinstance(url, str):
        return url
    parts = urlsplit(url)
    if not (parts.scheme in ("http", "https") and parts.netloc):
        return url
    rest = parts.path + (f"?{parts.query}" if parts.query else "") + (f"#{parts.fragment}" if parts.fragment else "")
    return settings.SITE_URL + rest


class AccountAdapter(SignInCountsAsConfirming, DefaultAccountAdapter):
    def get_signup_redirect_url(self, request) -> str:
        """After signing up (and after confirming the address, in the browser that signed up), the
        person's next step: their profile, where they choose their country (registration.selectors)."""
        from registration.selectors import next_step, profile_of

        if not request.user.is_authenticated:
            return super().get_signup_redirect_url(request)
        return next_step(profile=profile_of(user=request.user)).url

    def get_logout_redirect_url(self, request) -> str:
        """Signed in with the ITU account: on to its provider, to sign out there too (smepilot.ties)."""
        from smepilot.ties import end_session_url

        return end_session_url(request) or super().get_logout_redirect_url(request)

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """Render allauth's mail as allauth does, then store and queue it instead of sending.

        allauth renders ``{prefix}_subject.txt``, ``{prefix}_message.txt`` and, when it exists,
        ``{prefix}_message.html`` (``render_mail``). The row is committed with the caller's
        transaction (at once in autocommit, as for a sign-in code), and sent by the worker.
        The site is the one SITE_URL names (``current_site``, ``site_url``), every link allauth
        passes (``activate_url``, ``password_reset_url``, ``signup_url``…) is put on it, and the
        person is greeted by their own name (``person_name``) when allauth says who they are.
        It is written in the language of the account that owns the address (the one allauth names,
        else the one found by the address), else in the language in use: the person asking for a
        sign-in code or a new password from a browser in another language still reads their own.
        """
        request = allauth_context.request
        ctx = {"request": request, "email": email}
        ctx.update(context)
        ctx.update({key: on_this_site(value) for key, value in ctx.items() if key.endswith("_url")})
        user = ctx.get("user")
        ctx.update(
            {
                "current_site": configured_site(),
                "site_url": settings.SITE_URL,
                "SECRETARIAT_EMAIL": settings.SECRETARIAT_EMAIL,  # also without a request
                "person_name": user_display(user) if getattr(user, "pk", None) else "",
            }
        )
        language = recipient_language(
            user=user if getattr(user, "pk", None) else None, email=email, fallback=translation.get_language()
        )
        with translation.override(language):
            msg = self.render_mail(template_prefix, email, ctx)
        body_html = ""
        if isinstance(msg, EmailMultiAlternatives):
            body_html = next((content for content, mimetype in msg.alternatives if mimetype == "text/html"), "")
        body_text = msg.body
        if msg.content_subtype == "html":
            # Only an HTML template exists: keep it as HTML, with no plain-text twin of our own.
            body_html, body_text = msg.body, ""
        mail_queue_rendered(
            to=email,
            subject=msg.subject,
            body_text=body_text,
            body_html=body_html,
            template=template_prefix,
            language=language,
        )

    def send_notification_mail(self, template_prefix, user, context=None, email=None) -> None:
        """allauth's notices of account changes, with the account's owner to greet by name."""
        super().send_notification_mail(template_prefix, user, {"user": user, **(context or {})}, email)


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    """allauth's hooks for the ITU account (TIES) sign-in (smepilot.ties)."""

    def get_signup_form_initial_data(self, sociallogin) -> dict:
        """The sign-up form starts with the names the ITU account gives (given_name, family_name)."""
        initial = super().get_signup_form_initial_data(sociallogin)
        initial["given_name"] = initial.get("first_name", "")
        initial["family_name"] = initial.get("last_name", "")
        return initial

    def pre_social_login(self, request, sociallogin) -> None:
        """Signing in with an ITU account not linked yet, whose address the provider verified and an
        account here owns (smepilot.email_claims): say so, and how to link it, rather than show a
        sign-up form that can only end in "we sent you an email". The provider's verification
        proves the address is theirs, so this tells nothing to someone else. Nothing is linked
        without signing in to the account first (SOCIALACCOUNT_EMAIL_AUTHENTICATION is off)."""
        from django.shortcuts import render

        from smepilot.email_claims import email_owned

        if sociallogin.is_existing or request.user.is_authenticated:
            return
        for address in sociallogin.email_addresses:
            if address.verified and email_owned(address.email):
                raise ImmediateHttpResponse(
                    render(request, "socialaccount/account_exists.html", {"email": address.email})
                )

    def save_user(self, request, sociallogin, form=None):
        """A new account from the ITU account: an address typed on its sign-up form instead of the
        provider's is not verified, and the account signs in by the provider's (verified) one, so
        allauth would keep it unconfirmed without a word. Its owner is sent a link to confirm it,
        which tells them, and until then it gets no reset and blocks nobody (smepilot.email_claims).
        The provider's verified address is theirs: accounts that only claimed it lose it first, or
        allauth would leave it off the new account and ask its owner to confirm it by email."""
        from allauth.account.models import EmailAddress

        from smepilot.email_claims import unverified_claims_release

        for address in sociallogin.email_addresses:
            if address.verified:
                unverified_claims_release(email=address.email, owner_id=None)
        user = super().save_user(request, sociallogin, form)
        for address in EmailAddress.objects.filter(user=user, verified=False):
            address.send_confirmation(request)
            get_account_adapter(request).add_message(
                request,
                messages.INFO,
                "account/messages/email_confirmation_sent.txt",
                {"email": address.email, "login": False, "signup": True},
            )
        return user

    def on_authentication_error(self, request, provider, error=None, exception=None, extra_context=None) -> None:
        """The provider failing on the way back (token, keys or userinfo not fetched): the page that
        says the ITU account cannot be reached (smepilot.ties), not "authentication failed"."""
        import requests

        from smepilot.ties import provider_unavailable

        if isinstance(exception, requests.RequestException):
            raise ImmediateHttpResponse(provider_unavailable(request, exception))
        super().on_authentication_error(request, provider, error, exception, extra_context)
