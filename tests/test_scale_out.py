"""Scaled out on one machine: two gunicorn instances, two Celery workers and one beat on one
PostgreSQL database and one Redis, as docker-compose.yml's ``web`` (``--scale web=2`` behind the
proxy), ``worker`` (``--scale worker=2``) and ``beat`` services run them.

Plain HTTP clients (a cookie jar each, CSRF tokens read from the forms, as a browser without
JavaScript) take the two instances in turn, as the proxy does: SME representatives sign in and
register for meetings, many at once; focal points approve and reject, many at once, and some
decisions are sent to both instances at the same instant (one wins, the other is told who decided:
409, never a 500). One worker is killed (SIGKILL) mid-run. Then, read from the database, the SMTP
sink and the processes' JSON logs: every registration and decision is stored once, every email
the outbox wrote arrived once (a copy the sweep sends again after the kill keeps its Message-ID)
and none is left pending, and each periodic job ran once per period although two workers consume
its queue, because there is one beat.
"""

import collections
import concurrent.futures
import contextlib
import itertools
import json
import os
import re
import shutil
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

import psycopg2
import pytest
import requests
from django.conf import settings

from tests.browser import servers
from tests.second_factor import totp_code
from tests.smtp_sink import SmtpSink, wait_until

REPRESENTATIVES = 40
MEETINGS_EACH = 2
CONCURRENT_CLIENTS = 8
SLOW_SMTP_SECONDS = 1.0  # the SMTP server's answer to DATA, while a worker is killed
PASSWORD = "scale-out-test-password-7Qm"  # noqa: S105 - seeded test accounts
# Short periods and thresholds for the test; the real ones are 30 s, 90 s and daily (twice).
SITE_SETTINGS = {
    "OUTBOX_SWEEP_EVERY_SECONDS": "2",
    "OUTBOX_STUCK_AFTER_SECONDS": "8",
    "EMAIL_TIMEOUT": "2",
    "VALIDATION_REMINDER_EVERY_SECONDS": "3",
    "PERSONAL_DATA_PURGE_EVERY_SECONDS": "3",
    "DECISION_ESCALATION_EVERY_SECONDS": "3",
    # The test's clients are told apart by X-Forwarded-For, as the proxy's are (sign-in rate limits).
    "TRUSTED_PROXIES": "127.0.0.1",
}
CSRF_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
MEETING_CHECKBOX = re.compile(r'<input type="checkbox" name="(meeting_\d+)"')
SENDING_DUE_TASK = re.compile(r"Sending due task (?P<job>\S+) \((?P<task>[\w.]+)\)")
TASK_LINE = re.compile(r"Task (?P<task>[\w.]+)\[(?P<id>[0-9a-f-]+)\] (?P<event>received|succeeded)")
OUTBOX_MESSAGE_ID = re.compile(r"<outbox\.(\d+)\.")
SECOND_FACTOR_PATH = "/accounts/2fa/authenticate/"


class Visitor:
    """One person's browser as plain HTTP: their cookies, their address, the instances in turn."""

    def __init__(self, urls: list[str], address: str):
        self.http = requests.Session()
        self.http.headers["X-Forwarded-For"] = address
        self.turns = itertools.cycle(urls)

    def _send(self, method: str, url: str, **options) -> requests.Response:
        response = self.http.request(method, url, allow_redirects=False, timeout=60, **options)
        # The site's cookies are Secure (DEBUG off); browsers send them to http://127.0.0.1, a secure
        # context, and so do we.
        for cookie in self.http.cookies:
            cookie.secure = False
        assert response.status_code < 500, f"{method} {url}: {response.status_code}"
        return response

    def get(self, path: str, *, url: str | None = None) -> requests.Response:
        return self._send("GET", (url or next(self.turns)) + path)

    def post(self, path: str, data: dict, *, url: str | None = None):
        """Read the form's CSRF token on one instance, POST it to the next (or to ``url``)."""
        page = self.get(path)
        assert page.status_code == 200, f"GET {path}: {page.status_code}"
        [token] = CSRF_TOKEN.findall(page.text)[:1]
        return self._send("POST", (url or next(self.turns)) + path, data={"csrfmiddlewaretoken": token, **data})


def sign_in(visitor: Visitor, email: str, password: str = PASSWORD) -> requests.Response:
    """Sign in with email and password, as representatives do (and focal points, before their second factor)."""
    response = visitor.post("/accounts/login/", {"login": email, "password": password})
    assert response.status_code == 302, f"sign-in of {email}: {response.status_code}"
    assert "/accounts/login/" not in response.headers["Location"], response.headers["Location"]
    return response


def focal_point_sign_in(visitor: Visitor, focal_point: dict, *, device: int = 0):
    """A focal point signs in: password, then the code of their authenticator app (required before deciding).

    Each code is accepted once: the focal point's second device enters the next period's code, which
    the site accepts too (MFA_TOTP_TOLERANCE).
    """
    response = sign_in(visitor, focal_point["email"])
    assert urlsplit(response.headers["Location"]).path == SECOND_FACTOR_PATH, response.headers["Location"]
    code = totp_code(focal_point["totp_secret"], steps=device)
    response = visitor.post(SECOND_FACTOR_PATH, {"code": code})
    assert response.status_code == 302, f"second factor of {focal_point['email']}: {response.status_code}"
    assert SECOND_FACTOR_PATH not in response.headers["Location"], response.headers["Location"]


@dataclass
class Run:
    """What the clients did and saw."""

    registrations_posted: dict[str, list[str]] = field(default_factory=dict)  # email -> meeting fields
    registration_races: list[tuple[int, int]] = field(default_factory=list)  # the two statuses
    decisions: dict[int, str] = field(default_factory=dict)  # registration id -> approve/reject
    decision_races: list[tuple[int, int, str]] = field(default_factory=list)  # statuses, loser's text
    lock: threading.Lock = field(default_factory=threading.Lock)


# --- The site, and reading its database ------------------------------------------------------------


@pytest.fixture
def mail():
    sink = SmtpSink()
    sink.controller.start()
    yield sink
    sink.controller.stop()


@pytest.fixture
def scaled_site(mail):
    database_url = os.environ.get("DATABASE_URL", "")
    redis_url = str(settings.CACHES["default"].get("LOCATION") or "")
    if not database_url.startswith("postgres") or not redis_url.startswith("redis"):
        pytest.fail(
            "Scaling out needs PostgreSQL and Redis: run with DATABASE_URL and REDIS_URL set (make test does)."
        )
    site = servers.start_production_site(
        mail.port,
        database_url=database_url,
        redis_url=redis_url,
        web=2,
        workers=2,
        beat=True,
        settings=SITE_SETTINGS,
        label="scale",
    )
    try:
        yield site
    finally:
        servers.stop_production_site(site)
        shutil.rmtree(site.workdir, ignore_errors=True)


def query(site, sql: str, *params) -> list[tuple]:
    parts = urlsplit(site.env["DATABASE_URL"])
    with psycopg2.connect(
        host=parts.hostname, port=parts.port or 5432, user=parts.username, password=parts.password,
        dbname=parts.path.strip("/"),
    ) as connection, connection.cursor() as cursor:  # fmt: skip
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    connection.close()
    return rows


def seed_people(site) -> dict:
    output = site.manage(
        "shell",
        "-c",
        f"from tests.scale_out_people import people_seed_print; people_seed_print({REPRESENTATIVES}, {PASSWORD!r})",
    )
    return json.loads(output.strip().splitlines()[-1])


def beat_schedule(site) -> dict[str, float | None]:
    """The beat schedule as the site reads it: job -> period in seconds (None: not an interval)."""
    output = site.manage(
        "shell",
        "-c",
        "import json; from celery.schedules import schedule; from smepilot.celery import app; "
        "print(json.dumps({job: (entry['schedule'] if isinstance(entry['schedule'], (int, float)) else "
        "entry['schedule'].run_every.total_seconds() if isinstance(entry['schedule'], schedule) else None) "
        "for job, entry in app.conf.beat_schedule.items()}))",
    )
    return json.loads(output.strip().splitlines()[-1])


# --- What the clients do -----------------------------------------------------------------------------


def client_address(number: int) -> str:
    return f"10.{number // 250}.{number % 250}.{1 + number % 200}"


def register(site, run: Run, person: dict, number: int, *, race: bool):
    """Sign in and register for meetings; ``race``: the same form to both instances at one instant."""
    visitor = Visitor(site.urls, client_address(number))
    sign_in(visitor, person["email"])
    page = visitor.get("/registrations/new/")
    assert page.status_code == 200, f"/registrations/new/: {page.status_code} {page.headers.get('Location')}"
    fields = MEETING_CHECKBOX.findall(page.text)[:MEETINGS_EACH]
    assert fields, f"No meeting open for registration:\n{page.text[:2000]}"
    data = dict.fromkeys(fields, "on")
    if not race:
        response = visitor.post("/registrations/new/", data)
        assert response.status_code == 302, response.text[:2000]
    else:
        [token] = CSRF_TOKEN.findall(visitor.get("/registrations/new/").text)[:1]
        barrier = threading.Barrier(2)

        def submit(url):
            barrier.wait()
            return visitor._send("POST", url + "/registrations/new/", data={"csrfmiddlewaretoken": token, **data})

        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            responses = list(pool.map(submit, site.urls))
        statuses = sorted(response.status_code for response in responses)
        loser = next((response for response in responses if response.status_code != 302), None)
        with run.lock:
            run.registration_races.append(tuple(statuses))
        assert statuses == [302, 400], statuses
        assert "already registered" in loser.text, loser.text[:2000]
    with run.lock:
        run.registrations_posted[person["email"]] = fields


def decide(visitor: Visitor, registration_id: int, decision: str, *, url: str | None = None):
    path = f"/focal-point/registrations/{registration_id}/"
    data = {"decision": decision, "registration": str(registration_id)}
    if decision == "reject":
        data["reason"] = "The national criteria are not met (scale-out test)."
    return visitor.post(path, data, url=url)


def decide_all(visitor: Visitor, run: Run, registration_ids: list[int]):
    for number, registration_id in enumerate(registration_ids):
        decision = "reject" if number % 5 == 4 else "approve"
        response = decide(visitor, registration_id, decision)
        assert response.status_code == 302, f"decision on {registration_id}: {response.status_code}"
        with run.lock:
            run.decisions[registration_id] = decision


def decide_racing(site, run: Run, visitors: tuple[Visitor, Visitor], registration_id: int):
    """The same approval sent to both instances at one instant, by two sessions (or two focal points)."""
    barrier = threading.Barrier(2)

    def submit(visitor, url):
        barrier.wait()
        return decide(visitor, registration_id, "approve", url=url)

    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        responses = list(pool.map(submit, visitors, site.urls))
    statuses = sorted(response.status_code for response in responses)
    loser = next((response for response in responses if response.status_code != 302), None)
    with run.lock:
        run.decision_races.append((*statuses, loser.text if loser is not None else ""))
        run.decisions[registration_id] = "approve"


def worker_killed_mid_send(site, mail, worker: str) -> set[int]:
    """SIGKILL ``worker`` while the SMTP server holds its DATA; return the message it was handing over.

    The server answers DATA slowly meanwhile, so the worker is caught between handing a message over
    and hearing it was accepted: that message is claimed ("sending") and not sent. The sink says which
    message each connection handed over, so the other worker's sends at that moment are not mistaken
    for it (and being connected is not enough: a worker keeps its connection open within a batch).
    """
    pid = site.processes[worker].pid
    handed_over = {}

    def handing_over():
        ports = local_ports_connected_to(pid, mail.port)
        handed_over.update({port: mid for port, mid in mail.awaiting_answer().items() if port in ports})
        return handed_over

    mail.slow_down(SLOW_SMTP_SECONDS)
    try:
        wait_until(handing_over, timeout=30, interval=0.01, message=f"{worker} handing a message over")
        site.kill(worker)
    finally:
        mail.slow_down(0)
    return {int(OUTBOX_MESSAGE_ID.match(message_id)[1]) for message_id in handed_over.values()}


def local_ports_connected_to(pid: int, port: int) -> set[int]:
    """The process's local ports of its TCP connections established to ``port`` (Linux's /proc)."""
    sockets = set()
    for descriptor in Path(f"/proc/{pid}/fd").iterdir():
        with contextlib.suppress(OSError):
            target = os.readlink(descriptor)
            if target.startswith("socket:["):
                sockets.add(target[len("socket:[") : -1])
    ports = set()
    for line in Path(f"/proc/{pid}/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, remote, state, inode = fields[1], fields[2], fields[3], fields[9]
        if inode in sockets and state == "01" and int(remote.rsplit(":", 1)[1], 16) == port:  # 01: established
            ports.add(int(local.rsplit(":", 1)[1], 16))
    return ports


# --- Reading the logs --------------------------------------------------------------------------------


def log_events(site, name: str):
    """The process's JSON log lines (a last line being written is skipped)."""
    for line in site.log_lines(name):
        if line.startswith("{"):
            with contextlib.suppress(ValueError):
                yield json.loads(line)


def periodic_figures(site, schedule: dict, workers: list[str]) -> dict:
    """Per job: the beat's sends (times) and the workers' runs (task ids, which worker)."""
    sends = collections.defaultdict(list)
    for event in log_events(site, "beat"):
        if match := SENDING_DUE_TASK.search(event["message"]):
            sends[match["job"]].append(event["time"])
    task_of = beat_tasks(site)
    received = collections.defaultdict(list)
    succeeded = collections.defaultdict(list)
    for worker in workers:
        for event in log_events(site, worker):
            if match := TASK_LINE.search(event["message"]):
                bucket = received if match["event"] == "received" else succeeded
                bucket[match["task"]].append((match["id"], worker))
    return {
        job: {
            "period": schedule[job],
            "sends": sends[job],
            "received": received.get(task_of.get(job), []),
            "succeeded": succeeded.get(task_of.get(job), []),
        }
        for job in schedule
    }


def periodic_runners(site, schedule: dict) -> set[str]:
    """The workers that have run a periodic job so far."""
    figures = periodic_figures(site, schedule, workers=["worker-1", "worker-2"])
    return {worker for figure in figures.values() for _task_id, worker in figure["succeeded"]}


def beat_tasks(site) -> dict[str, str]:
    tasks = {}
    for event in log_events(site, "beat"):
        if match := SENDING_DUE_TASK.search(event["message"]):
            tasks[match["job"]] = match["task"]
    return tasks


def seconds(iso: str) -> float:
    return datetime.fromisoformat(iso).timestamp()


# --- The phases ------------------------------------------------------------------------------------


def representatives_register(site, mail, run: Run, representatives: list[dict]) -> set[int]:
    """Representatives sign in and register, eight at once, each client taking the instances in turn;
    every tenth sends its form to both instances at the same instant. Half-way, worker-2 dies
    (SIGKILL: no warm shutdown, no acknowledgement) while it talks to the SMTP server: the message
    it was sending is returned."""
    with concurrent.futures.ThreadPoolExecutor(CONCURRENT_CLIENTS) as pool:
        futures = [
            pool.submit(register, site, run, person, number, race=number % 10 == 3)
            for number, person in enumerate(representatives)
        ]
        wait_until(lambda: len(run.registrations_posted) >= len(representatives) // 2, timeout=120, message="half")
        killed_while_sending = worker_killed_mid_send(site, mail, "worker-2")
        for future in futures:
            future.result()
    return killed_while_sending


def registrations_by_country(site, emails: list[str]) -> dict[str, list[int]]:
    """The representatives' registrations (ids, read from the database), by their Administration."""
    rows = query(
        site,
        "SELECT r.id, a.country FROM registration_registration r "
        "JOIN registration_participantprofile p ON p.id = r.participant_id JOIN auth_user u ON u.id = p.user_id "
        "JOIN registration_sme s ON s.id = r.sme_id JOIN focalpoints_administration a ON a.id = s.administration_id "
        "WHERE u.email = ANY(%s) ORDER BY r.id",
        emails,
    )
    by_country = collections.defaultdict(list)
    for registration_id, country in rows:
        by_country[country].append(registration_id)
    return by_country


def focal_points_decide(site, run: Run, focal_points: dict[str, list[dict]], by_country: dict[str, list[int]]):
    """Each Administration's focal points sign in on two devices (Kenya's two focal points, one
    each) and decide its requests, eight clients at once; the first two of each are approved from
    both devices, on both instances, at the same instant."""
    sessions = {}
    for number, (country, people) in enumerate(sorted(focal_points.items())):
        sessions[country] = []
        for device in range(2):
            visitor = Visitor(site.urls, client_address(1000 + 2 * number + device))
            focal_point_sign_in(visitor, people[device % len(people)], device=device)
            sessions[country].append(visitor)
    with concurrent.futures.ThreadPoolExecutor(CONCURRENT_CLIENTS) as pool:
        futures = [
            pool.submit(decide_racing, site, run, tuple(sessions[country]), registration_id)
            for country, ids in by_country.items()
            for registration_id in ids[:2]
        ]
        for country, ids in by_country.items():
            for device, visitor in enumerate(sessions[country]):
                futures.append(pool.submit(decide_all, visitor, run, ids[2:][device::2]))
        for future in futures:
            future.result()


def outbox_drained(site):
    """Everything the outbox wrote goes out, the killed worker's message through the sweep."""

    def done():
        return (
            query(site, "SELECT count(*) FROM outbox_outgoingmessage WHERE status IN ('queued', 'sending')")[0][0] == 0
        )

    wait_until(done, timeout=90, interval=0.5, message="the outbox to send everything")


# --- The checks ------------------------------------------------------------------------------------


def check_registrations_stored_once(site, run: Run, emails: list[str]) -> int:
    """Each representative, each meeting chosen: one row, also when the form was sent to both instances."""
    registrations = query(
        site,
        "SELECT u.email, r.meeting_id, count(*) FROM registration_registration r "
        "JOIN registration_participantprofile p ON p.id = r.participant_id JOIN auth_user u ON u.id = p.user_id "
        "WHERE u.email = ANY(%s) GROUP BY u.email, r.meeting_id",
        emails,
    )
    assert set(run.registrations_posted) == set(emails)
    assert len(registrations) == sum(len(fields) for fields in run.registrations_posted.values())
    assert {count for _email, _meeting, count in registrations} == {1}
    assert run.registration_races and all(statuses == (302, 400) for statuses in run.registration_races)
    return len(registrations)


def check_decisions_recorded_once(site, run: Run, registration_ids: set[int]):
    """Each registration decided as its focal point chose, with one history record of the decision,
    however many submitted it; the one who came second was told who decided (409, not a 500)."""
    decided = dict(
        query(site, "SELECT id, status FROM registration_registration WHERE id = ANY(%s)", list(run.decisions))
    )
    assert set(run.decisions) == registration_ids
    assert decided == {
        registration_id: "validated" if decision == "approve" else "rejected"
        for registration_id, decision in run.decisions.items()
    }
    history = query(
        site,
        "SELECT id, count(*) FROM registration_historicalregistration "
        "WHERE id = ANY(%s) AND status IN ('validated', 'rejected') GROUP BY id",
        list(run.decisions),
    )
    assert dict(history) == dict.fromkeys(run.decisions, 1)
    assert run.decision_races
    for low, high, loser_text in run.decision_races:
        assert (low, high) == (302, 409), (low, high)
        assert "approved this registration" in loser_text or "already validated" in loser_text, loser_text[:2000]


def check_emails_arrived_once(site, mail, run: Run, people: dict, killed_while_sending: set[int]) -> dict:
    """The outbox wrote the emails expected (acknowledgement, focal points' notifications, decisions),
    sent every one (nothing left pending) and each reached the SMTP server once, by Message-ID."""
    representatives = people["representatives"]
    emails = [person["email"] for person in representatives]
    written = collections.Counter(
        template.removeprefix("emails/")
        for (template,) in query(
            site,
            "SELECT template FROM outbox_outgoingmessage WHERE "
            "\"to\" = ANY(%s) OR template = 'emails/focalpoint_registration_new' AND body_text LIKE %s",
            emails,
            "%Scale-out Test SME%",
        )
    )
    assert written == {
        "registration_acknowledgement": len(representatives),
        "focalpoint_registration_new": sum(
            len(people["focal_points"][person["country"]]) for person in representatives
        ),
        "registration_decided": len(run.decisions),
    }
    statuses = dict(query(site, "SELECT status, count(*) FROM outbox_outgoingmessage GROUP BY status"))
    assert set(statuses) == {"sent"}, statuses
    attempts = dict(query(site, "SELECT id, attempts FROM outbox_outgoingmessage"))
    arrived = collections.Counter(int(OUTBOX_MESSAGE_ID.match(message["Message-ID"])[1]) for message in mail.messages)
    lost = set(attempts) - set(arrived)
    duplicated = {pk for pk, count in arrived.items() if count > 1}
    assert not lost
    assert set(arrived) <= set(attempts)
    # The message the killed worker was sending went out again through the sweep (a second attempt).
    # Had the server accepted it before the worker died it would arrive twice, with one Message-ID, so
    # the recipient's mail client shows it once: a duplicate rather than a loss, by design.
    assert len(killed_while_sending) == 1, killed_while_sending
    assert {attempts[pk] for pk in killed_while_sending} == {2}
    assert any("Re-queueing" in line for line in site.log_lines("worker-1"))
    assert duplicated <= killed_while_sending, duplicated
    return {"written": len(attempts), "arrived": len(mail.messages), "lost": len(lost), "twice": len(duplicated)}


def check_periodic_jobs_once_per_period(site, schedule: dict[str, float]) -> dict:
    """The one beat sent each job once per period; one worker or the other ran each send, once."""
    figures = periodic_figures(site, schedule, workers=["worker-1", "worker-2"])
    lost_runs = 0
    for job, figure in figures.items():
        sends = [seconds(moment) for moment in figure["sends"]]
        assert len(sends) >= 5, f"{job}: sent only {len(sends)} times"
        gaps = [later - earlier for earlier, later in itertools.pairwise(sends)]
        # Never twice in one period; late by a little when the machine is busy.
        assert all(0.5 * figure["period"] <= gap <= 2 * figure["period"] + 2 for gap in gaps), (job, gaps)
        received = collections.Counter(task_id for task_id, _worker in figure["received"])
        succeeded = collections.Counter(task_id for task_id, _worker in figure["succeeded"])
        assert max(received.values()) == 1 and max(succeeded.values()) == 1, f"{job} ran twice"
        assert len(succeeded) <= len(sends), (job, len(succeeded), len(sends))
        # Only a run the killed worker had taken may be missing; the next period runs the job again.
        unfinished = set(received) - set(succeeded)
        assert all(worker == "worker-2" for task_id, worker in figure["received"] if task_id in unfinished)
        lost_runs += len(sends) - len(succeeded)
    assert lost_runs <= 1, lost_runs
    return figures


# --- The test ------------------------------------------------------------------------------------------


def test_two_instances_two_workers_and_one_beat_lose_and_duplicate_nothing(scaled_site, mail):
    site = scaled_site
    started = time.monotonic()
    schedule = beat_schedule(site)
    not_intervals = [job for job, period in schedule.items() if period is None]
    assert not not_intervals, (
        f"{not_intervals} run on a crontab here: give each an <NAME>_EVERY_SECONDS setting, as "
        "VALIDATION_REMINDER_EVERY_SECONDS, and set it in SITE_SETTINGS, so the test sees it run."
    )
    people = seed_people(site)
    emails = [person["email"] for person in people["representatives"]]
    run = Run()
    wait_until(
        lambda: periodic_runners(site, schedule) == {"worker-1", "worker-2"},
        timeout=60,
        interval=0.5,
        message="each worker to take a periodic job from the queue",
    )

    killed_while_sending = representatives_register(site, mail, run, people["representatives"])
    by_country = registrations_by_country(site, emails)
    focal_points_decide(site, run, people["focal_points"], by_country)
    decided_after = time.monotonic() - started
    outbox_drained(site)
    # A few more periods with one worker; then the beat stops and the workers finish what it sent.
    time.sleep(3 * max(schedule.values()))
    site.processes["beat"].terminate()
    site.processes["beat"].wait(15)
    time.sleep(2)
    elapsed = time.monotonic() - started

    registrations = check_registrations_stored_once(site, run, emails)
    check_decisions_recorded_once(site, run, {pk for ids in by_country.values() for pk in ids})
    emailed = check_emails_arrived_once(site, mail, run, people, killed_while_sending)
    figures = check_periodic_jobs_once_per_period(site, schedule)
    for name in ("web-1", "web-2"):
        assert not [line for line in site.log_lines(name) if "[ERROR]" in line], site.log_tail()

    print(  # noqa: T201 - the figures, for the record (pytest -s)
        f"\nScale-out: {len(emails)} representatives, {registrations} registrations "
        f"({len(run.registration_races)} forms sent to both instances at once), {len(run.decisions)} decisions "
        f"({len(run.decision_races)} sent to both at once); emails written {emailed['written']}, arrived "
        f"{emailed['arrived']}, lost {emailed['lost']}, arrived twice {emailed['twice']}; 1 worker killed "
        f"mid-send, its message sent again by the sweep; decided after {decided_after:.1f} s, "
        f"all done in {elapsed:.1f} s.\n"
        + "\n".join(
            f"  {job}: every {figure['period']:g} s, sent by beat {len(figure['sends'])}, ran "
            f"{len(figure['succeeded'])} (worker-1 {sum(w == 'worker-1' for _t, w in figure['succeeded'])}, "
            f"worker-2 {sum(w == 'worker-2' for _t, w in figure['succeeded'])})"
            for job, figure in figures.items()
        )
    )
