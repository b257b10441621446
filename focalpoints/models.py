"""Administrations (ITU Member States) and the focal points they designate."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField
from simple_history.models import HistoricalRecords

from smepilot.text import validate_one_line


class ItuRegion(models.TextChoices):
    """The six regions of ITU-D's regional presence.

    Which region a country belongs to is recorded once, on its ``Administration`` (``itu_region``),
    as ITU-D lists its Member States by region: https://www.itu.int/en/ITU-D/Regional-Presence/
    Every figure and export by region reads it from there.
    """

    AFRICA = "africa", _("Africa")
    AMERICAS = "americas", _("Americas")
    ARAB_STATES = "arab_states", _("Arab States")
    ASIA_PACIFIC = "asia_pacific", _("Asia and the Pacific")
    CIS = "cis", _("Commonwealth of Independent States")
    EUROPE = "europe", _("Europe")


class Administration(models.Model):
    country = CountryField(_("country"), unique=True)
    itu_region = models.CharField(_("ITU region"), max_length=20, choices=ItuRegion.choices)
    in_pilot = models.BooleanField(
        _("takes part in the pilot"),
        default=True,
        help_text=_("Only SMEs of Administrations taking part can register."),
    )

    class Meta:
        verbose_name = _("Administration")
        verbose_name_plural = _("Administrations")
        ordering = ["country"]
        constraints = [
            models.CheckConstraint(condition=Q(itu_region__in=ItuRegion.values), name="administration_region_valid"),
        ]

    def __str__(self):
        return str(self.country.name)


class FocalPoint(models.Model):
    """A person designated by an Administration to validate its SMEs' registrations.

    ``language`` is the language the secretariat says the focal point reads: their emails (the
    validation requests, the daily reminders, cancellations) are written in it, English unless the
    secretariat chooses another. Once the focal point has chosen a language for their own account
    (smepilot.models.AccountPreferences: at sign-up, on the profile page or with the language
    switcher), their own choice wins over the secretariat's: a person knows best what they read.
    smepilot.languages.recipient_language is where that order is decided.
    """

    administration = models.ForeignKey(
        Administration, on_delete=models.CASCADE, related_name="focal_points", verbose_name=_("Administration")
    )
    name = models.CharField(_("name"), max_length=200, validators=[validate_one_line])
    email = models.EmailField(_("email address"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="focal_points",
        verbose_name=_("user account"),
        help_text=_("Linked automatically: the account that owns this email address, created if there is none."),
    )
    language = models.CharField(
        _("language"),
        max_length=10,
        choices=settings.LANGUAGES,
        default="en",
        help_text=_(
            "The language of the emails this focal point receives, until they choose one for their account "
            "themselves: their own choice then wins."
        ),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # When the daily digest of overdue requests last went to them (focalpoints.notifications): one a day.
    last_reminder_at = models.DateTimeField(_("last reminder sent at"), null=True, blank=True, editable=False)
    # When the mail server refused this address for good (a 5xx answer): focalpoints.bounces.
    # Cleared when the secretariat records another address (focalpoints.accounts.focal_point_save).
    email_bounced_at = models.DateTimeField(_("address refused by the mail server at"), null=True, blank=True)
    email_bounce_error = models.TextField(_("mail server's answer"), blank=True)
    history = HistoricalRecords(excluded_fields=["last_reminder_at"])

    class Meta:
        verbose_name = _("focal point")
        verbose_name_plural = _("focal points")
        ordering = ["administration__country", "name"]
        constraints = [
            models.UniqueConstraint(
                Lower("email"), "administration", name="focalpoint_email_unique_per_administration"
            ),
            models.CheckConstraint(
                condition=Q(language__in=[code for code, _name in settings.LANGUAGES]),
                name="focalpoint_language_valid",
            ),
        ]
        indexes = [models.Index(fields=["administration", "is_active"], name="focalpoint_active_idx")]

    def __str__(self):
        return f"{self.name} <{self.email}> ({self.administration})"


class DeputyshipStatus(models.TextChoices):
    PROPOSED = "proposed", _("waiting for the secretariat")
    CONFIRMED = "confirmed", _("confirmed")
    DECLINED = "declined", _("declined by the secretariat")
    ENDED = "ended", _("ended early")


class Deputyship(models.Model):
    """A deputy a focal point names for a period, who decides for the Administration while it runs.

    The letter sends each registration "for validation to the Focal Points designated by each
    Administration": a focal point away names a deputy (another person, by email address) for
    a period, and the secretariat confirms the deputy, as it records the focal points themselves.
    From the first to the last day of the period, once confirmed and unless the focal point ended
    it early, the deputy receives the Administration's requests and decides them
    (focalpoints.selectors.deciders is the rule). focalpoints.deputies writes every change.
    """

    focal_point = models.ForeignKey(
        FocalPoint, on_delete=models.CASCADE, related_name="deputyships", verbose_name=_("named by")
    )
    # The focal point's Administration, kept on the row so that "who decides for it" is one query.
    administration = models.ForeignKey(
        Administration, on_delete=models.CASCADE, related_name="deputyships", verbose_name=_("Administration")
    )
    name = models.CharField(_("deputy's name"), max_length=200, validators=[validate_one_line])
    email = models.EmailField(_("deputy's email address"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="deputyships",
        verbose_name=_("deputy's account"),
    )
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES, default="en")
    starts_on = models.DateField(_("first day"))
    ends_on = models.DateField(_("last day"))
    status = models.CharField(
        _("status"), max_length=10, choices=DeputyshipStatus.choices, default=DeputyshipStatus.PROPOSED
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("confirmed or declined by"),
    )
    reviewed_at = models.DateTimeField(_("confirmed or declined at"), null=True, blank=True)
    decline_reason = models.TextField(_("reason for declining"), blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    created_at = models.DateTimeField(_("named at"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("deputy")
        verbose_name_plural = _("deputies")
        ordering = ["-starts_on", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")), name="deputyship_period_valid"),
            models.CheckConstraint(condition=Q(status__in=DeputyshipStatus.values), name="deputyship_status_valid"),
            models.CheckConstraint(
                condition=Q(language__in=[code for code, _name in settings.LANGUAGES]),
                name="deputyship_language_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["administration", "status", "ends_on"], name="deputyship_running_idx"),
            models.Index(fields=["user", "status"], name="deputyship_user_idx"),
        ]

    def __str__(self):
        return f"{self.name} <{self.email}> ({self.administration})"
