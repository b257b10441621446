"""Demo data that mirrors the circular letter on the SME pilot in ITU-D study groups.

Source: the ITU-D circular letter "Implementation of pilot project for participation of SMEs in
ITU-D study groups" (DESIGN.md, seed/), its Annex 1 (the Council 2017 terms of reference) and
Annex 2 (registration opens on 18 January 2018 for Study Group 1, 30 April - 4 May 2018, and Study
Group 2, 7 - 11 May 2018). The rapporteur group meetings, Administrations' focal points, SMEs and
people below are illustrative: the letter names none of them.

Everything is written through the models directly and keyed on natural keys, so that running the
seed twice leaves the same rows (a row is saved only when a value differs, so history stays quiet).
By default every date is moved by a whole number of weeks so that the pilot is running and
registration is open today; `letter_dates=True` keeps the letter's 2018 dates.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from focalpoints.models import Administration, FocalPoint, ItuRegion
from meetings.models import Meeting, MeetingKind, Pilot, Sector, StudyGroup
from registration.models import SME, Attendance, Eligibility, ParticipantProfile, Registration, RegistrationStatus
from smepilot.sites import site_sync

PILOT_NAME = "SME pilot project in ITU-D study groups (Council 2017)"

# Annex 1 of the letter, word for word (the letter's list numbering restored).
TERMS_OF_REFERENCE = """\
Terms of reference for the Small and Medium Enterprises (SMEs) pilot project (as per Council 2017 decision)

1. The pilot project for SME participation will be open to interested Study Groups of ITU-T and ITU-D.
2. The pilot project would be promoted in collaboration between the involved Bureaux, regional organizations, \
concerned administrations and the ITU regional and area offices through contact with SMEs and SME associations.
3. SMEs may participate fully in the meetings of the participating Study Groups conducting the pilot project, \
with the exception of any role in decision-making, including leadership roles and the adoption of resolutions or \
recommendations regardless of the approval procedures.
4. The request of an SME to participate in the pilot project will be submitted via the concerned administration, \
which should confirm that they meet the national criteria to be recognized as an SME, including factors such as \
size of company and annual revenues.
5. The pilot project would run until PP-18. The secretariat will provide a progress report to the next Council, \
with a view towards presenting a full report for PP-18, including the benefits experienced, financial \
implications, and challenges to be addressed.
"""

# The letter's dates. The pilot starts for ITU-D when online registration opens (Annex 2) and runs
# "until PP-18" (point 5): the last day of the Plenipotentiary Conference, Dubai, 16 November 2018.
REGISTRATION_OPENS = datetime.date(2018, 1, 18)
PILOT_ENDS = datetime.date(2018, 11, 16)
# The day of the letter's calendar that the shifted demo puts at (or up to six days before) today:
# four weeks into registration, eleven weeks before Study Group 1 meets.
SHIFT_ANCHOR = datetime.date(2018, 2, 15)
GENEVA = "Geneva, Switzerland (ITU headquarters)"

DEMO_PASSWORD = "smepilot-demo-2018"  # noqa: S105 - documented, used only with DEBUG on
SECRETARIAT_EMAIL = "admin@smepilot.example"
FOCAL_POINT_EMAIL = "focal@smepilot.example"
SME_REPRESENTATIVE_EMAIL = "sme@smepilot.example"

STUDY_GROUPS = [
    # (number, title) of ITU-D study groups, study period 2018-2021
    (1, "Enabling environment for the development of telecommunications/ICTs"),
    (2, "ICT services and applications for the promotion of sustainable development"),
]

# key: (study group number, kind, title, starts, ends, remote participation offered)
MEETINGS = {
    "SG1": (
        1,
        MeetingKind.STUDY_GROUP,
        "ITU-D Study Group 1, first meeting of the 2018-2021 study period",
        datetime.date(2018, 4, 30),
        datetime.date(2018, 5, 4),
        True,
    ),
    "SG2": (
        2,
        MeetingKind.STUDY_GROUP,
        "ITU-D Study Group 2, first meeting of the 2018-2021 study period",
        datetime.date(2018, 5, 7),
        datetime.date(2018, 5, 11),
        True,
    ),
    "RG-Q1/1": (
        1,
        MeetingKind.RAPPORTEUR_GROUP,
        "Rapporteur Group meeting, Question 1/1: broadband deployment in developing countries",
        datetime.date(2018, 9, 24),
        datetime.date(2018, 9, 25),
        True,
    ),
    # The one meeting without remote participation: registrations must be in person.
    "RG-Q6/1": (
        1,
        MeetingKind.RAPPORTEUR_GROUP,
        "Rapporteur Group meeting, Question 6/1: consumer information, protection and rights",
        datetime.date(2018, 9, 27),
        datetime.date(2018, 9, 28),
        False,
    ),
    "RG-Q1/2": (
        2,
        MeetingKind.RAPPORTEUR_GROUP,
        "Rapporteur Group meeting, Question 1/2: creating smart cities and society",
        datetime.date(2018, 10, 8),
        datetime.date(2018, 10, 9),
        True,
    ),
    "RG-Q3/2": (
        2,
        MeetingKind.RAPPORTEUR_GROUP,
        "Rapporteur Group meeting, Question 3/2: securing information and communication networks",
        datetime.date(2018, 10, 11),
        datetime.date(2018, 10, 12),
        True,
    ),
}

# country: (ITU region, in the pilot, [(focal point name, email)])
ADMINISTRATIONS = {
    "KE": (ItuRegion.AFRICA, True, [("Grace Wanjiku", FOCAL_POINT_EMAIL), ("Peter Kamau", "focal.ke@ca.example")]),
    "SN": (ItuRegion.AFRICA, True, [("Mamadou Diop", "focal.sn@artp.example")]),
    "GH": (ItuRegion.AFRICA, True, [("Efua Mensah", "focal.gh@moc.example")]),
    "BR": (ItuRegion.AMERICAS, True, [("Ana Costa", "focal.br@anatel.example")]),
    "MX": (ItuRegion.AMERICAS, True, [("Jorge Ramírez", "focal.mx@ift.example")]),
    "AR": (ItuRegion.AMERICAS, False, [("Lucía Fernández", "focal.ar@enacom.example")]),
    "EG": (ItuRegion.ARAB_STATES, True, [("Karim Mansour", "focal.eg@ntra.example")]),
    "JO": (ItuRegion.ARAB_STATES, True, [("Rania Khalil", "focal.jo@trc.example")]),
    "IN": (ItuRegion.ASIA_PACIFIC, True, [("Arjun Mehta", "focal.in@dot.example")]),
    "VN": (ItuRegion.ASIA_PACIFIC, True, [("Tran Van Minh", "focal.vn@mic.example")]),
    "KZ": (ItuRegion.CIS, True, [("Dana Nurlanovna", "focal.kz@mdai.example")]),
    "KG": (ItuRegion.CIS, True, [("Bakyt Osmonov", "focal.kg@sca.example")]),
    "CH": (ItuRegion.EUROPE, True, [("Claire Rochat", "focal.ch@ofcom.example")]),
    "DE": (ItuRegion.EUROPE, True, [("Jens Hoffmann", "focal.de@bnetza.example")]),
}

# (country, name): (employees, annual revenue, currency, website, address, eligibility)
SMES = {
    ("KE", "Savannah Fibre Ltd"): (
        42,
        "180000000",
        "KES",
        "https://savannah-fibre.example",
        "Ngong Road 12, Nairobi",
        Eligibility.CONFIRMED,
    ),
    ("KE", "Lakeside Mobile Apps"): (
        9,
        "25000000",
        "KES",
        "https://lakeside-apps.example",
        "Oginga Odinga Street 4, Kisumu",
        Eligibility.PENDING,
    ),
    ("SN", "Dakar Data Services SARL"): (
        28,
        "650000000",
        "XOF",
        "https://dakar-data.example",
        "Avenue Cheikh Anta Diop, Dakar",
        Eligibility.CONFIRMED,
    ),
    ("GH", "Accra Cloud Works"): (
        35,
        "9500000",
        "GHS",
        "https://accra-cloud.example",
        "Oxford Street 7, Osu, Accra",
        Eligibility.CONFIRMED,
    ),
    ("BR", "Recife Conecta Ltda"): (
        120,
        "14000000",
        "BRL",
        "https://recife-conecta.example",
        "Rua da Aurora 300, Recife",
        Eligibility.CONFIRMED,
    ),
    ("MX", "Monterrey IoT Labs"): (
        60,
        "30000000",
        "MXN",
        "https://mty-iot.example",
        "Av. Constitución 1500, Monterrey",
        Eligibility.PENDING,
    ),
    ("EG", "Nile Broadband Solutions"): (
        85,
        "40000000",
        "EGP",
        "https://nile-broadband.example",
        "Smart Village, Giza",
        Eligibility.CONFIRMED,
    ),
    ("JO", "Amman Secure Code"): (
        310,
        "52000000",
        "JOD",
        "https://amman-secure.example",
        "King Hussein Business Park, Amman",
        Eligibility.REFUSED,
    ),
    ("IN", "Chennai Rural Connect Pvt Ltd"): (
        150,
        "420000000",
        "INR",
        "https://rural-connect.example",
        "Anna Salai 88, Chennai",
        Eligibility.CONFIRMED,
    ),
    ("VN", "Hanoi e-Health Systems"): (
        48,
        "95000000000",
        "VND",
        "https://hanoi-ehealth.example",
        "Duy Tan Street 1, Cau Giay, Hanoi",
        Eligibility.PENDING,
    ),
    ("KZ", "Steppe Telecom Consulting LLP"): (
        22,
        "310000000",
        "KZT",
        "https://steppe-telecom.example",
        "Dostyk Avenue 20, Almaty",
        Eligibility.CONFIRMED,
    ),
    ("CH", "Lémanique Accessibility Sàrl"): (
        14,
        "2600000",
        "CHF",
        "https://lemanique-a11y.example",
        "Rue du Rhône 40, Genève",
        Eligibility.CONFIRMED,
    ),
    ("DE", "Rhein Spectrum GmbH"): (
        75,
        "11000000",
        "EUR",
        "https://rhein-spectrum.example",
        "Rheinuferstraße 9, Bonn",
        Eligibility.REFUSED,
    ),
}

# email: (given name, family name, job title, (country, SME name))
PARTICIPANTS = {
    SME_REPRESENTATIVE_EMAIL: ("Amina", "Otieno", "Chief Technology Officer", ("KE", "Savannah Fibre Ltd")),
    "brian.mwangi@lakeside-apps.example": ("Brian", "Mwangi", "Founder", ("KE", "Lakeside Mobile Apps")),
    "awa.ndiaye@dakar-data.example": ("Awa", "Ndiaye", "Network Architect", ("SN", "Dakar Data Services SARL")),
    "kwame.asante@accra-cloud.example": ("Kwame", "Asante", "Managing Director", ("GH", "Accra Cloud Works")),
    "lucas.ferreira@recife-conecta.example": (
        "Lucas",
        "Ferreira",
        "Regulatory Affairs",
        ("BR", "Recife Conecta Ltda"),
    ),
    "sofia.hernandez@mty-iot.example": ("Sofía", "Hernández", "Product Manager", ("MX", "Monterrey IoT Labs")),
    "nour.elsayed@nile-broadband.example": (
        "Nour",
        "El-Sayed",
        "Head of Strategy",
        ("EG", "Nile Broadband Solutions"),
    ),
    "omar.haddad@amman-secure.example": ("Omar", "Haddad", "Security Lead", ("JO", "Amman Secure Code")),
    "priya.raman@rural-connect.example": (
        "Priya",
        "Raman",
        "Chief Executive",
        ("IN", "Chennai Rural Connect Pvt Ltd"),
    ),
    "lan.nguyen@hanoi-ehealth.example": ("Lan", "Nguyen Thi", "Software Engineer", ("VN", "Hanoi e-Health Systems")),
    "aigerim.bekova@steppe-telecom.example": (
        "Aigerim",
        "Bekova",
        "Senior Consultant",
        ("KZ", "Steppe Telecom Consulting LLP"),
    ),
    "marie.dubois@lemanique-a11y.example": (
        "Marie",
        "Dubois",
        "Accessibility Expert",
        ("CH", "Lémanique Accessibility Sàrl"),
    ),
    "jonas.weber@rhein-spectrum.example": ("Jonas", "Weber", "Radio Engineer", ("DE", "Rhein Spectrum GmbH")),
}

REASON_NOT_CONFIRMED = (
    "The Administration has not confirmed that the company meets the national criteria for an SME "
    "(terms of reference, point 4)."
)
REASON_INCOMPLETE = "The company's details are incomplete: please add its address and website, then register again."

# (participant email, meeting key, attendance, status, days after registration opened, reason, on behalf)
# The days place each registration in the letter's calendar (created, then decided a few days later).
REGISTRATIONS = [
    (SME_REPRESENTATIVE_EMAIL, "SG1", Attendance.IN_PERSON, RegistrationStatus.VALIDATED, 2, "", False),
    (SME_REPRESENTATIVE_EMAIL, "RG-Q6/1", Attendance.IN_PERSON, RegistrationStatus.PENDING, 24, "", False),
    ("brian.mwangi@lakeside-apps.example", "SG1", Attendance.IN_PERSON, RegistrationStatus.PENDING, 20, "", False),
    ("brian.mwangi@lakeside-apps.example", "SG2", Attendance.REMOTE, RegistrationStatus.PENDING, 20, "", False),
    ("awa.ndiaye@dakar-data.example", "SG1", Attendance.REMOTE, RegistrationStatus.VALIDATED, 5, "", False),
    ("awa.ndiaye@dakar-data.example", "SG2", Attendance.REMOTE, RegistrationStatus.CANCELLED, 5, "", False),
    ("kwame.asante@accra-cloud.example", "SG2", Attendance.IN_PERSON, RegistrationStatus.PENDING, 25, "", False),
    ("lucas.ferreira@recife-conecta.example", "SG1", Attendance.IN_PERSON, RegistrationStatus.VALIDATED, 8, "", True),
    ("sofia.hernandez@mty-iot.example", "SG2", Attendance.REMOTE, RegistrationStatus.PENDING, 12, "", False),
    ("nour.elsayed@nile-broadband.example", "SG2", Attendance.IN_PERSON, RegistrationStatus.VALIDATED, 3, "", False),
    ("nour.elsayed@nile-broadband.example", "RG-Q1/2", Attendance.REMOTE, RegistrationStatus.PENDING, 26, "", False),
    (
        "omar.haddad@amman-secure.example",
        "SG1",
        Attendance.IN_PERSON,
        RegistrationStatus.REJECTED,
        6,
        REASON_NOT_CONFIRMED,
        False,
    ),
    ("priya.raman@rural-connect.example", "SG1", Attendance.IN_PERSON, RegistrationStatus.CANCELLED, 4, "", False),
    ("priya.raman@rural-connect.example", "RG-Q1/1", Attendance.REMOTE, RegistrationStatus.VALIDATED, 10, "", False),
    ("lan.nguyen@hanoi-ehealth.example", "SG2", Attendance.REMOTE, RegistrationStatus.PENDING, 1, "", False),
    ("aigerim.bekova@steppe-telecom.example", "SG1", Attendance.REMOTE, RegistrationStatus.VALIDATED, 7, "", False),
    (
        "aigerim.bekova@steppe-telecom.example",
        "RG-Q3/2",
        Attendance.IN_PERSON,
        RegistrationStatus.PENDING,
        27,
        "",
        False,
    ),
    (
        "marie.dubois@lemanique-a11y.example",
        "SG1",
        Attendance.IN_PERSON,
        RegistrationStatus.REJECTED,
        9,
        REASON_INCOMPLETE,
        False,
    ),
    (
        "jonas.weber@rhein-spectrum.example",
        "RG-Q6/1",
        Attendance.IN_PERSON,
        RegistrationStatus.CANCELLED,
        15,
        "",
        False,
    ),
]
DAYS_TO_DECIDE = 2


@dataclass
class DemoAccount:
    role: str
    email: str
    password: str


@dataclass
class SeedResult:
    shift: datetime.timedelta
    pilot: Pilot
    accounts: list[DemoAccount] = field(default_factory=list)


def shift_for(*, letter_dates, today):
    """Whole weeks from the letter's calendar to today's, so meetings keep their weekdays."""
    if letter_dates:
        return datetime.timedelta(0)
    return datetime.timedelta(weeks=(today - SHIFT_ANCHOR).days // 7)


def upsert(model, *, lookup, values):
    """get_or_create, then save only what differs: a second run writes nothing."""
    obj, created = model.objects.get_or_create(**lookup, defaults=values)
    if not created:
        changed = [name for name, value in values.items() if getattr(obj, name) != value]
        if changed:
            for name in changed:
                setattr(obj, name, values[name])
            obj.save()
    return obj


def at_geneva(day, hour=10):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)), timezone.get_default_timezone())


def account_upsert(*, email, password, given_name="", family_name="", staff=False):
    """A user signed in by email (allauth), its address verified; password None = cannot sign in."""
    from allauth.account.models import EmailAddress

    user = upsert(
        get_user_model(),
        lookup={"username": email},
        values={
            "email": email,
            "first_name": given_name,
            "last_name": family_name,
            "is_staff": staff,
            "is_superuser": staff,
            "is_active": True,
        },
    )
    if password is None:
        if user.has_usable_password():
            user.set_unusable_password()
            user.save(update_fields=["password"])
    elif not user.check_password(password):
        user.set_password(password)
        user.save(update_fields=["password"])
    upsert(EmailAddress, lookup={"user": user, "email": email}, values={"verified": True, "primary": True})
    return user


@transaction.atomic
def seed(*, letter_dates=False, today=None, passwords=None):
    """Create or bring up to date the demo data. passwords: {email: password} for the demo accounts."""
    today = today or timezone.localdate()
    shift = shift_for(letter_dates=letter_dates, today=today)
    passwords = passwords or {}

    site_sync()  # allauth names the current site in its emails

    secretariat = account_upsert(
        email=SECRETARIAT_EMAIL,
        password=passwords.get(SECRETARIAT_EMAIL),
        given_name="ITU-D Study Groups",
        family_name="Secretariat",
        staff=True,
    )

    study_groups = {
        number: upsert(
            StudyGroup,
            lookup={"sector": Sector.ITU_D, "number": number, "study_period_start": 2018},
            values={"title": title, "study_period_end": 2021},
        )
        for number, title in STUDY_GROUPS
    }
    pilot = upsert(
        Pilot,
        lookup={"name": PILOT_NAME},
        values={"terms": TERMS_OF_REFERENCE, "starts_on": REGISTRATION_OPENS + shift, "ends_on": PILOT_ENDS + shift},
    )
    pilot.study_groups.add(*study_groups.values())

    meetings = {}
    for key, (number, kind, title, starts_on, ends_on, remote) in MEETINGS.items():
        meetings[key] = upsert(
            Meeting,
            lookup={"study_group": study_groups[number], "title": title},
            values={
                "kind": kind,
                "starts_on": starts_on + shift,
                "ends_on": ends_on + shift,
                "place": GENEVA,
                "remote_participation": remote,
                # Annex 2: one opening date for all meetings, rapporteur group meetings included.
                "registration_opens_on": REGISTRATION_OPENS + shift,
                "registration_closes_on": starts_on + shift - datetime.timedelta(days=1),
            },
        )

    administrations = {}
    deciders = {}
    for country, (region, in_pilot, focal_points) in ADMINISTRATIONS.items():
        administration = upsert(
            Administration, lookup={"country": country}, values={"itu_region": region, "in_pilot": in_pilot}
        )
        administrations[country] = administration
        for name, email in focal_points:
            given_name, family_name = name.split(" ", 1)
            user = account_upsert(
                email=email, password=passwords.get(email), given_name=given_name, family_name=family_name
            )
            upsert(
                FocalPoint,
                lookup={"administration": administration, "email": email},
                values={"name": name, "user": user, "is_active": True},
            )
            deciders.setdefault(country, user)

    smes = {}
    for (country, name), (employees, revenue, currency, website, address, eligibility) in SMES.items():
        decided = eligibility != Eligibility.PENDING
        smes[country, name] = upsert(
            SME,
            lookup={"administration": administrations[country], "name": name},
            values={
                "employees": employees,
                "annual_revenue": Decimal(revenue),
                "revenue_currency": currency,
                "website": website,
                "address": address,
                "eligibility": eligibility,
                "eligibility_decided_by": deciders[country] if decided else None,
                "eligibility_decided_at": at_geneva(REGISTRATION_OPENS + shift, hour=9) if decided else None,
                "eligibility_reason": REASON_NOT_CONFIRMED if eligibility == Eligibility.REFUSED else "",
            },
        )

    profiles = {}
    for email, (given_name, family_name, job_title, sme_key) in PARTICIPANTS.items():
        user = account_upsert(
            email=email, password=passwords.get(email), given_name=given_name, family_name=family_name
        )
        sme = smes[sme_key]
        profiles[email] = upsert(
            ParticipantProfile,
            lookup={"user": user},
            values={
                "given_name": given_name,
                "family_name": family_name,
                "job_title": job_title,
                "administration": sme.administration,
                "sme": sme,
                "privacy_consent_at": at_geneva(REGISTRATION_OPENS + shift, hour=8),
            },
        )

    for email, meeting_key, attendance, status, day, reason, on_behalf in REGISTRATIONS:
        profile = profiles[email]
        created_at = at_geneva(REGISTRATION_OPENS + shift + datetime.timedelta(days=day))
        decided_at = created_at + datetime.timedelta(days=DAYS_TO_DECIDE)
        decided = status in (RegistrationStatus.VALIDATED, RegistrationStatus.REJECTED)
        lookup = {"participant": profile, "meeting": meetings[meeting_key]}
        if Registration.objects.filter(**lookup).count() > 1:
            # Someone cancelled and registered again while trying the demo: their rows are kept as
            # they are (resetting the old one could make two active registrations).
            continue
        registration = upsert(
            Registration,
            lookup=lookup,
            values={
                "sme": profile.sme,
                "attendance": attendance,
                "status": status,
                "decided_by": (secretariat if on_behalf else deciders[profile.sme.administration.country.code])
                if decided
                else None,
                "decided_at": decided_at if decided else None,
                "decided_on_behalf": on_behalf,
                "reason": reason,
                "cancelled_at": decided_at if status == RegistrationStatus.CANCELLED else None,
            },
        )
        if registration.created_at != created_at:
            # created_at is set on insert; the demo places it in the letter's calendar instead, so
            # that "pending for N days" (reminders, the secretariat's overdue list) has real values.
            Registration.objects.filter(pk=registration.pk).update(created_at=created_at)

    accounts = [
        DemoAccount("secretariat (superuser, /admin/)", SECRETARIAT_EMAIL, passwords.get(SECRETARIAT_EMAIL)),
        DemoAccount(f"focal point of {administrations['KE']}", FOCAL_POINT_EMAIL, passwords.get(FOCAL_POINT_EMAIL)),
        DemoAccount(
            "SME representative (Savannah Fibre Ltd)",
            SME_REPRESENTATIVE_EMAIL,
            passwords.get(SME_REPRESENTATIVE_EMAIL),
        ),
    ]
    return SeedResult(shift=shift, pilot=pilot, accounts=accounts)
