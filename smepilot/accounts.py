"""allauth hooks: allauth's own emails take the one email path (smepilot.outbox)."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.contrib.sites.shortcuts import get_current_site
from django.core.mail import EmailMultiAlternatives

from smepilot.outbox.services import mail_queue_rendered


class AccountAdapter(DefaultAccountAdapter):
    def get_signup_redirect_url(self, request) -> str:
        """After signing up (and after confirming the address, in the browser that signed up), the
        person's next step: their profile, where they choose their country (registration.selectors)."""
        from registration.selectors import next_step, profile_of

        if not request.user.is_authenticated:
            return super().get_signup_redirect_url(request)
        return next_step(profile=profile_of(user=request.user)).url

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """Render allauth's mail as allauth does, then store and queue it instead of sending.

        allauth renders ``{prefix}_subject.txt``, ``{prefix}_message.txt`` and, when it exists,
        ``{prefix}_message.html`` (``render_mail``). The row is committed with the caller's
        transaction (at once in autocommit, as for a sign-in code), and sent by the worker.
        """
        request = allauth_context.request
        ctx = {"request": request, "email": email, "current_site": get_current_site(request)}
        ctx.update(context)
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
        )
