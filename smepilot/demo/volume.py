"""volume_seed(): a pilot's worth of data, added with bulk inserts on top of whatever the database holds.

For measuring the site at the size the secretariat sees by the end of the pilot (100,000
registrations): study groups of both sectors with their study group and rapporteur group meetings,
past, open for registration and not yet open; Administrations of the six ITU regions with focal
points who can sign in (a password and an authenticator app whose secret is derived from the seed,
so that a client computes their codes); SMEs pending, confirmed and refused; their representatives
(accounts with a verified address, profiles) and their registrations in every status, in person and
remote; study group leaders and the decisions they took part in.

The no-decision-making rule (terms of reference, point 3) holds throughout: the leaders are
delegates of Member States who never represent an SME, the representatives never hold an
appointment nor take part in a decision, and every row goes through the database's triggers
(meetings migrations 0005 and 0006), which stay in place: a load that broke the rule would fail.

Rows are written in one transaction: the few with bulk_create, the many (accounts, SMEs, profiles,
registrations, and their history records, as the site's own writes leave one) through
smepilot.demo.bulk, COPY on PostgreSQL. 100,000 registrations with their 37,000 people load in
about 25 seconds on a busy 2-CPU machine; the tables are then analysed for the planner.

Every account shares one password, hashed once: hashing is slow on purpose. Each run tags its
accounts' addresses (``v<seed>`` then ``v<seed>b2``, ...), so a second run adds more people instead
of clashing with the first. Not for a production database: anyone who reads this module can sign
in as these people.
"""

import base64
import datetime
import hashlib
import hmac
import itertools
import math
import random
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from decimal import Decimal

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import encrypt
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify

from focalpoints.models import Administration, FocalPoint
from meetings.models import (
    Appointment,
    Decision,
    DecisionKind,
    DecisionParticipant,
    LeadershipRole,
    Meeting,
    MeetingKind,
    Pilot,
    StudyGroup,
)
from meetings.selectors import pilot_current
from registration.deadlines import decision_deadline
from registration.models import (
    ACTIVE_STATUSES,
    SME,
    AttendanceMode,
    Eligibility,
    ParticipantProfile,
    Registration,
    RegistrationStatus,
)
from smepilot.models import AccountPreferences

from .bulk import BATCH_SIZE, history_rows_insert, rows_insert
from .volume_names import (
    COUNTRIES,
    FAMILY_NAMES,
    GIVEN_NAMES,
    JOB_TITLES,
    SME_FIRST_WORDS,
    SME_LEGAL_FORMS,
    SME_SECOND_WORDS,
    STREETS,
    STUDY_GROUPS,
)

VOLUME_PASSWORD = "smepilot-volume-2018"  # noqa: S105 - published on purpose: volume data is for measuring
GENEVA = "Geneva, Switzerland"
# On average a representative registers for about three meetings (a study group meeting and some of its
# rapporteur group meetings); three representatives per SME.
REGISTRATIONS_PER_PERSON = (1, 1, 2, 2, 3, 3, 3, 4, 5)
REPRESENTATIVES_PER_SME = 3
REASON_NOT_CONFIRMED = (
    "The Administration has not confirmed that the company meets the national criteria for an SME "
    "(terms of reference, point 4)."
)
REASON_INCOMPLETE = "The company's details are incomplete: please add its address and website, then register again."

# Status shares by where the meeting stands: registrations for a past meeting have mostly been decided.
# (statuses, cumulative weights for random.choices): 70% validated, 10% rejected, 17% cancelled, 3% pending.
PAST_STATUSES = (
    [
        RegistrationStatus.VALIDATED,
        RegistrationStatus.REJECTED,
        RegistrationStatus.CANCELLED,
        RegistrationStatus.PENDING,
    ],
    [70, 80, 97, 100],
)
# 45% pending, 35% validated, 8% rejected, 12% cancelled.
COMING_STATUSES = (
    [
        RegistrationStatus.PENDING,
        RegistrationStatus.VALIDATED,
        RegistrationStatus.REJECTED,
        RegistrationStatus.CANCELLED,
    ],
    [45, 80, 88, 100],
)
ELIGIBILITIES = [Eligibility.CONFIRMED, Eligibility.PENDING, Eligibility.REFUSED]
ELIGIBILITY_WEIGHTS = [75, 20, 5]


def totp_secret_for(*, email: str, seed: int) -> str:
    """The authenticator app's secret of a volume focal point: what a client needs to compute their codes."""
    digest = hmac.new(f"smepilot-volume-{seed}".encode(), email.lower().encode(), hashlib.sha1).digest()
    return base64.b32encode(digest).decode("ascii")


def volume_seed(
    *,
    registrations: int,
    seed: int = 0,
    focal_points_per_administration: int = 2,
    progress: Callable[[str], None] | None = None,
) -> dict:
    """Add a pilot's worth of data with ``registrations`` registrations; returns counts and ids (JSON-ready).

    The result's keys: ``tag``, ``password``, ``pilot_id``, ``study_group_ids``, ``meeting_ids``,
    ``open_meeting_ids`` (registration open today), ``register_meeting_id`` (an open meeting offering
    remote participation), ``counts`` (rows added by model), ``registrations_by_status``,
    ``focal_points`` (id, user id, email, Administration, country, TOTP secret), ``representatives_ready``
    (user id, email, profile id of people who may register for ``register_meeting_id`` and have no
    registration for it), ``pending_by_administration`` ({Administration id: ids of pending registrations for
    meetings not over, whose SME was not refused: what its focal points can approve}), ``leader_ids``.
    """
    if registrations < 0:
        raise ValueError("registrations must be 0 or more")
    say = progress or (lambda message: None)
    started = time.monotonic()
    rng = random.Random(seed)  # noqa: S311 - reproducible data, not secrets
    with transaction.atomic():
        run = _VolumeRun(
            rng=rng, seed=seed, say=lambda message: say(f"[{time.monotonic() - started:5.1f}s] {message}")
        )
        result = run.go(registrations=registrations, focal_points_per_administration=focal_points_per_administration)
    if _statistics_refresh():
        say(f"[{time.monotonic() - started:5.1f}s] Statistics of the tables refreshed (ANALYZE).")
    say(f"[{time.monotonic() - started:5.1f}s] Done.")
    return result


# The tables the load grows most: their row counts and value spreads are what the planner reads.
ANALYZED_MODELS = [Registration, ParticipantProfile, SME, EmailAddress, Authenticator, FocalPoint]


def _statistics_refresh() -> bool:
    """ANALYZE the tables just grown, on PostgreSQL, once the load is committed: until autovacuum comes
    round, the planner would plan the first requests after a 100,000-row load for the tables' old sizes."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return False
    tables = [model._meta.db_table for model in [*ANALYZED_MODELS, get_user_model()]]
    tables += [model.history.model._meta.db_table for model in ANALYZED_MODELS if hasattr(model, "history")]
    with connection.cursor() as cursor:
        # Names from the models' own metadata, quoted.
        cursor.execute(f"ANALYZE {', '.join(map(connection.ops.quote_name, tables))}")
    return True


class _VolumeRun:
    def __init__(self, *, rng: random.Random, seed: int, say):
        self.rng = rng
        self.seed = seed
        self.say = say
        self.now = timezone.now()
        self.today = timezone.localdate()
        self.tag = _free_tag(seed)
        self.password = make_password(VOLUME_PASSWORD)  # once: hashing is slow on purpose
        self.counts = Counter()
        self.secretariat = get_user_model().objects.filter(is_staff=True, is_active=True).order_by("pk").first()
        self.zone = timezone.get_default_timezone()
        self.country_codes = {}

    def go(self, *, registrations: int, focal_points_per_administration: int) -> dict:
        pilot = self.pilot()
        study_groups = self.study_groups(pilot)
        meetings = self.meetings(pilot, study_groups)
        self.say(f"Pilot {pilot.pk}: {len(study_groups)} study groups, {len(meetings)} meetings added.")
        administrations = self.administrations()
        focal_points = self.focal_points(administrations, focal_points_per_administration)
        designated = sum(len(designations) for designations in focal_points.values())
        self.say(f"{len(administrations)} Administrations, {designated} focal points with authenticator apps.")
        leaders = self.leadership(study_groups, meetings)

        plan = self.plan(registrations)
        smes = self.smes(administrations, focal_points, people=len(plan))
        self.say(f"{len(smes)} SMEs.")
        profiles = self.representatives(smes, people=len(plan))
        self.say(f"{len(profiles)} representatives (accounts, addresses, profiles).")
        open_meetings = [m for m in meetings if m.registration_opens_on <= self.today <= m.registration_closes_on]
        register_meeting = next((m for m in open_meetings if m.remote_participation), None)
        written = self.registrations(plan, profiles, meetings, focal_points, register_meeting)

        return {
            "seed": self.seed,
            "tag": self.tag,
            "password": VOLUME_PASSWORD,
            "pilot_id": pilot.pk,
            "study_group_ids": [sg.pk for sg in study_groups],
            "meeting_ids": [m.pk for m in meetings],
            "open_meeting_ids": [m.pk for m in open_meetings],
            "register_meeting_id": register_meeting.pk if register_meeting else None,
            "counts": dict(self.counts),
            "registrations_by_status": dict(written["by_status"]),
            "focal_points": [
                {
                    "focal_point_id": fp.pk,
                    "user_id": fp.user_id,
                    "email": fp.email,
                    "administration_id": fp.administration_id,
                    "country": fp.administration.country.code,
                    "totp_secret": totp_secret_for(email=fp.email, seed=self.seed),
                }
                for fps in focal_points.values()
                for fp in fps
            ],
            "representatives_ready": written["ready"],
            "pending_by_administration": written["pending"],
            "leader_ids": leaders,
        }

    # --- The pilot, its study groups and meetings -------------------------------------------------

    def pilot(self) -> Pilot:
        """The running pilot when it has two months left for the coming meetings (those after its end are left
        out), else a new one."""
        current = pilot_current(today=self.today)
        horizon = self.today + datetime.timedelta(days=60)
        if current is not None and current.starts_on <= self.today and current.ends_on >= horizon:
            return current
        # A new pilot becomes the current one only if none started later (pilot_current).
        latest = Pilot.objects.filter(starts_on__lte=self.today).order_by("-starts_on").first()
        starts_on = self.today - datetime.timedelta(days=120)
        if latest is not None and latest.starts_on >= starts_on:
            starts_on = min(latest.starts_on + datetime.timedelta(days=1), self.today)
        self.counts["pilots"] += 1
        return Pilot.objects.create(
            name=f"SME pilot, volume data {self.tag}",
            terms="Council 2017 terms of reference for the SME pilot (volume data).",
            starts_on=starts_on,
            ends_on=self.today + datetime.timedelta(days=300),
        )

    def study_groups(self, pilot: Pilot) -> list[StudyGroup]:
        """ITU-D's and ITU-T's study groups of the pilot's study period, found again or added."""
        periods = Counter(pilot.study_groups.values_list("study_period_start", flat=True))
        # Else the current one of ITU's four-year study periods: 2017-2020, 2021-2024, ...
        start = periods.most_common(1)[0][0] if periods else self.today.year - (self.today.year - 2017) % 4
        found = []
        for sector, number, title in STUDY_GROUPS:
            study_group, created = StudyGroup.objects.get_or_create(
                sector=sector,
                number=number,
                study_period_start=start,
                defaults={"title_en": title, "study_period_end": start + 3},
            )
            self.counts["study_groups"] += created
            found.append(study_group)
        pilot.study_groups.add(*found)
        return found

    def meetings(self, pilot: Pilot, study_groups: list[StudyGroup]) -> list[Meeting]:
        """Per study group: a past study group meeting and rapporteur group meeting, both open for
        registration today (one of them in person only, for a third of the groups), and one not yet open."""
        rows = []
        for index, study_group in enumerate(study_groups):
            name = f"{study_group.short_name}"
            question = f"Q{1 + index % 7}/{study_group.number}"
            title = f"{name} meeting"
            group_title = f"{name} rapporteur group meeting on {question}"
            # (kind, title, starts in days, lasts days, registration opens in days, remote participation)
            layout = [
                (MeetingKind.STUDY_GROUP, title, -75 + index, 5, -165, True),
                (MeetingKind.RAPPORTEUR_GROUP, group_title, -40 + index, 3, -120, True),
                (MeetingKind.STUDY_GROUP, title, 40 + 2 * index, 5, -50, True),
                (MeetingKind.RAPPORTEUR_GROUP, group_title, 14 + index, 3, -30, index % 3 != 0),
                (MeetingKind.RAPPORTEUR_GROUP, group_title, 150 + index, 3, 30, True),
            ]
            for kind, meeting_title, start_in, days, opens_in, remote in layout:
                starts_on = self.today + datetime.timedelta(days=start_in)
                ends_on = starts_on + datetime.timedelta(days=days - 1)
                if ends_on > pilot.ends_on:
                    continue
                rows.append(
                    Meeting(
                        study_group=study_group,
                        kind=kind,
                        title_en=meeting_title,
                        starts_on=starts_on,
                        ends_on=ends_on,
                        place_en=GENEVA,
                        remote_participation=remote,
                        registration_opens_on=self.today + datetime.timedelta(days=opens_in),
                        registration_closes_on=starts_on - datetime.timedelta(days=1),
                    )
                )
        meetings = Meeting.objects.bulk_create(rows)
        self.counts["meetings"] += len(meetings)
        return meetings

    # --- Administrations, focal points, leaders ---------------------------------------------------

    def administrations(self) -> list[Administration]:
        """Every Administration of the list, found again (kept as the secretariat left it) or added."""
        existing = {a.country.code: a for a in Administration.objects.filter(country__in=list(COUNTRIES))}
        missing = [
            Administration(country=code, itu_region=region, in_pilot=True)
            for code, (region, _currency, _language) in COUNTRIES.items()
            if code not in existing
        ]
        Administration.objects.bulk_create(missing)
        self.counts["administrations"] += len(missing)
        found = {**existing, **{a.country.code: a for a in missing}}
        self.country_codes = {a.pk: code for code, a in found.items()}
        return [found[code] for code in COUNTRIES]

    def _accounts(self, people: list[tuple[str, str, str]]) -> list[int]:
        """Accounts (email, given name, family name) with the shared password and a verified address; their ids."""
        rows = [
            {
                "username": email,
                "email": email,
                "first_name": given,
                "last_name": family,
                "password": self.password,
                "is_active": True,
                "date_joined": self.now,
            }
            for email, given, family in people
        ]
        user_ids = rows_insert(get_user_model(), rows, now=self.now)
        rows_insert(
            EmailAddress,
            [
                {"user_id": user_id, "email": row["email"], "verified": True, "primary": True}
                for user_id, row in zip(user_ids, rows, strict=True)
            ],
            now=self.now,
        )
        self.counts["users"] += len(user_ids)
        return user_ids

    def _person(self, region) -> tuple[str, str]:
        return self.rng.choice(GIVEN_NAMES[region]), self.rng.choice(FAMILY_NAMES[region])

    def focal_points(self, administrations, per_administration: int) -> dict[int, list[FocalPoint]]:
        """New focal points for every Administration, each with an account and an authenticator app."""
        people, designations = [], []
        for administration in administrations:
            code = administration.country.code
            region, _currency, language = COUNTRIES[code]
            for number in range(per_administration):
                given, family = self._person(region)
                email = f"focal.{code.lower()}.{self.tag}-{number}@{code.lower()}-administration.example"
                people.append((email, given, family))
                designations.append((administration, f"{given} {family}", email, language))
        user_ids = self._accounts(people)
        rows = [
            FocalPoint(
                administration=administration,
                name=name,
                email=email,
                user_id=user_id,
                language=language,
                is_active=True,
            )
            for (administration, name, email, language), user_id in zip(designations, user_ids, strict=True)
        ]
        created = FocalPoint.objects.bulk_create(rows, batch_size=BATCH_SIZE)
        FocalPoint.history.bulk_history_create(created, batch_size=BATCH_SIZE, default_date=self.now)
        Authenticator.objects.bulk_create(
            [
                Authenticator(
                    user_id=user_id,
                    type=Authenticator.Type.TOTP,
                    data={"secret": encrypt(totp_secret_for(email=email, seed=self.seed))},
                )
                for user_id, (email, _given, _family) in zip(user_ids, people, strict=True)
            ]
            + [
                Authenticator(
                    user_id=user_id,
                    type=Authenticator.Type.RECOVERY_CODES,
                    data={"seed": encrypt(self._recovery_seed(email)), "used_mask": 0},
                )
                for user_id, (email, _given, _family) in zip(user_ids, people, strict=True)
            ],
            batch_size=BATCH_SIZE,
        )
        self.counts["focal_points"] += len(created)
        by_administration = defaultdict(list)
        for focal_point in created:
            by_administration[focal_point.administration_id].append(focal_point)
        return by_administration

    def _recovery_seed(self, email: str) -> str:
        # allauth's recovery codes derive from an 80-hex-digit seed; derived here too, so codes are reproducible.
        return hmac.new(
            f"smepilot-volume-{self.seed}".encode(), f"recovery:{email}".encode(), hashlib.sha512
        ).hexdigest()[:80]

    def leadership(self, study_groups, meetings) -> list:
        """A vice-chair per study group (a chair where it has none), Member State delegates who represent no
        SME, and their part in a decision of each past study group meeting. Written one by one: few rows,
        each checked by the triggers and given its history record by the model's signals."""
        people = []
        for study_group in study_groups:
            code = self.rng.choice(list(COUNTRIES))
            given, family = self._person(COUNTRIES[code][0])
            email = (
                f"{slugify(given)}.{slugify(family)}.{self.tag}-sg{study_group.pk}@{code.lower()}-delegation.example"
            )
            people.append((email, given, family))
        leaders = self._accounts(people)
        by_study_group = {}
        for study_group, leader in zip(study_groups, leaders, strict=True):
            has_chair = study_group.appointments.filter(role=LeadershipRole.CHAIR, ends_on__isnull=True).exists()
            Appointment.objects.create(
                person_id=leader,
                study_group=study_group,
                role=LeadershipRole.VICE_CHAIR if has_chair else LeadershipRole.CHAIR,
                starts_on=self.today - datetime.timedelta(days=400),
            )
            by_study_group[study_group.pk] = leader
        self.counts["appointments"] += len(leaders)
        for meeting in meetings:
            if meeting.kind != MeetingKind.STUDY_GROUP or meeting.ends_on >= self.today:
                continue
            decision = Decision.objects.create(
                meeting=meeting,
                kind=DecisionKind.RECOMMENDATION,
                reference=f"Recommendation {meeting.study_group.short_name}.{meeting.pk}",
                title=f"Guidelines adopted at the {meeting.title_en}",
                adopted_on=meeting.ends_on,
                approval_procedure="Traditional approval procedure",
            )
            DecisionParticipant.objects.create(decision=decision, person_id=by_study_group[meeting.study_group_id])
            self.counts["decisions"] += 1
        return leaders

    # --- SMEs and their representatives -----------------------------------------------------------

    def plan(self, registrations: int) -> list[int]:
        """How many registrations each representative makes, adding up to ``registrations``."""
        plan, left = [], registrations
        while left > 0:
            count = min(self.rng.choice(REGISTRATIONS_PER_PERSON), left)
            plan.append(count)
            left -= count
        return plan

    def smes(self, administrations, focal_points, *, people: int) -> list[dict]:
        """SMEs of the Administrations in the pilot, about three representatives each; their rows, with ``id``."""
        in_pilot = [a for a in administrations if a.in_pilot]
        wanted = math.ceil(people / REPRESENTATIVES_PER_SME) if people else 0
        # Names are unique per Administration whatever their case (registration.models.SME): the ones there.
        taken = {
            (administration_id, name.lower())
            for administration_id, name in SME.objects.filter(administration__in=in_pilot).values_list(
                "administration_id", "name"
            )
        }
        country_names = {a.pk: str(a.country.name) for a in in_pilot}  # looked up once: a translated name
        rows = []
        for _number in range(wanted):
            administration = self.rng.choice(in_pilot)
            _region, currency, _language = COUNTRIES[administration.country.code]
            base = f"{self.rng.choice(SME_FIRST_WORDS)} {self.rng.choice(SME_SECOND_WORDS)}"
            form = self.rng.choice(SME_LEGAL_FORMS)
            name = f"{base} {form}".strip()
            suffix = 2
            while (administration.pk, name.lower()) in taken:
                name = f"{base} {suffix} {form}".strip()
                suffix += 1
            taken.add((administration.pk, name.lower()))
            eligibility = self.rng.choices(ELIGIBILITIES, weights=ELIGIBILITY_WEIGHTS)[0]
            decided = eligibility != Eligibility.PENDING
            decider = self.rng.choice(focal_points[administration.pk])
            street = f"{self.rng.randint(1, 300)} {self.rng.choice(STREETS)}"
            rows.append(
                {
                    "administration_id": administration.pk,
                    "name": name,
                    "employees": self.rng.randint(2, 250),
                    "annual_revenue": Decimal(self.rng.randint(50, 50_000) * 1000),
                    "revenue_currency": currency,
                    "website": f"https://{slugify(name)}.example",
                    "address": f"{street}, {country_names[administration.pk]}",
                    "eligibility": eligibility,
                    "eligibility_decided_by_id": decider.user_id if decided else None,
                    "eligibility_decided_at": self.now - datetime.timedelta(days=self.rng.randint(1, 90))
                    if decided
                    else None,
                    "eligibility_reason": REASON_NOT_CONFIRMED if eligibility == Eligibility.REFUSED else "",
                    "created_by_id": None,
                }
            )
        ids = rows_insert(SME, rows, now=self.now)
        history_rows_insert(SME, rows, ids, dates=[self.now] * len(ids), now=self.now)
        for row, pk in zip(rows, ids, strict=True):
            row["id"] = pk
        self.counts["smes"] += len(ids)
        return rows

    def representatives(self, smes: list[dict], *, people: int) -> list[dict]:
        """``people`` accounts and profiles, each naming an SME (round the SMEs, so each has some); the profiles'
        rows, with ``id`` and the SME's row as ``sme``."""
        accounts, details = [], []
        ascii_names = {}  # slugify once per name: the pool is small
        for number in range(people):
            sme = smes[number % len(smes)]
            region = COUNTRIES[self._country_code(sme["administration_id"])][0]
            given, family = self._person(region)
            for name in (given, family):
                if name not in ascii_names:
                    ascii_names[name] = slugify(name)
            domain = sme["website"].removeprefix("https://")
            email = f"{ascii_names[given]}.{ascii_names[family]}.{self.tag}-{number}@{domain}"
            accounts.append((email, given, family))
            details.append((sme, given, family, email))
        user_ids = self._accounts(accounts)
        consent = self.now - datetime.timedelta(days=100)
        rows = [
            {
                "user_id": user_id,
                "given_name": given,
                "family_name": family,
                "job_title": self.rng.choice(JOB_TITLES),
                "administration_id": sme["administration_id"],
                "sme_id": sme["id"],
                "privacy_consent_at": consent,
                "anonymised_at": None,
            }
            for user_id, (sme, given, family, _email) in zip(user_ids, details, strict=True)
        ]
        ids = rows_insert(ParticipantProfile, rows, now=self.now)
        history_rows_insert(ParticipantProfile, rows, ids, dates=[self.now] * len(ids), now=self.now)
        for row, pk, (sme, _given, _family, email) in zip(rows, ids, details, strict=True):
            row.update(id=pk, sme=sme, email=email)
        self.counts["participant_profiles"] += len(ids)
        self.languages_choose(rows)
        return rows

    def languages_choose(self, profiles: list[dict]) -> None:
        """Half the people of a country whose focal points read French, Spanish, Arabic, Russian or Chinese
        chose that language for their account (smepilot.models.AccountPreferences), so their emails are
        written in it; the others read English."""
        chosen = []
        for profile in profiles:
            language = COUNTRIES[self._country_code(profile["administration_id"])][2]
            if language != "en" and self.rng.random() < 0.5:
                chosen.append({"user_id": profile["user_id"], "language": language})
        rows_insert(AccountPreferences, chosen, now=self.now)
        self.counts["account_preferences"] += len(chosen)

    def _country_code(self, administration_id) -> str:
        return self.country_codes[administration_id]

    # --- Registrations ----------------------------------------------------------------------------

    def registrations(self, plan, profiles, meetings, focal_points, register_meeting) -> dict:
        registrable = [m for m in meetings if m.registration_opens_on <= self.today]
        # Study group meetings draw more people than rapporteur group meetings.
        cum_weights = list(itertools.accumulate(3 if m.kind == MeetingKind.STUDY_GROUP else 1 for m in registrable))
        deciders = {pk: [fp.user_id for fp in fps] for pk, fps in focal_points.items()}
        rows, meetings_of = [], []
        for profile, count in zip(profiles, plan, strict=True):
            chosen = set()
            while len(chosen) < min(count, len(registrable)):
                chosen.add(self.rng.choices(range(len(registrable)), cum_weights=cum_weights)[0])
            for index in sorted(chosen):
                rows.append(self._registration(profile, registrable[index], deciders))
                meetings_of.append(registrable[index])
        self.say(f"{len(rows)} registrations to write...")
        ids = []
        for start in range(0, len(rows), BATCH_SIZE * 5):
            batch = rows[start : start + BATCH_SIZE * 5]
            batch_ids = rows_insert(Registration, batch, now=self.now)
            history_rows_insert(
                Registration, batch, batch_ids, dates=[row["created_at"] for row in batch], now=self.now
            )
            ids.extend(batch_ids)
            self.say(f"  {len(ids)} registrations")
        self.counts["registrations"] += len(ids)

        sme_of = {profile["sme_id"]: profile["sme"] for profile in profiles}
        by_status = Counter(row["status"] for row in rows)
        pending = defaultdict(list)
        registered_for = set()
        register_meeting_id = getattr(register_meeting, "pk", None)
        for row, pk, meeting in zip(rows, ids, meetings_of, strict=True):
            sme = sme_of[row["sme_id"]]
            if row["meeting_id"] == register_meeting_id:
                registered_for.add(row["participant_id"])
            if (
                row["status"] == RegistrationStatus.PENDING
                and sme["eligibility"] != Eligibility.REFUSED
                and meeting.ends_on >= self.today
            ):
                pending[sme["administration_id"]].append(pk)
        ready = []
        if register_meeting is not None:
            ready = [
                {"user_id": p["user_id"], "email": p["email"], "profile_id": p["id"]}
                for p in profiles
                if p["id"] not in registered_for and p["sme"]["eligibility"] != Eligibility.REFUSED
            ]
        return {"by_status": by_status, "pending": dict(pending), "ready": ready}

    def _registration(self, profile, meeting, deciders) -> dict:
        sme = profile["sme"]
        shares = PAST_STATUSES if meeting.ends_on < self.today else COMING_STATUSES
        status = self.rng.choices(shares[0], cum_weights=shares[1])[0]
        # A refused SME's registrations are rejected or withdrawn; a pending SME's are not validated yet
        # (approving one confirms the SME, terms of reference point 4).
        if sme["eligibility"] == Eligibility.REFUSED and status in ACTIVE_STATUSES:
            status = RegistrationStatus.REJECTED
        elif sme["eligibility"] == Eligibility.PENDING and status == RegistrationStatus.VALIDATED:
            status = RegistrationStatus.PENDING
        remote = meeting.remote_participation and self.rng.random() < 0.4
        created_at = self._moment_between(
            meeting.registration_opens_on, min(meeting.registration_closes_on, self.today)
        )
        decided = status in (RegistrationStatus.VALIDATED, RegistrationStatus.REJECTED)
        later = min(created_at + datetime.timedelta(hours=self.rng.randint(1, 24 * 6)), self.now)
        on_behalf = decided and self.secretariat is not None and self.rng.random() < 0.03
        decider = self.secretariat.pk if on_behalf else self.rng.choice(deciders[sme["administration_id"]])
        reason = ""
        if status == RegistrationStatus.REJECTED:
            reason = REASON_NOT_CONFIRMED if sme["eligibility"] == Eligibility.REFUSED else REASON_INCOMPLETE
        attendance = AttendanceMode.REMOTE if remote else AttendanceMode.IN_PERSON
        return {
            "participant_id": profile["id"],
            "sme_id": sme["id"],
            "meeting_id": meeting.pk,
            "attendance_mode": attendance,
            # Written in bulk, not through Registration.save: the approve-by date from the same rule.
            "decide_by": decision_deadline(meeting=meeting, attendance=attendance),
            "status": status,
            "decided_by_id": decider if decided else None,
            "decided_at": later if decided else None,
            "decided_on_behalf": on_behalf,
            "reason": reason,
            "cancelled_at": later if status == RegistrationStatus.CANCELLED else None,
            "added_by_id": None,
            "created_at": created_at,
        }

    def _moment_between(self, first_day, last_day) -> datetime.datetime:
        """A moment in office hours (Geneva) between two days, never later than now."""
        span = max((last_day - first_day).days, 0)
        day = first_day + datetime.timedelta(days=self.rng.randint(0, span))
        moment = datetime.datetime.combine(
            day, datetime.time(self.rng.randint(7, 19), self.rng.randint(0, 59)), tzinfo=self.zone
        )
        return min(moment, self.now - datetime.timedelta(minutes=self.rng.randint(1, 600)))


def _free_tag(seed: int) -> str:
    """``v<seed>``, or ``v<seed>b2``, ``v<seed>b3``... when an earlier run took it: every address stays unique."""
    tag, run = f"v{seed}", 1
    while get_user_model().objects.filter(Q(username__contains=f".{tag}-")).exists():
        run += 1
        tag = f"v{seed}b{run}"
    return tag
