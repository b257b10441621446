"""`make bench`: the hot pages and the admin under load, each against a baseline, in the production shape.

Starts the production shape with tests/browser/servers.py's launcher (gunicorn gthread 2x4 with DEBUG
off, PostgreSQL, Redis, two Celery worker processes, an SMTP sink on loopback), in databases of its
own (``smepilot_bench_*``, dropped at the end), with the baseline views on (``BENCHMARK_VIEWS``,
smepilot.bench_views). Builds the data with ``seed_volume`` (100,000 registrations for the admin's
arms; a second site with 100 serves their baselines) and bench/people.py (people signed in
server-side, each with a CSRF token). Drives the load with wrk through bench/requests.lua, a
different signed-in person per request, each arm alternating with its baseline for ``--rounds``
rounds, then prints the table and writes it to bench/RESULTS.md with the machine, date and commit.

    make bench                                  # every arm
    make bench ARMS=registration,approve        # some of them
    .venv/bin/python -m bench.run --help

Arms: registration, approve, link, admin_list, admin_search, admin_filter, admin_participants,
email, surge. Figures: requests per second (median and range over the rounds), the ratio of the
medians to the baseline's, p95 latency (median over the rounds) and its ratio, responses that were
not 2xx/3xx plus redirects to the sign-in or second-factor page (a request that "succeeds" by
sending the client to sign in has failed), and rows written per request (PostgreSQL's counters of
inserted, updated and deleted rows in the arm's database; the workers' writes while the arm runs
included).
"""

import argparse
import contextlib
import datetime
import email.message
import json
import os
import platform
import re
import shutil
import smtplib
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlsplit

import psycopg2
from aiosmtpd.controller import Controller

from tests.browser import servers
from tests.smtp_sink import free_port

BENCH_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = BENCH_DIR.parent
LUA = BENCH_DIR / "requests.lua"
ALL_ARMS = (
    "registration",
    "approve",
    "link",
    "admin_list",
    "admin_search",
    "admin_filter",
    "admin_participants",
    "email",
    "surge",
)
ADMIN_ARMS = {
    "admin_list": "/admin/registration/registration/",
    "admin_search": "/admin/registration/registration/?q={name}",
    "admin_filter": "/admin/registration/registration/?status__exact=pending",
    "admin_participants": "/admin/registration/participantprofile/",
}
# What a success answers: (status, text the Location holds).
REGISTERED = (302, "/registrations/")
DECIDED = (302, "/focal-point/registrations/")
BASELINE_REDIRECT = (302, "/bench/select/")
PAGE = (200, "")
TARGETS = {
    "registration": ">= 0.3x, p95 <= 4x",
    "approve": ">= 0.3x, p95 <= 4x",
    "link": ">= 0.6x",
    "admin_list": "<= 1.3x (time)",
    "admin_search": "<= 2x (time)",
    "admin_filter": "<= 1.5x (time)",
    "admin_participants": "<= 1.5x (time)",
    "email": ">= 0.5x",
}


def log(text: str):
    print(f"[{datetime.datetime.now(datetime.UTC):%H:%M:%S}] {text}", flush=True)  # noqa: T201


# --- The SMTP sink: counts, and when each message arrived -----------------------------------------


class CountingHandler:
    def __init__(self):
        self.arrivals: list[float] = []

    async def handle_DATA(self, server, session, envelope):
        self.arrivals.append(time.monotonic())
        return "250 OK"


@dataclass
class Sink:
    handler: CountingHandler = field(default_factory=CountingHandler)
    port: int = field(default_factory=free_port)

    def __post_init__(self):
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    @property
    def count(self) -> int:
        return len(self.handler.arrivals)


# --- The database's counters ------------------------------------------------------------------------


def _connect(database_url: str):
    parts = urlsplit(database_url)
    connection = psycopg2.connect(
        host=parts.hostname,
        port=parts.port or 5432,
        user=parts.username or "postgres",
        password=parts.password,
        dbname=parts.path.strip("/"),
    )
    connection.autocommit = True
    return connection


def query(site, sql: str, *params):
    connection = _connect(site.env["DATABASE_URL"])
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()
    finally:
        connection.close()


def _web_database_ports(site) -> list[int]:
    """Local ports of the web processes' PostgreSQL connections (gunicorn's master and workers share
    the process group the launcher started), read from /proc: the workers' are left alone."""
    inodes = set()
    for name, process in site.processes.items():
        if not name.startswith("web-"):
            continue
        for proc in Path("/proc").iterdir():
            if not proc.name.isdigit():
                continue
            with contextlib.suppress(OSError):
                if os.getpgid(int(proc.name)) != process.pid:
                    continue
                for fd in (proc / "fd").iterdir():
                    with contextlib.suppress(OSError):
                        target = os.readlink(fd)
                        if target.startswith("socket:["):
                            inodes.add(target[8:-1])
    ports = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError):
            for line in Path(table).read_text().splitlines()[1:]:
                fields = line.split()
                local, remote, inode = fields[1], fields[2], fields[9]
                if inode in inodes and int(remote.rsplit(":", 1)[1], 16) == 5432:
                    ports.append(int(local.rsplit(":", 1)[1], 16))
    return ports


def rows_written(site) -> int:
    """Rows inserted, updated and deleted in the site's database so far, the web backends' figures flushed.

    A backend reports its counters when it exits or, idle, up to ten seconds later: the web
    processes' idle connections are closed first (Django opens new ones at the next request, as after
    CONN_MAX_AGE). The workers' connections are left open (closing one between the claim of a
    message and its send would leave it to the sweep), so their latest writes may count in the
    next run's figure.
    """
    name = urlsplit(site.env["DATABASE_URL"]).path.strip("/")
    ports = _web_database_ports(site)
    connection = _connect(site.env["DATABASE_URL"])
    try:
        with connection.cursor() as cursor:
            if ports:
                cursor.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = %s AND pid <> pg_backend_pid() AND state = 'idle' AND client_port = ANY(%s)",
                    (name, ports),
                )
                for _attempt in range(20):
                    cursor.execute(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND client_port = ANY(%s)",
                        (name, ports),
                    )
                    if cursor.fetchone()[0] == 0:
                        break
                    time.sleep(0.05)
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                "SELECT tup_inserted + tup_updated + tup_deleted FROM pg_stat_database WHERE datname = %s", (name,)
            )
            return cursor.fetchone()[0]
    finally:
        connection.close()


# --- wrk ----------------------------------------------------------------------------------------------


@dataclass
class Run:
    rps: float
    p50_ms: float
    p95_ms: float
    requests: int
    errors: int  # not 2xx/3xx, socket errors and timeouts, redirects to sign in, not the expected answer
    signin: int
    wrapped: int
    rows: int

    @property
    def rows_per_request(self) -> float:
        return self.rows / self.requests if self.requests else 0.0


def requests_file(workdir: Path, name: str, lines: list[tuple[str, str, str, str]]) -> Path:
    path = workdir / f"{name}.tsv"
    with path.open("w") as out:
        for line in lines:
            out.write("\t".join(line) + "\n")
    return path


def wrk(
    site,
    url: str,
    path: Path,
    expect: tuple[int, str],
    *,
    connections: int,
    threads: int,
    duration: float,
    count_rows: bool = True,
) -> Run:
    """One wrk run of the requests in ``path``; ``expect``: the status and Location text of a success."""
    before = rows_written(site) if count_rows else 0
    command = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{round(duration)}s",
        "--timeout",
        "30s",
        "-s",
        str(LUA),
        url,
        "--",
        str(path),
        str(threads),
        str(expect[0]),
        expect[1],
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=duration + 120, check=False)  # noqa: S603
    line = next((line for line in result.stdout.splitlines() if line.startswith("BENCH ")), None)
    if line is None:
        raise RuntimeError(f"wrk gave no figures ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    figures = json.loads(line[len("BENCH ") :])
    after = rows_written(site) if count_rows else 0
    socket_errors = sum(figures[key] for key in ("connect_errors", "read_errors", "write_errors", "timeouts"))
    return Run(
        rps=figures["requests"] / (figures["duration_us"] / 1e6),
        p50_ms=figures["p50_us"] / 1000,
        p95_ms=figures["p95_us"] / 1000,
        requests=figures["requests"],
        errors=figures["status_errors"] + socket_errors + figures["signin"] + figures["unexpected"],
        signin=figures["signin"],
        wrapped=figures["wrapped"],
        rows=after - before,
    )


# --- The arms -------------------------------------------------------------------------------------------


@dataclass
class Result:
    arm: str
    baseline: str
    runs: list[Run] = field(default_factory=list)
    base_runs: list[Run] = field(default_factory=list)
    note: str = ""
    higher_is_better: bool = True  # throughput arms; the admin arms compare response times
    target: str = ""
    posts: bool = False  # each request must be a fresh person's: reusing one is reported


def probe(url: str, cookie: str) -> tuple[int, str]:
    """One GET as a signed-in person, without following redirects: (status, Location)."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    request = urllib.request.Request(url, headers={"Cookie": cookie})  # noqa: S310 - our own loopback
    try:
        with opener.open(request, timeout=60) as response:
            return response.status, ""
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Location", "")


def alternate(result: Result, rounds: int, arm_run, base_run):
    for number in range(rounds):
        result.base_runs.append(base_run(number))
        result.runs.append(arm_run(number))
        arm, base = result.runs[-1], result.base_runs[-1]
        log(
            f"  {result.arm} round {number + 1}: {arm.rps:.1f}/s p95 {arm.p95_ms:.0f} ms ({arm.errors} failed); "
            f"baseline {base.rps:.1f}/s p95 {base.p95_ms:.0f} ms ({base.errors} failed)"
        )


def slices(items: list, rounds: int) -> list[list]:
    size = len(items) // rounds
    return [items[number * size : (number + 1) * size] for number in range(rounds)]


def registration_body(client: dict, meeting: int, attendance: str) -> str:
    return body(client, **{f"meeting_{meeting}": "on", f"attendance_{meeting}": attendance})


def body(client: dict, **fields) -> str:
    return "&".join(
        f"{key}={quote(str(value))}" for key, value in {"csrfmiddlewaretoken": client["csrf"], **fields}.items()
    )


def _posts_alternate(result, options, site, workdir, *, name, pools, request, expected, base) -> Result:
    """Each round's pool of people POSTing once each (``request(client)`` says what), against ``base``."""
    files = [
        requests_file(workdir, f"{name}-{number}", [request(client) for client in pool])
        for number, pool in enumerate(pools)
    ]
    run = {"connections": options.connections, "threads": options.threads, "duration": options.duration}
    alternate(
        result,
        options.rounds,
        lambda number: wrk(site, site.url, files[number], expected, **run),
        lambda number: wrk(site, site.url, base, BASELINE_REDIRECT, **run),
    )
    return result


def arm_registration(options, site, people, workdir) -> Result:
    result = Result("registration POST (one meeting)", "one INSERT", target=TARGETS["registration"], posts=True)
    meeting, attendance = people["meeting"], people["attendance"]
    pools = slices(people["representatives"][: options.rounds * options.pool], options.rounds)
    base = requests_file(
        workdir, "insert", [("POST", "/bench/insert/", client["cookie"], body(client)) for client in pools[0]]
    )
    return _posts_alternate(
        result, options, site, workdir, name="registration", pools=pools, expected=REGISTERED, base=base,
        request=lambda client: (
            "POST", "/registrations/new/", client["cookie"], registration_body(client, meeting, attendance)
        ),
    )  # fmt: skip


def arm_approve(options, site, people, workdir) -> Result:
    result = Result("focal point's approve POST", "one UPDATE", target=TARGETS["approve"], posts=True)
    base = requests_file(
        workdir,
        "update",
        [("POST", "/bench/update/", client["cookie"], body(client)) for client in people["focal_points"]],
    )
    return _posts_alternate(
        result, options, site, workdir, name="approve", pools=slices(people["approvals"], options.rounds),
        expected=DECIDED, base=base,
        request=lambda client: (
            "POST", f"/focal-point/registrations/{client['registration']}/", client["cookie"],
            body(client, decision="approve", registration=client["registration"]),
        ),
    )  # fmt: skip


def arm_link(options, site, people, workdir) -> Result:
    result = Result("validation link GET (signed-in focal point)", "one indexed SELECT", target=TARGETS["link"])
    clients = people["focal_points"]
    arm = requests_file(
        workdir, "link", [("GET", f"/validation/{client['token']}/", client["cookie"], "") for client in clients]
    )
    base = requests_file(workdir, "select", [("GET", "/bench/select/", client["cookie"], "") for client in clients])
    status, location = probe(site.url + f"/validation/{clients[0]['token']}/", clients[0]["cookie"])
    result.note = f"probe {status} {location}".strip()
    run = {"connections": options.connections, "threads": options.threads, "duration": options.duration}
    alternate(
        result,
        options.rounds,
        lambda number: wrk(site, site.url, arm, PAGE, **run),
        lambda number: wrk(site, site.url, base, PAGE, **run),
    )
    return result


def arm_admin(name, options, large, small, people_large, people_small, workdir) -> Result:
    registrations = options.registrations
    result = Result(
        f"admin {name.removeprefix('admin_').replace('_', ' ')}, {registrations:,} registrations",
        f"same page, {options.small_registrations:,}",
        higher_is_better=False,
        target=TARGETS[name],
    )
    files = {}
    for label, people in (("large", people_large), ("small", people_small)):
        page = ADMIN_ARMS[name].format(name=quote(people_large["search_name"]))
        files[label] = requests_file(
            workdir, f"{name}-{label}", [("GET", page, client["cookie"], "") for client in people["staff"]]
        )
        status, location = probe((large if label == "large" else small).url + page, people["staff"][0]["cookie"])
        result.note += f"{label} probe {status} {location}".strip() + "; "
    run = {"connections": options.connections, "threads": options.threads, "duration": options.duration}
    alternate(
        result,
        options.rounds,
        lambda number: wrk(large, large.url, files["large"], PAGE, **run),
        lambda number: wrk(small, small.url, files["small"], PAGE, **run),
    )
    return result


# --- Email: the outbox and its workers against one smtplib connection -----------------------------------


def outbox_last_id(site) -> int:
    return query(site, "SELECT coalesce(max(id), 0) FROM outbox_outgoingmessage")[0][0]


def outbox_pending(site) -> int:
    """Messages the benchmark's requests queued that are not sent yet (the demo's own are left out)."""
    return query(
        site,
        "SELECT count(*) FROM outbox_outgoingmessage WHERE status IN ('queued', 'sending') AND id > %s",
        site.outbox_start_id,
    )[0][0]


def wait_drained(site, *, timeout: float) -> float | None:
    """Seconds until nothing is queued or sending (None: not within ``timeout``)."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if outbox_pending(site) == 0:
            return time.monotonic() - started
        time.sleep(0.2)
    left = query(
        site,
        "SELECT status, count(*) FROM outbox_outgoingmessage WHERE id > %s GROUP BY status ORDER BY status",
        site.outbox_start_id,
    )
    log(f"  the outbox did not drain within {timeout:g} s: {dict(left)}")
    return None


def outbox_rate(site, after_id: int, count: int, *, timeout: float) -> float | None:
    """Messages per second the workers sent, first send to last, of the ``count`` messages after ``after_id``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        sent, first, last = query(
            site,
            "SELECT count(*), min(sent_at), max(sent_at) FROM outbox_outgoingmessage "
            "WHERE id > %s AND status = 'sent'",
            after_id,
        )[0]
        if sent >= count:
            return (count - 1) / max((last - first).total_seconds(), 1e-6)
        time.sleep(0.2)
    return None


def arrival_rate(sink: Sink, first: int, count: int, *, timeout: float) -> float | None:
    """Messages per second from the first to the last of ``count`` arrivals after index ``first``."""
    deadline = time.monotonic() + timeout
    while sink.count < first + count and time.monotonic() < deadline:
        time.sleep(0.05)
    if sink.count < first + count:
        return None
    arrivals = sink.handler.arrivals[first : first + count]
    return (count - 1) / max(arrivals[-1] - arrivals[0], 1e-6)


def smtplib_loop(sink: Sink, count: int) -> float:
    message = email.message.EmailMessage()
    message["Subject"] = "New registration to validate: SME pilot project in ITU-D study groups"
    message["From"] = "devsg@itu.int"
    message["To"] = "focal-point@bench.example.org"
    message.set_content("A representative of an SME asks to take part in a meeting.\n" * 30)
    message.add_alternative("<p>A representative of an SME asks to take part in a meeting.</p>\n" * 30, subtype="html")
    first = sink.count
    with smtplib.SMTP("127.0.0.1", sink.port) as connection:
        for _number in range(count):
            connection.send_message(message)
    return arrival_rate(sink, first, count, timeout=30)


def arm_email(options, site, sink) -> Result:
    result = Result(
        "focal-point emails, outbox + worker (2 processes)",
        "raw smtplib loop, one connection",
        target=TARGETS["email"],
    )
    notify = (
        "from django.db import transaction; from registration.models import Registration; "
        "from focalpoints.notifications import registrations_notify_focal_points as notify; "
        "registrations = list(Registration.objects.filter(participant__user__username__startswith='bench-notify-')); "
        "transaction.atomic()(lambda: print('queued', notify(registrations=registrations)))()"
    )
    rounds_rates, base_rates = [], []
    for number in range(options.rounds):
        base_rates.append(smtplib_loop(sink, options.emails))
        wait_drained(site, timeout=20)
        last_id = outbox_last_id(site)
        output = site.manage("shell", "-c", notify)
        queued = int(re.search(r"queued (\d+)", output)[1])
        rate = outbox_rate(site, last_id, queued, timeout=90)
        rounds_rates.append(rate)
        log(f"  email round {number + 1}: outbox {queued} emails at {rate or 0:.1f}/s; smtplib {base_rates[-1]:.1f}/s")
        if rate is None:
            result.note = f"round {number + 1}: not all {queued} emails were sent within 90 s; stopped"
            break
    result.runs = [Run(rate or 0.0, 0, 0, options.emails, 0 if rate else 1, 0, 0, 0) for rate in rounds_rates]
    result.base_runs = [Run(rate or 0.0, 0, 0, options.emails, 0, 0, 0, 0) for rate in base_rates[: len(result.runs)]]
    result.note = result.note or (
        f"{queued} emails a round; the outbox's rate is first to last sent_at, smtplib's first to last arrival"
    )
    return result


def arm_surge(options, site, people, sink, workdir) -> dict:
    meeting, attendance = people["meeting"], people["attendance"]
    clients = people["representatives"][options.rounds * options.pool :]
    path = requests_file(
        workdir,
        "surge",
        [
            ("POST", "/registrations/new/", client["cookie"], registration_body(client, meeting, attendance))
            for client in clients
        ],
    )  # fmt: skip
    wait_drained(site, timeout=120)
    started = query(site, "SELECT now()")[0][0]
    run = wrk(
        site,
        site.url,
        path,
        REGISTERED,
        connections=options.surge_clients,
        threads=options.threads,
        duration=options.surge_seconds,
    )
    drained = wait_drained(site, timeout=120)
    emails, latest = query(
        site,
        "SELECT count(*), max(extract(epoch FROM sent_at - created_at)) FROM outbox_outgoingmessage "
        "WHERE created_at >= %s",
        started,
    )[0]
    registrations = query(site, "SELECT count(*) FROM registration_registration WHERE created_at >= %s", started)[0][0]
    return {
        "run": run,
        "registrations": registrations,
        "drained_after_s": drained,
        "emails": emails,
        "slowest_email_s": float(latest or 0),
    }


# --- The table ------------------------------------------------------------------------------------------


def spread(values: list[float], digits: int = 1) -> str:
    return f"{statistics.median(values):.{digits}f} [{min(values):.{digits}f}-{max(values):.{digits}f}]"


def table(results: list[Result]) -> list[str]:
    lines = [
        "| arm | baseline | arm req/s, median [range] | baseline req/s, median [range] | ratio "
        "| p95 arm / baseline (ms) | p95 ratio | failed (arm/baseline) "
        "| rows written per request (arm/baseline) | target |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for result in results:
        arm_rps = [run.rps for run in result.runs]
        base_rps = [run.rps for run in result.base_runs]
        ratio = statistics.median(arm_rps) / statistics.median(base_rps) if statistics.median(base_rps) else 0
        # The admin arms: the large page takes this many times the small one's time.
        ratio_text = f"{1 / ratio:.2f}x time" if not result.higher_is_better and ratio else f"{ratio:.2f}x"
        p95 = statistics.median(run.p95_ms for run in result.runs)
        base_p95 = statistics.median(run.p95_ms for run in result.base_runs)
        p95_ratio = f"{p95 / base_p95:.1f}x" if base_p95 else "-"
        failed = sum(run.errors for run in result.runs), sum(run.errors for run in result.base_runs)
        wrapped = sum(run.wrapped for run in result.runs)
        rows = sum(run.rows for run in result.runs) / max(sum(run.requests for run in result.runs), 1)
        base_rows = sum(run.rows for run in result.base_runs) / max(sum(run.requests for run in result.base_runs), 1)
        reused = f" (people reused {wrapped}x: pool too small)" if wrapped and result.posts else ""
        failed_text = f"{failed[0]}/{failed[1]}{reused}"
        rows_text = f"{rows:.1f}/{base_rows:.1f}" if result.runs[0].requests and result.runs[0].p95_ms else "-"
        lines.append(
            f"| {result.arm} | {result.baseline} | {spread(arm_rps)} | {spread(base_rps)} | {ratio_text} "
            f"| {p95:.0f} / {base_p95:.0f} | {p95_ratio} | {failed_text} | {rows_text} | {result.target} |"
        )
    return lines


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        platform.processor(),
    )
    memory = next(
        line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")
    )
    connection = _connect("postgres://postgres@127.0.0.1:5432/postgres")
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        postgres = cursor.fetchone()[0]
    connection.close()
    return (
        f"{os.cpu_count()} CPUs ({cpu}), {int(memory) // 1024} MiB, {platform.platform()}, "
        f"Python {platform.python_version()}, PostgreSQL {postgres}"
    )


def commit() -> str:
    return subprocess.run(
        ["git", "log", "-1", "--format=%h %s"],  # noqa: S607 - the developer's git
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()[:120]


# --- Running it all -------------------------------------------------------------------------------------


def site_start(sink, options, *, label: str, workers: int, registrations: int, people: dict) -> tuple:
    log(f"starting the {label} site (gunicorn 2x4, {workers} worker processes)")
    site = servers.start_production_site(
        sink.port,
        database_url=options.database_url,
        redis_url=options.redis_url,
        workers=workers,
        settings={"BENCHMARK_VIEWS": "true", "TRUSTED_PROXIES": ""},
        label=label,
    )
    log(f"  {site.url}, database {urlsplit(site.env['DATABASE_URL']).path.strip('/')}")
    if registrations:
        started = time.monotonic()
        try:
            site.manage("seed_volume", "--registrations", str(registrations), "--seed", "0")
            log(f"  seed_volume: {registrations:,} registrations in {time.monotonic() - started:.0f} s")
        except RuntimeError as error:
            if "Unknown command" not in str(error):
                raise
            log("  seed_volume is not there yet: the admin arms run on the demo's registrations only")
            site.volume_missing = True
    people_path = site.workdir / "people.json"
    started = time.monotonic()
    counts = ", ".join(f"{key}={value}" for key, value in people.items())
    site.manage("shell", "-c", f"from bench.people import people_write; people_write({str(people_path)!r}, {counts})")
    log(f"  people signed in in {time.monotonic() - started:.0f} s")
    site.outbox_start_id = outbox_last_id(site)
    return site, json.loads(people_path.read_text())


def options_parse(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--arms", default=",".join(ALL_ARMS), help="comma-separated, of: " + ", ".join(ALL_ARMS))
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--duration", type=float, default=5, help="seconds of each wrk run")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--pool", type=int, default=800, help="people per round of a POST arm (each posts once)")
    parser.add_argument("--registrations", type=int, default=100_000, help="registrations for the admin arms")
    parser.add_argument("--small-registrations", type=int, default=100, help="the admin baselines' registrations")
    parser.add_argument("--emails", type=int, default=200, help="messages a round of the smtplib baseline")
    parser.add_argument("--surge-clients", type=int, default=200)
    parser.add_argument("--surge-seconds", type=float, default=10)
    parser.add_argument("--output", default=str(BENCH_DIR / "RESULTS.md"))
    parser.add_argument(
        "--database-url", default=os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    )
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/5"))
    options = parser.parse_args(argv)
    options.arms = [arm.strip() for arm in options.arms.split(",") if arm.strip()]
    unknown = set(options.arms) - set(ALL_ARMS)
    if unknown:
        parser.error(f"unknown arms: {', '.join(sorted(unknown))}")
    return options


def main(argv=None):
    options = options_parse(argv)
    if not shutil.which("wrk"):
        sys.exit("wrk is missing: apt-get install wrk (make bench does it)")
    began = time.monotonic()
    workdir = Path(tempfile.mkdtemp(prefix="smepilot-bench-"))
    sink = Sink()
    sink.controller.start()
    sites = []
    results: list[Result] = []
    surge = None
    admin_arms = [arm for arm in options.arms if arm.startswith("admin_")]
    wants_main = set(options.arms) - set(admin_arms)
    try:
        people_counts = {
            "representatives": options.rounds * options.pool + (3000 if "surge" in options.arms else 0),
            "approvals": options.rounds * options.pool if "approve" in options.arms else 0,
            "deciders": 40,
            "staff": 40,
            "notify": 100,
        }
        large, people = site_start(
            sink,
            options,
            label="bench",
            workers=2,
            registrations=options.registrations if admin_arms else 0,
            people=people_counts,
        )
        sites.append(large)
        if admin_arms:
            small, people_small = site_start(
                sink,
                options,
                label="bench_small",
                workers=0,
                registrations=options.small_registrations,
                people={"representatives": 0, "approvals": 0, "deciders": 1, "staff": 40, "notify": 0},
            )
            sites.append(small)
            for name in admin_arms:
                log(f"arm {name}")
                results.append(arm_admin(name, options, large, small, people, people_small, workdir))
        if wants_main:
            for name, arm in (("registration", arm_registration), ("approve", arm_approve), ("link", arm_link)):
                if name in options.arms:
                    log(f"arm {name}")
                    results.append(arm(options, large, people, workdir))
            if "email" in options.arms:
                log("arm email")
                results.append(arm_email(options, large, sink))
            if "surge" in options.arms:
                log("arm surge")
                surge = arm_surge(options, large, people, sink, workdir)
    finally:
        for site in sites:
            with contextlib.suppress(Exception):
                servers.stop_production_site(site)
            shutil.rmtree(site.workdir, ignore_errors=True)
        sink.controller.stop()
    report(
        options,
        results,
        surge,
        time.monotonic() - began,
        volume_missing=any(getattr(site, "volume_missing", False) for site in sites),
    )
    shutil.rmtree(workdir, ignore_errors=True)


def report(options, results: list[Result], surge: dict | None, seconds: float, *, volume_missing: bool):
    now = datetime.datetime.now(datetime.UTC)
    lines = [
        "# Benchmark results",
        "",
        f"- Date: {now:%Y-%m-%d %H:%M} UTC; wall time of the run {seconds / 60:.1f} min",
        f"- Commit: {commit()}",
        f"- Machine: {machine()}",
        f"- Shape: gunicorn gthread 2x4, PostgreSQL, Redis, 2 Celery worker processes (solo pool), SMTP sink on "
        f"loopback; wrk -t{options.threads} -c{options.connections}, {options.duration:g} s a run, "
        f"{options.rounds} rounds alternating each arm with its baseline",
        f"- Arms run: {', '.join(options.arms)}; "
        f"not run: {', '.join(arm for arm in ALL_ARMS if arm not in options.arms) or 'none'}",
        "",
    ]
    if volume_missing:
        lines += [
            "**seed_volume was not available: the admin arms ran on the demo's registrations, not 100,000.**",
            "",
        ]
    if results:
        lines += table(results)
        lines += [""]
        lines += [f"- {result.arm}: {result.note}" for result in results if result.note]
        lines += [""]
    if surge:
        run = surge["run"]
        drained = f"{surge['drained_after_s']:.1f} s" if surge["drained_after_s"] is not None else "not within 120 s"
        lines += [
            f"Surge: {options.surge_clients} clients registering for {options.surge_seconds:g} s, worker running: "
            f"{run.requests} requests answered within the {options.surge_seconds:g} s "
            f"({surge['registrations']} registrations stored, those in flight at the end included), "
            f"{run.errors} failed ({run.signin} sent to sign in, "
            f"people reused {run.wrapped}x), "
            f"p50 {run.p50_ms / 1000:.2f} s, p95 {run.p95_ms / 1000:.2f} s; {surge['emails']} emails, outbox drained "
            f"{drained} after the load ended, slowest email sent {surge['slowest_email_s']:.1f} s after it was queued "
            "(target: 0 errors, p95 <= 2 s, every email sent <= 30 s after).",
            "",
        ]
    lines += [
        "Ratios: throughput arms are arm / baseline requests per second (higher is better); the admin arms are the",
        "large page's time over the small page's (median requests per second of the small over the large).",
        "Failed counts responses not 2xx/3xx, socket errors and timeouts, and redirects to the sign-in or",
        "second-factor page. Rows written per request: PostgreSQL's inserted + updated + deleted rows in the",
        "site's database over the run (workers' writes included) divided by the requests.",
    ]
    text = "\n".join(lines) + "\n"
    print("\n" + text)  # noqa: T201
    Path(options.output).write_text(text)


if __name__ == "__main__":
    main()
