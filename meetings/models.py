"""The SME pilot, study groups and their meetings (DESIGN.md, "The domain")."""

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class Sector(models.TextChoices):
    ITU_T = "ITU-T", "ITU-T"
    ITU_D = "ITU-D", "ITU-D"


class StudyGroup(models.Model):
    sector = models.CharField(_("sector"), max_length=5, choices=Sector.choices)
    number = models.PositiveSmallIntegerField(_("number"))
    title = models.CharField(_("title"), max_length=300)
    study_period_start = models.PositiveSmallIntegerField(_("study period starts (year)"))
    study_period_end = models.PositiveSmallIntegerField(_("study period ends (year)"))

    class Meta:
        verbose_name = _("study group")
        verbose_name_plural = _("study groups")
        ordering = ["sector", "study_period_start", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["sector", "number", "study_period_start"], name="studygroup_unique_per_period"
            ),
            models.CheckConstraint(condition=Q(sector__in=Sector.values), name="studygroup_sector_valid"),
            models.CheckConstraint(
                condition=Q(study_period_end__gte=F("study_period_start")),
                name="studygroup_period_ordered",
            ),
        ]

    def __str__(self):
        return f"{self.sector} SG{self.number} ({self.study_period_start}-{self.study_period_end})"

    @property
    def short_name(self):
        return f"{self.sector} SG{self.number}"


class Pilot(models.Model):
    """The SME pilot: Council 2017 terms of reference, running "until PP-18" (point 5)."""

    name = models.CharField(_("name"), max_length=200)
    terms = models.TextField(_("terms of reference"), blank=True)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"), help_text=_("Last day SMEs may take part (PP-18)."))
    study_groups = models.ManyToManyField(
        StudyGroup, related_name="pilots", verbose_name=_("participating study groups"), blank=True
    )

    class Meta:
        verbose_name = _("pilot")
        verbose_name_plural = _("pilots")
        ordering = ["-starts_on"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="pilot_ends_after_start"),
        ]

    def __str__(self):
        return self.name


class MeetingKind(models.TextChoices):
    STUDY_GROUP = "study_group", _("Study group meeting")
    RAPPORTEUR_GROUP = "rapporteur_group", _("Rapporteur group meeting")


class Meeting(models.Model):
    study_group = models.ForeignKey(
        StudyGroup, on_delete=models.PROTECT, related_name="meetings", verbose_name=_("study group")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=MeetingKind.choices)
    title = models.CharField(_("title"), max_length=300)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    place = models.CharField(_("place"), max_length=200)
    remote_participation = models.BooleanField(_("remote participation offered"), default=True)
    registration_opens_on = models.DateField(_("registration opens on"))
    registration_closes_on = models.DateField(
        _("registration closes on"), help_text=_("Last day of registration (Geneva time).")
    )

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["starts_on", "study_group__number", "kind", "title"]
        indexes = [models.Index(fields=["starts_on", "ends_on"], name="meeting_dates_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=MeetingKind.values), name="meeting_kind_valid"),
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="meeting_ends_after_start"),
            models.CheckConstraint(
                condition=Q(registration_closes_on__gte=F("registration_opens_on")),
                name="meeting_registration_window_ordered",
            ),
            models.CheckConstraint(
                condition=Q(registration_closes_on__lte=F("ends_on")),
                name="meeting_registration_closes_before_end",
            ),
        ]

    def __str__(self):
        return f"{self.title} ({self.starts_on:%d %b %Y})"

    def clean(self):
        from django.core.exceptions import ValidationError

        errors = {}
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            errors["ends_on"] = _("The meeting cannot end before it starts.")
        if self.registration_opens_on and self.registration_closes_on:
            if self.registration_closes_on < self.registration_opens_on:
                errors["registration_closes_on"] = _("Registration cannot close before it opens.")
            elif self.ends_on and self.registration_closes_on > self.ends_on:
                errors["registration_closes_on"] = _("Registration must close by the last day of the meeting.")
        if errors:
            raise ValidationError(errors)
