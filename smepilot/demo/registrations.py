"""The demo registrations: every status, in person and remote, one decided on the Administration's behalf."""

from registration.models import AttendanceMode, RegistrationStatus

from .accounts import SME_REPRESENTATIVE_EMAIL
from .people import REASON_NOT_CONFIRMED

REASON_INCOMPLETE = "The company's details are incomplete: please add its address and website, then register again."

# (participant email, meeting key, attendance, status, days after registration opened, reason, on behalf)
# The days place each registration in the letter's calendar (created, then decided a few days later).
REGISTRATIONS = [
    (SME_REPRESENTATIVE_EMAIL, "SG1", AttendanceMode.IN_PERSON, RegistrationStatus.VALIDATED, 2, "", False),
    (SME_REPRESENTATIVE_EMAIL, "RG-Q6/1", AttendanceMode.IN_PERSON, RegistrationStatus.PENDING, 24, "", False),
    ("brian.mwangi@lakeside-apps.example", "SG1", AttendanceMode.IN_PERSON, RegistrationStatus.PENDING, 20, "", False),
    ("brian.mwangi@lakeside-apps.example", "SG2", AttendanceMode.REMOTE, RegistrationStatus.PENDING, 20, "", False),
    ("awa.ndiaye@dakar-data.example", "SG1", AttendanceMode.REMOTE, RegistrationStatus.VALIDATED, 5, "", False),
    ("awa.ndiaye@dakar-data.example", "SG2", AttendanceMode.REMOTE, RegistrationStatus.CANCELLED, 5, "", False),
    ("kwame.asante@accra-cloud.example", "SG2", AttendanceMode.IN_PERSON, RegistrationStatus.PENDING, 25, "", False),
    (
        "lucas.ferreira@recife-conecta.example",
        "SG1",
        AttendanceMode.IN_PERSON,
        RegistrationStatus.VALIDATED,
        8,
        "",
        True,
    ),
    ("sofia.hernandez@mty-iot.example", "SG2", AttendanceMode.REMOTE, RegistrationStatus.PENDING, 12, "", False),
    (
        "nour.elsayed@nile-broadband.example",
        "SG2",
        AttendanceMode.IN_PERSON,
        RegistrationStatus.VALIDATED,
        3,
        "",
        False,
    ),
    (
        "nour.elsayed@nile-broadband.example",
        "RG-Q1/2",
        AttendanceMode.REMOTE,
        RegistrationStatus.PENDING,
        26,
        "",
        False,
    ),
    (
        "omar.haddad@amman-secure.example",
        "SG1",
        AttendanceMode.IN_PERSON,
        RegistrationStatus.REJECTED,
        6,
        REASON_NOT_CONFIRMED,
        False,
    ),
    ("priya.raman@rural-connect.example", "SG1", AttendanceMode.IN_PERSON, RegistrationStatus.CANCELLED, 4, "", False),
    (
        "priya.raman@rural-connect.example",
        "RG-Q1/1",
        AttendanceMode.REMOTE,
        RegistrationStatus.VALIDATED,
        10,
        "",
        False,
    ),
    ("lan.nguyen@hanoi-ehealth.example", "SG2", AttendanceMode.REMOTE, RegistrationStatus.PENDING, 1, "", False),
    (
        "aigerim.bekova@steppe-telecom.example",
        "SG1",
        AttendanceMode.REMOTE,
        RegistrationStatus.VALIDATED,
        7,
        "",
        False,
    ),
    (
        "aigerim.bekova@steppe-telecom.example",
        "RG-Q3/2",
        AttendanceMode.IN_PERSON,
        RegistrationStatus.PENDING,
        27,
        "",
        False,
    ),
    (
        "marie.dubois@lemanique-a11y.example",
        "SG1",
        AttendanceMode.IN_PERSON,
        RegistrationStatus.REJECTED,
        9,
        REASON_INCOMPLETE,
        False,
    ),
    (
        "jonas.weber@rhein-spectrum.example",
        "RG-Q6/1",
        AttendanceMode.IN_PERSON,
        RegistrationStatus.CANCELLED,
        15,
        "",
        False,
    ),
]
DAYS_TO_DECIDE = 2
