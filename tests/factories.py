"""factory-boy factories for every model. Dates default to a meeting open for registration today."""

import datetime
from decimal import Decimal

import factory
from allauth.mfa.totp.internal.auth import generate_totp_secret
from django.contrib.auth import get_user_model
from django.utils import timezone

from focalpoints.models import Administration, Deputyship, DeputyshipStatus, FocalPoint, ItuRegion
from meetings.models import Meeting, MeetingKind, Pilot, Sector, StudyGroup
from registration.models import (
    SME,
    AttendanceMode,
    Eligibility,
    ParticipantProfile,
    Registration,
    RegistrationDueForDecision,
    RegistrationStatus,
    VisaLetterRequest,
)
from registration.visas import reference_new
from smepilot.outbox.models import OutgoingMessage

COUNTRIES = ["KE", "SN", "BR", "MX", "EG", "JO", "IN", "VN", "KZ", "RU", "DE", "FR", "CH", "GH", "AR", "TH"]


def today():
    return timezone.localdate()


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.Sequence(lambda n: f"person{n}@example.org")
    password = factory.django.Password("correct-horse-battery-staple")

    @factory.post_generation
    def verified_email(obj, create, extracted, **kwargs):
        """Record the address as verified for allauth (pass verified_email=False to skip)."""
        if not create or extracted is False:
            return
        from allauth.account.models import EmailAddress

        EmailAddress.objects.get_or_create(user=obj, email=obj.email, defaults={"verified": True, "primary": True})


class StudyGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StudyGroup
        django_get_or_create = ("sector", "number", "study_period_start")

    sector = Sector.ITU_D
    number = factory.Sequence(lambda n: n + 1)
    title = factory.LazyAttribute(lambda o: f"Study Group {o.number}")
    study_period_start = 2018
    study_period_end = 2021


class PilotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Pilot
        skip_postgeneration_save = True

    name = "SME pilot (Council 2017)"
    terms = "Council 2017 terms of reference"
    starts_on = factory.LazyFunction(lambda: today() - datetime.timedelta(days=30))
    ends_on = factory.LazyFunction(lambda: today() + datetime.timedelta(days=365))

    @factory.post_generation
    def study_groups(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.study_groups.set(extracted)


class MeetingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Meeting

    study_group = factory.SubFactory(StudyGroupFactory)
    kind = MeetingKind.STUDY_GROUP
    title = factory.LazyAttribute(lambda o: f"{o.study_group.short_name} meeting")
    starts_on = factory.LazyFunction(lambda: today() + datetime.timedelta(days=60))
    ends_on = factory.LazyAttribute(lambda o: o.starts_on + datetime.timedelta(days=4))
    place = "Geneva, Switzerland"
    remote_participation = True
    registration_opens_on = factory.LazyFunction(lambda: today() - datetime.timedelta(days=10))
    registration_closes_on = factory.LazyAttribute(lambda o: o.starts_on - datetime.timedelta(days=7))


class AdministrationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Administration
        django_get_or_create = ("country",)

    country = factory.Iterator(COUNTRIES)
    itu_region = ItuRegion.AFRICA
    in_pilot = True


class FocalPointFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FocalPoint

    administration = factory.SubFactory(AdministrationFactory)
    name = factory.Faker("name")
    email = factory.Sequence(lambda n: f"focal{n}@administration.example")
    user = factory.SubFactory(UserFactory, email=factory.SelfAttribute("..email"))
    is_active = True


class DeputyshipFactory(factory.django.DjangoModelFactory):
    """A deputy the secretariat confirmed, deciding from today for a week, with an account."""

    class Meta:
        model = Deputyship

    focal_point = factory.SubFactory(FocalPointFactory)
    administration = factory.SelfAttribute("focal_point.administration")
    name = factory.Faker("name")
    email = factory.Sequence(lambda n: f"deputy{n}@administration.example")
    user = factory.SubFactory(UserFactory, email=factory.SelfAttribute("..email"))
    starts_on = factory.LazyFunction(today)
    ends_on = factory.LazyFunction(lambda: today() + datetime.timedelta(days=7))
    status = DeputyshipStatus.CONFIRMED


class SMEFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SME

    administration = factory.SubFactory(AdministrationFactory)
    name = factory.Sequence(lambda n: f"Small Company {n} Ltd")
    employees = 25
    annual_revenue = Decimal("1500000.00")
    revenue_currency = "USD"
    website = "https://sme.example"
    address = "1 Market Street"
    eligibility = Eligibility.CONFIRMED


class ParticipantProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ParticipantProfile

    user = factory.SubFactory(UserFactory)
    given_name = factory.Faker("first_name")
    family_name = factory.Faker("last_name")
    job_title = "Engineer"
    sme = factory.SubFactory(SMEFactory)
    administration = factory.SelfAttribute("sme.administration")
    privacy_consent_at = factory.LazyFunction(timezone.now)


class RegistrationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Registration

    participant = factory.SubFactory(ParticipantProfileFactory)
    sme = factory.SelfAttribute("participant.sme")
    meeting = factory.SubFactory(MeetingFactory)
    attendance_mode = AttendanceMode.IN_PERSON
    status = RegistrationStatus.PENDING


class RegistrationDueForDecisionFactory(RegistrationFactory):
    """A pending request the secretariat has taken up (focalpoints.escalation), in its admin queue."""

    class Meta:
        model = RegistrationDueForDecision

    escalated_at = factory.LazyFunction(timezone.now)


class AttendanceFactory(factory.django.DjangoModelFactory):
    """A validated in-person participant checked in at the meeting by a member of the secretariat."""

    class Meta:
        model = "registration.Attendance"

    registration = factory.SubFactory(
        RegistrationFactory, status=RegistrationStatus.VALIDATED, decided_at=factory.LazyFunction(timezone.now)
    )
    checked_in_by = factory.SubFactory(UserFactory, is_staff=True)


class VisaLetterRequestFactory(factory.django.DjangoModelFactory):
    """A request for a visa support letter, for a validated registration to attend in person."""

    class Meta:
        model = VisaLetterRequest

    registration = factory.SubFactory(
        RegistrationFactory, status=RegistrationStatus.VALIDATED, decided_at=factory.LazyFunction(timezone.now)
    )
    reference = factory.LazyFunction(reference_new)
    passport_name = "AMINA WANJIKU"
    nationality = "KE"
    passport_number = "AK1234567"
    date_of_birth = datetime.date(1985, 3, 14)
    passport_issued_on = factory.LazyFunction(lambda: today() - datetime.timedelta(days=400))
    passport_expires_on = factory.LazyFunction(lambda: today() + datetime.timedelta(days=3000))
    language = "en"


class AccountPreferencesFactory(factory.django.DjangoModelFactory):
    """The language a person chose for their account (smepilot.languages)."""

    class Meta:
        model = "smepilot.AccountPreferences"
        django_get_or_create = ("user",)

    user = factory.SubFactory(UserFactory)
    language = "fr"


class OutgoingMessageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OutgoingMessage

    to = factory.Sequence(lambda n: f"recipient{n}@example.org")
    template = "emails/test"
    subject = "Subject"
    body_text = "Body"
    body_html = "<p>Body</p>"


# --- Leadership appointments and decisions (meetings) -----------------------------------------


class AppointmentFactory(factory.django.DjangoModelFactory):
    """A current leadership appointment of a person who is not an SME representative."""

    class Meta:
        model = "meetings.Appointment"

    person = factory.SubFactory(UserFactory)
    study_group = factory.SubFactory(StudyGroupFactory)
    role = "rapporteur"
    question = "Question 1/1"
    starts_on = factory.LazyFunction(lambda: today() - datetime.timedelta(days=100))
    ends_on = None


class DecisionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "meetings.Decision"

    meeting = factory.SubFactory(MeetingFactory)
    kind = "recommendation"
    reference = factory.Sequence(lambda n: f"Recommendation ITU-D {n + 1}")
    title = "Assistance to developing countries"
    adopted_on = factory.LazyFunction(today)
    approval_procedure = "Adopted by consensus"


class DecisionParticipantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "meetings.DecisionParticipant"

    decision = factory.SubFactory(DecisionFactory)
    person = factory.SubFactory(UserFactory)


def secretariat_officer(email="officer@itu.example"):
    """A member of the secretariat's staff: in the Secretariat group, not a superuser."""
    from meetings.secretariat import secretariat_group_sync

    group, _count = secretariat_group_sync()
    officer = UserFactory(is_staff=True, email=email)
    officer.groups.add(group)
    return officer


class PilotReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "meetings.PilotReport"

    pilot = factory.SubFactory(PilotFactory)
    title = factory.Sequence(lambda n: f"Progress report {n + 1} to Council")
    addressed_to = "Council 2018"
    period_start = factory.LazyFunction(lambda: today() - datetime.timedelta(days=90))
    period_end = factory.LazyFunction(today)
    benefits = "SMEs brought new perspectives."


# --- Accounts, sites and single sign-on (Django and allauth) -----------------------------------


class GroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "auth.Group"

    name = factory.Sequence(lambda n: f"Group {n + 1}")


class SiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "sites.Site"

    domain = factory.Sequence(lambda n: f"site{n + 1}.example.org")
    name = factory.Sequence(lambda n: f"Site {n + 1}")


class EmailAddressFactory(factory.django.DjangoModelFactory):
    """A second, unverified address of a person (the first comes with UserFactory)."""

    class Meta:
        model = "account.EmailAddress"

    user = factory.SubFactory(UserFactory)
    email = factory.Sequence(lambda n: f"another{n}@example.org")
    verified = False
    primary = False


class SocialAppFactory(factory.django.DjangoModelFactory):
    """The "ITU account (TIES)" OpenID Connect app, as configured in the database instead of settings."""

    class Meta:
        model = "socialaccount.SocialApp"

    provider = "openid_connect"
    provider_id = factory.Sequence(lambda n: f"ties{n}")
    name = "ITU account (TIES)"
    client_id = factory.Sequence(lambda n: f"client-{n}")
    secret = "client-secret"
    settings = factory.LazyFunction(lambda: {"server_url": "https://ties.example.org"})


class SocialAccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "socialaccount.SocialAccount"

    user = factory.SubFactory(UserFactory)
    provider = "ties"
    uid = factory.Sequence(lambda n: f"ties-user-{n}")
    extra_data = factory.LazyFunction(dict)


class SocialTokenFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "socialaccount.SocialToken"

    app = factory.SubFactory(SocialAppFactory)
    account = factory.SubFactory(SocialAccountFactory, provider=factory.SelfAttribute("..app.provider_id"))
    token = factory.Sequence(lambda n: f"access-token-{n}")
    expires_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(hours=1))


class AuthenticatorFactory(factory.django.DjangoModelFactory):
    """A person's authenticator app (allauth.mfa), with a secret of its own (tests/second_factor.py)."""

    class Meta:
        model = "mfa.Authenticator"

    user = factory.SubFactory(UserFactory)
    type = "totp"
    data = factory.LazyFunction(lambda: {"secret": generate_totp_secret()})


# One factory per model the admin registers, by label ("app_label.ModelName"): the admin's page and
# write-path tests make rows of every model from it, and fail for a registered model missing here.
FACTORY_BY_MODEL_LABEL = {
    "auth.Group": GroupFactory,
    "auth.User": UserFactory,
    "sites.Site": SiteFactory,
    "account.EmailAddress": EmailAddressFactory,
    "socialaccount.SocialApp": SocialAppFactory,
    "socialaccount.SocialAccount": SocialAccountFactory,
    "socialaccount.SocialToken": SocialTokenFactory,
    "mfa.Authenticator": AuthenticatorFactory,
    "outbox.OutgoingMessage": OutgoingMessageFactory,
    "meetings.Pilot": PilotFactory,
    "meetings.StudyGroup": StudyGroupFactory,
    "meetings.Meeting": MeetingFactory,
    "meetings.Appointment": AppointmentFactory,
    "meetings.Decision": DecisionFactory,
    "meetings.DecisionParticipant": DecisionParticipantFactory,
    "meetings.PilotReport": PilotReportFactory,
    "focalpoints.Administration": AdministrationFactory,
    "focalpoints.FocalPoint": FocalPointFactory,
    "focalpoints.Deputyship": DeputyshipFactory,
    "registration.SME": SMEFactory,
    "registration.ParticipantProfile": ParticipantProfileFactory,
    "registration.Registration": RegistrationFactory,
    "registration.RegistrationDueForDecision": RegistrationDueForDecisionFactory,
    "registration.Attendance": AttendanceFactory,
    "registration.VisaLetterRequest": VisaLetterRequestFactory,
}
