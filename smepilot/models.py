"""What the project keeps about an account beyond Django's and allauth's own tables."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class AccountPreferences(models.Model):
    """The person's own choices for their account: the language the site and their emails are in.

    Every kind of account has one once the person chose (SME representatives, focal points, the
    secretariat), so it lives here and not on the participant profile, which only representatives
    have. A row means the person chose: at sign-up (the language they signed up in), on their profile
    page or with the footer's language switcher. smepilot.languages reads and writes it.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="preferences",
        verbose_name=_("user account"),
    )
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("account preferences")
        verbose_name_plural = _("account preferences")
        constraints = [
            models.CheckConstraint(
                condition=Q(language__in=[code for code, _name in settings.LANGUAGES]),
                name="accountpreferences_language_valid",
            ),
        ]

    def __str__(self):
        return f"{self.user_id}: {self.language}"
