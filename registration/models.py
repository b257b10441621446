"""SMEs, the people who represent them, and their registrations for meetings."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField
from simple_history.models import HistoricalRecords

from smepilot.text import integer_max, validate_multiline, validate_one_line


class Eligibility(models.TextChoices):
    """Whether the Administration confirms the SME meets its national criteria (ToR point 4)."""

    PENDING = "pending", _("Pending confirmation")
    CONFIRMED = "confirmed", _("Confirmed by the Administration")
    REFUSED = "refused", _("Refused by the Administration")


class SME(models.Model):
    administration = models.ForeignKey(
        "focalpoints.Administration", on_delete=models.PROTECT, related_name="smes", verbose_name=_("Administration")
    )
    name = models.CharField(_("company name"), max_length=200, validators=[validate_one_line])
    employees = models.PositiveIntegerField(_("number of employees"), validators=[integer_max])
    annual_revenue = models.DecimalField(_("annual revenue"), max_digits=16, decimal_places=2)
    revenue_currency = models.CharField(_("currency"), max_length=3, help_text=_("ISO 4217 code, e.g. USD."))
    website = models.URLField(_("website"), blank=True)
    address = models.TextField(_("address"), validators=[validate_multiline])
    eligibility = models.CharField(
        _("eligibility"), max_length=10, choices=Eligibility.choices, default=Eligibility.PENDING
    )
    eligibility_decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("eligibility decided by"),
    )
    eligibility_decided_at = models.DateTimeField(_("eligibility decided at"), null=True, blank=True)
    eligibility_reason = models.TextField(_("eligibility reason"), blank=True, validators=[validate_multiline])
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("declared by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # Set when the retention purge replaced its name and contact details (registration.retention).
    anonymised_at = models.DateTimeField(_("anonymised at"), null=True, blank=True, editable=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("SME")
        verbose_name_plural = _("SMEs")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                "administration",
                name="sme_name_unique_per_administration",
                violation_error_message=_("An SME with this name is already declared in this country."),
            ),
            models.CheckConstraint(condition=Q(eligibility__in=Eligibility.values), name="sme_eligibility_valid"),
            # The shape of an ISO 4217 code; whether it names a currency in use (a list that changes,
            # kept by Babel) is checked by registration.services when the SME is declared or saved.
            models.CheckConstraint(
                condition=Q(revenue_currency__regex=r"^[A-Z]{3}$"),
                name="sme_currency_iso4217",
                violation_error_message=_("Give the currency as a three-letter code in capitals, e.g. USD or EUR."),
            ),
            models.CheckConstraint(condition=Q(annual_revenue__gte=0), name="sme_revenue_not_negative"),
        ]
        indexes = [
            models.Index(fields=["administration", "eligibility"], name="sme_admin_eligibility_idx"),
            # The admin's list order (the name, then the newest first among equal names): its first
            # page is read from the index instead of sorting every SME.
            models.Index(fields=["name", "-id"], name="sme_list_order_idx"),
        ]

    def __str__(self):
        return self.name


class ParticipantProfile(models.Model):
    """The person behind an account, and the SME they represent."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="participant", verbose_name=_("user")
    )
    given_name = models.CharField(_("given name"), max_length=150, validators=[validate_one_line])
    family_name = models.CharField(_("family name"), max_length=150, validators=[validate_one_line])
    job_title = models.CharField(_("job title"), max_length=200, blank=True, validators=[validate_one_line])
    administration = models.ForeignKey(
        "focalpoints.Administration",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="participants",
        verbose_name=_("country"),
    )
    sme = models.ForeignKey(
        SME, on_delete=models.PROTECT, null=True, blank=True, related_name="representatives", verbose_name=_("SME")
    )
    privacy_consent_at = models.DateTimeField(_("privacy notice accepted at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # Set when the person's data was anonymised: by the retention purge or when they closed their
    # account (registration.retention). The row stays, so the pilot report's figures do not change.
    anonymised_at = models.DateTimeField(_("anonymised at"), null=True, blank=True, editable=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("participant profile")
        verbose_name_plural = _("participant profiles")
        ordering = ["family_name", "given_name"]
        indexes = [
            # The admin's list order (and the id the admin adds to make it total): its first page is
            # read from the index instead of joining and sorting every profile (100 ms at 100,000).
            models.Index(fields=["family_name", "given_name", "-id"], name="profile_list_order_idx"),
        ]

    def __str__(self):
        return self.full_name or str(self.user)

    @property
    def full_name(self):
        return f"{self.given_name} {self.family_name}".strip()

    def clean(self):
        if self.sme_id and self.administration_id and self.sme.administration_id != self.administration_id:
            raise ValidationError({"sme": _("Choose an SME of the country you selected.")})


class AttendanceMode(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    REMOTE = "remote", _("Remote")


class RegistrationStatus(models.TextChoices):
    PENDING = "pending", _("Pending validation")
    VALIDATED = "validated", _("Validated")
    REJECTED = "rejected", _("Rejected")
    CANCELLED = "cancelled", _("Cancelled")


class ListConsent(models.TextChoices):
    """Whether the person appears in the meeting's list of participants, and to whom (their choice)."""

    NOT_LISTED = "none", _("Not listed")
    PARTICIPANTS = "participants", _("Listed for the meeting's registered participants")
    PUBLIC = "public", _("Listed publicly")


# A registration holds its place while pending or validated; rejected and cancelled ones do not.
ACTIVE_STATUSES = (RegistrationStatus.PENDING, RegistrationStatus.VALIDATED)


class Registration(models.Model):
    """One person for one meeting."""

    participant = models.ForeignKey(
        ParticipantProfile, on_delete=models.PROTECT, related_name="registrations", verbose_name=_("participant")
    )
    # The SME the person represented when registering: the Administration that validates is its.
    sme = models.ForeignKey(SME, on_delete=models.PROTECT, related_name="registrations", verbose_name=_("SME"))
    meeting = models.ForeignKey(
        "meetings.Meeting", on_delete=models.PROTECT, related_name="registrations", verbose_name=_("meeting")
    )
    # The column keeps its name; the field is attendance_mode so that registration.attendance is the check-in.
    attendance_mode = models.CharField(
        _("attendance"), max_length=10, choices=AttendanceMode.choices, db_column="attendance"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=RegistrationStatus.choices, default=RegistrationStatus.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_on_behalf = models.BooleanField(
        _("decided by the secretariat on behalf of the Administration"), default=False
    )
    reason = models.TextField(_("reason"), blank=True, validators=[validate_multiline])
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    # The person's own choice, made when registering and changed from "My registrations"; nobody is
    # listed without it (registration.participant_lists).
    list_consent = models.CharField(
        _("list of participants"), max_length=12, choices=ListConsent.choices, default=ListConsent.NOT_LISTED
    )
    # Set when the secretariat registered the person on their behalf (in the admin); empty when
    # the person registered themselves on the site.
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("added by the secretariat"),
    )
    # The "approve by" date (registration.deadlines): stored so that lists order and filter by it
    # from an index; written again when the meeting's dates or registration window change.
    decide_by = models.DateField(_("approve by"), null=True, blank=True, editable=False)
    # When the secretariat was told that the approve-by date is near and took the request up
    # (focalpoints.escalation); cleared when a decision is reopened, for the new decision.
    escalated_at = models.DateTimeField(_("taken up by the secretariat at"), null=True, blank=True, editable=False)
    # When the focal points' daily digest last listed it: what the registrant reads, not a change.
    focal_points_reminded_at = models.DateTimeField(
        _("focal points last reminded at"), null=True, blank=True, editable=False
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = HistoricalRecords(excluded_fields=["focal_points_reminded_at"])

    class Meta:
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["participant", "meeting"],
                condition=Q(status__in=ACTIVE_STATUSES),
                name="registration_one_active_per_participant_meeting",
                violation_error_message=_("This person already has an active registration for this meeting."),
            ),
            models.CheckConstraint(
                condition=Q(status__in=RegistrationStatus.values), name="registration_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(attendance_mode__in=AttendanceMode.values), name="registration_attendance_valid"
            ),
            models.CheckConstraint(
                condition=Q(list_consent__in=ListConsent.values), name="registration_list_consent_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status=RegistrationStatus.REJECTED) | ~Q(reason=""),
                name="registration_rejection_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(status__in=[RegistrationStatus.PENDING, RegistrationStatus.CANCELLED])
                | Q(decided_at__isnull=False),
                name="registration_decision_has_time",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "created_at"], name="reg_status_created_idx"),
            models.Index(fields=["sme", "status"], name="reg_sme_status_idx"),
            models.Index(fields=["meeting", "status"], name="reg_meeting_status_idx"),
            # The focal points' lists, their digest and the secretariat's queue: pending, by approve-by date.
            models.Index(fields=["status", "decide_by"], name="reg_status_decide_by_idx"),
        ]

    def __str__(self):
        return f"{self.participant} — {self.meeting}"

    def save(self, *args, **kwargs):
        # Every way a registration is made (the site, the admin, the demo data) gets its approve-by
        # date from the one rule; a change of the meeting writes it again (registration.deadlines).
        if self.decide_by is None and self.meeting_id and self.attendance_mode:
            from .deadlines import decision_deadline

            self.decide_by = decision_deadline(meeting=self.meeting, attendance=self.attendance_mode)
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "decide_by"}
        super().save(*args, **kwargs)

    @property
    def is_active(self):
        return self.status in ACTIVE_STATUSES

    def clean(self):
        errors = {}
        if self.meeting_id and self.attendance_mode == AttendanceMode.REMOTE and not self.meeting.remote_participation:
            errors["attendance_mode"] = _("This meeting does not offer remote participation. Choose in person.")
        if self.status == RegistrationStatus.REJECTED and not self.reason.strip():
            errors["reason"] = _("Give the reason for the rejection; the registrant will read it.")
        # The database holds this rule too (registration_one_active_per_participant_meeting); checked
        # here so that a form whose status field is read-only (the admin) still shows it on the field.
        if self.participant_id and self.meeting_id and self.status in ACTIVE_STATUSES:
            others = Registration.objects.filter(
                participant_id=self.participant_id, meeting_id=self.meeting_id, status__in=ACTIVE_STATUSES
            )
            if self.pk:
                others = others.exclude(pk=self.pk)
            if others.exists():
                errors["meeting"] = _("This person already has an active registration for this meeting.")
        if errors:
            raise ValidationError(errors)


# Pending, and taken up by the secretariat (focalpoints.escalation): a decision or a reopening ends it.
TAKEN_UP_BY_SECRETARIAT = Q(status=RegistrationStatus.PENDING, escalated_at__isnull=False)


class DueForDecisionManager(models.Manager):
    def get_queryset(self):
        return super().get_queryset().filter(TAKEN_UP_BY_SECRETARIAT)


class RegistrationDueForDecision(Registration):
    """The secretariat's queue: pending requests whose approve-by date is near, which the
    secretariat was told of and may decide on behalf of the Administration (focalpoints.escalation)."""

    objects = DueForDecisionManager()

    class Meta:
        proxy = True
        verbose_name = _("registration due for a decision on behalf of the Administration")
        verbose_name_plural = _("Due for a decision on behalf of the Administration")


class Attendance(models.Model):
    """A validated in-person participant checked in at the meeting's registration desk.

    One row per registration at most: the one-to-one column is unique in the database, so two
    officers scanning the same badge at the same moment record one check-in, and the second is told
    who checked the person in and when (registration.checkin). The pilot report reads no-shows from
    it: validated in-person registrations without an attendance.
    """

    registration = models.OneToOneField(
        Registration, related_name="attendance", on_delete=models.PROTECT, verbose_name=_("registration")
    )
    checked_in_at = models.DateTimeField(_("checked in at"), default=timezone.now)
    # SET_NULL: the officer's account may be closed later; the history still names them.
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("checked in by"),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendances")
        ordering = ["-checked_in_at"]
        indexes = [models.Index(fields=["-checked_in_at"], name="attendance_checked_in_idx")]

    def __str__(self):
        return str(self.registration)


class VisaRequestStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    ISSUED = "issued", _("Issued")
    REFUSED = "refused", _("Refused")


# A request that is open or was answered with a letter: the registration has no room for another.
VISA_REQUEST_HOLDING_STATUSES = (VisaRequestStatus.REQUESTED, VisaRequestStatus.ISSUED)
# The passport details a letter needs, and nothing more; erased by the purge (registration.visas).
PASSPORT_FIELDS = (
    "passport_name",
    "nationality",
    "passport_number",
    "date_of_birth",
    "passport_issued_on",
    "passport_expires_on",
)


class VisaLetterRequest(models.Model):
    """A person's request for a visa support letter, for one validated in-person registration.

    The passport details are asked for only here, kept until the meeting's end plus
    VISA_PASSPORT_RETENTION_DAYS, then erased (the row, its reference and decision stay); they are
    never exported and never written to the change history.
    """

    registration = models.ForeignKey(
        Registration, on_delete=models.PROTECT, related_name="visa_requests", verbose_name=_("registration")
    )
    reference = models.CharField(_("reference"), max_length=20, unique=True, editable=False)
    status = models.CharField(
        _("status"), max_length=10, choices=VisaRequestStatus.choices, default=VisaRequestStatus.REQUESTED
    )
    passport_name = models.CharField(
        _("name as in the passport"), max_length=200, blank=True, validators=[validate_one_line]
    )
    nationality = CountryField(_("nationality"), blank=True)
    passport_number = models.CharField(_("passport number"), max_length=20, blank=True)
    date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)
    passport_issued_on = models.DateField(_("passport issued on"), null=True, blank=True)
    passport_expires_on = models.DateField(_("passport expires on"), null=True, blank=True)
    # The language the letter is written in: the person's when it was issued, so a download later
    # gives the same letter whatever language the site is read in.
    language = models.CharField(_("language"), max_length=10, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    refusal_reason = models.TextField(_("reason for the refusal"), blank=True, validators=[validate_multiline])
    passport_erased_at = models.DateTimeField(_("passport details erased at"), null=True, blank=True)
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = HistoricalRecords(excluded_fields=list(PASSPORT_FIELDS))

    class Meta:
        verbose_name = _("visa support letter request")
        verbose_name_plural = _("visa support letter requests")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["registration"],
                condition=Q(status__in=VISA_REQUEST_HOLDING_STATUSES),
                name="visa_request_one_open_or_issued_per_registration",
                violation_error_message=_("This registration already has a visa support letter request."),
            ),
            models.CheckConstraint(condition=Q(status__in=VisaRequestStatus.values), name="visa_request_status_valid"),
            models.CheckConstraint(
                condition=~Q(status=VisaRequestStatus.REFUSED) | ~Q(refusal_reason=""),
                name="visa_request_refusal_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(status=VisaRequestStatus.REQUESTED) | Q(decided_at__isnull=False),
                name="visa_request_decision_has_time",
            ),
            # Either every passport detail is there, or they were erased together.
            models.CheckConstraint(
                condition=Q(passport_erased_at__isnull=False)
                | (
                    ~Q(passport_name="")
                    & ~Q(nationality="")
                    & ~Q(passport_number="")
                    & Q(date_of_birth__isnull=False)
                    & Q(passport_issued_on__isnull=False)
                    & Q(passport_expires_on__isnull=False)
                ),
                name="visa_request_passport_complete_or_erased",
            ),
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="visa_request_status_idx")]

    def __str__(self):
        return self.reference
