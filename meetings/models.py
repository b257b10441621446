"""The SME pilot, study groups and their meetings; leadership appointments and decisions, which no SME
representative may hold or take part in (terms of reference, point 3); the pilot reports to Council (point 5)."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from smepilot.text import small_integer_max


class Sector(models.TextChoices):
    ITU_T = "ITU-T", "ITU-T"
    ITU_D = "ITU-D", "ITU-D"


def in_english(field: str) -> Q:
    """``field``'s English column (meetings/translation.py) holds a value: the one every reader falls back to."""
    return Q(**{f"{field}_en__isnull": False}) & ~Q(**{f"{field}_en": ""})


class StudyGroup(models.Model):
    sector = models.CharField(_("sector"), max_length=5, choices=Sector.choices)
    number = models.PositiveSmallIntegerField(_("number"), validators=[small_integer_max])
    title = models.CharField(_("title"), max_length=300)
    study_period_start = models.PositiveSmallIntegerField(
        _("study period starts (year)"), validators=[small_integer_max]
    )
    study_period_end = models.PositiveSmallIntegerField(_("study period ends (year)"), validators=[small_integer_max])

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
            # The title in each language has its own column (meetings/translation.py); the English one
            # is what a reader of any other language falls back to, so it is never empty.
            models.CheckConstraint(condition=in_english("title"), name="studygroup_title_in_english"),
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
            models.CheckConstraint(condition=in_english("title"), name="meeting_title_in_english"),
            models.CheckConstraint(condition=in_english("place"), name="meeting_place_in_english"),
        ]

    def __str__(self):
        return f"{self.title} ({date_format(self.starts_on, 'DATE_FORMAT')})"

    def clean(self):
        errors = {}
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            errors["ends_on"] = _("The meeting cannot end before it starts.")
        # A registration window after the meeting would accept registrations nobody can use.
        if self.registration_opens_on and self.ends_on and self.registration_opens_on > self.ends_on:
            errors["registration_opens_on"] = _("Registration must open before the meeting ends.")
        if self.registration_opens_on and self.registration_closes_on:
            if self.registration_closes_on < self.registration_opens_on:
                errors["registration_closes_on"] = _("Registration cannot close before it opens.")
            elif self.ends_on and self.registration_closes_on > self.ends_on:
                errors["registration_closes_on"] = _("Registration must close by the last day of the meeting.")
        if errors:
            raise ValidationError(errors)


class LeadershipRole(models.TextChoices):
    CHAIR = "chair", _("Chair")
    VICE_CHAIR = "vice_chair", _("Vice-chair")
    WORKING_PARTY_CHAIR = "wp_chair", _("Working party chair")
    RAPPORTEUR = "rapporteur", _("Rapporteur")
    ASSOCIATE_RAPPORTEUR = "associate_rapporteur", _("Associate rapporteur")
    VICE_RAPPORTEUR = "vice_rapporteur", _("Vice-rapporteur")
    OTHER = "other", _("Other management role")


class Appointment(models.Model):
    """A person appointed to a study group's (or one of its Questions') leadership.

    SME representatives can never hold one (terms of reference, point 3): see meetings.rules.
    """

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="appointments", verbose_name=_("person")
    )
    study_group = models.ForeignKey(
        StudyGroup, on_delete=models.PROTECT, related_name="appointments", verbose_name=_("study group")
    )
    question = models.CharField(_("Question"), max_length=100, blank=True, help_text=_("e.g. Question 1/1"))
    role = models.CharField(_("role"), max_length=30, choices=LeadershipRole.choices)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("leadership appointment")
        verbose_name_plural = _("leadership appointments")
        ordering = ["study_group", "role", "starts_on"]
        constraints = [
            models.CheckConstraint(condition=Q(role__in=LeadershipRole.values), name="appointment_role_valid"),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
                name="appointment_ends_after_start",
            ),
        ]

    def __str__(self):
        return f"{self.get_role_display()} — {self.study_group.short_name} — {self.person}"

    def clean(self):
        # The no-decision-making rule is checked by the services and forms that write appointments
        # (meetings.rules), and held by the database's triggers.
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": _("The appointment cannot end before it starts.")})


class DecisionKind(models.TextChoices):
    RESOLUTION = "resolution", _("Resolution")
    RECOMMENDATION = "recommendation", _("Recommendation")
    OTHER = "other", _("Other decision")


class Decision(models.Model):
    """A meeting's adoption of a resolution, recommendation or other decision."""

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="decisions", verbose_name=_("meeting"))
    kind = models.CharField(_("kind"), max_length=20, choices=DecisionKind.choices)
    reference = models.CharField(_("reference"), max_length=100, help_text=_("e.g. Recommendation ITU-D 19"))
    title = models.CharField(_("title"), max_length=300)
    adopted_on = models.DateField(_("adopted on"))
    approval_procedure = models.CharField(_("approval procedure"), max_length=200, blank=True)
    participants = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="DecisionParticipant",
        related_name="decisions",
        verbose_name=_("taking part in the decision"),
        blank=True,
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        ordering = ["-adopted_on", "reference"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=DecisionKind.values), name="decision_kind_valid"),
        ]

    def __str__(self):
        return f"{self.reference}: {self.title}"


class DecisionParticipant(models.Model):
    """A person recorded as taking part in adopting a decision. Never an SME representative."""

    decision = models.ForeignKey(
        Decision, on_delete=models.CASCADE, related_name="decision_participants", verbose_name=_("decision")
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("person")
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("participant in a decision")
        verbose_name_plural = _("participants in a decision")
        constraints = [
            models.UniqueConstraint(fields=["decision", "person"], name="decisionparticipant_unique"),
        ]

    def __str__(self):
        return f"{self.person} — {self.decision}"


class PilotReport(models.Model):
    """A progress report to Council or the full report to PP-18 (terms of reference, point 5).

    The figures come from the data when the report is shown; the narrative is the secretariat's.
    """

    pilot = models.ForeignKey(Pilot, on_delete=models.PROTECT, related_name="reports", verbose_name=_("pilot"))
    title = models.CharField(_("title"), max_length=200)
    addressed_to = models.CharField(_("addressed to"), max_length=100, help_text=_("e.g. Council 2018, PP-18"))
    period_start = models.DateField(_("period starts"))
    period_end = models.DateField(_("period ends"))
    benefits = models.TextField(_("benefits experienced"), blank=True)
    financial_implications = models.TextField(_("financial implications"), blank=True)
    challenges = models.TextField(_("challenges to be addressed"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("pilot report")
        verbose_name_plural = _("pilot reports")
        ordering = ["-period_end"]
        constraints = [
            models.CheckConstraint(condition=Q(period_end__gte=F("period_start")), name="pilotreport_period_ordered"),
        ]

    def __str__(self):
        return self.title
