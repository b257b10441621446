"""The site in its two shapes, started as real processes for the browser and scale-out tests.

- ``start_embedded_site``: what ``make run`` starts: ``runserver`` with DEBUG on, a SQLite file, no
  broker (Celery tasks run inside the web process), loaded with ``seed_demo``.
- ``start_production_site``: gunicorn with DEBUG off and the static files collected (WhiteNoise), a
  PostgreSQL database of its own, Redis for the cache and the broker, and a Celery worker. Scaled
  out (tests/test_scale_out.py) it is several gunicorn instances and workers on that one database,
  cache and queue, with the one Celery beat a deployment has.

Both send email over SMTP to the test run's sink, and each gets its own database, cache-key
prefix and task queue, so two test runs on one machine never share state.
"""

import contextlib
import json
import os
import re
import secrets
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg2
import redis

from tests.smtp_sink import free_port

PROJECT_ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
# Settings a developer's shell or `make test` may have set: each site states its own.
INHERITED_SETTINGS = (
    "DATABASE_URL",
    "REDIS_URL",
    "CELERY_BROKER_URL",
    "CELERY_TASK_ALWAYS_EAGER",
    "EMAIL_URL",
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "SITE_URL",
    "STATIC_ROOT",
    "DJANGO_SETTINGS_MODULE",
)
DEMO_ACCOUNT_LINE = re.compile(r"^\s+(?P<role>.+?)\s{2,}(?P<email>\S+@\S+)\s+password: (?P<password>\S+)$", re.M)


@dataclass
class Account:
    role: str
    email: str
    password: str


@dataclass
class Site:
    """A running site: its addresses (one per web instance), the demo accounts and where its processes write.

    ``processes`` are named after their log file in ``workdir``: "web-1", "worker-2", "beat"...
    """

    name: str
    url: str
    workdir: Path
    env: dict
    accounts: dict[str, Account] = field(default_factory=dict)
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)
    urls: list[str] = field(default_factory=list)

    def account(self, role_start: str) -> Account:
        for role, account in self.accounts.items():
            if role.lower().startswith(role_start.lower()):
                return account
        raise KeyError(f"No demo account whose role starts with {role_start!r}: {sorted(self.accounts)}")

    def manage(self, *args: str) -> str:
        return _run([PYTHON, "manage.py", *args], env=self.env, log=self.workdir / "manage.log")

    def log_tail(self, lines: int = 60) -> str:
        parts = []
        for path in sorted(self.workdir.glob("*.log")):
            text = path.read_text(errors="replace").splitlines()[-lines:]
            parts.append(f"--- {path.name}\n" + "\n".join(text))
        return "\n".join(parts)

    def start(self, name: str, command: list[str], *, env: dict | None = None) -> subprocess.Popen:
        """Start one of the site's processes, writing to ``<name>.log`` in the site's folder."""
        process = _start(command, env={**self.env, **(env or {})}, log=self.workdir / f"{name}.log")
        self.processes[name] = process
        return process

    def log_lines(self, name: str) -> list[str]:
        path = self.workdir / f"{name}.log"
        return path.read_text(errors="replace").splitlines() if path.exists() else []

    def kill(self, name: str):
        """SIGKILL one process (and its children): no shutdown, no acknowledgement, as in a crash."""
        os.killpg(self.processes[name].pid, signal.SIGKILL)
        self.processes[name].wait(10)

    def stop(self):
        for process in reversed(self.processes.values()):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(5)


def _base_env(**settings: str) -> dict:
    env = {key: value for key, value in os.environ.items() if key not in INHERITED_SETTINGS}
    env["PYTHONUNBUFFERED"] = "1"
    env.update(settings)
    return env


def _run(command: list[str], *, env: dict, log: Path) -> str:
    result = subprocess.run(command, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=300)  # noqa: S603
    with log.open("a") as out:
        out.write(f"$ {' '.join(command)}\n{result.stdout}{result.stderr}\n")
    if result.returncode:
        raise RuntimeError(f"{' '.join(command)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    return result.stdout


def _start(command: list[str], *, env: dict, log: Path) -> subprocess.Popen:
    out = log.open("a")
    return subprocess.Popen(  # noqa: S603
        command, cwd=PROJECT_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
    )


def _wait_until_serving(site: Site, process: subprocess.Popen, url: str, *, timeout: float = 60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{site.name}: the server exited ({process.returncode}).\n{site.log_tail()}")
        try:
            with urllib.request.urlopen(url + "/", timeout=5) as response:  # noqa: S310 - our own loopback
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{site.name}: not serving after {timeout} s.\n{site.log_tail()}")


def _demo_accounts(seed_output: str) -> dict[str, Account]:
    return {
        match["role"].strip(): Account(match["role"].strip(), match["email"], match["password"])
        for match in DEMO_ACCOUNT_LINE.finditer(seed_output)
    }


def start_embedded_site(smtp_port: int) -> Site:
    """``make run``'s shape: runserver, DEBUG, SQLite, tasks in process, the demo data."""
    workdir = Path(tempfile.mkdtemp(prefix="smepilot-embedded-"))
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = _base_env(
        DEBUG="true",
        DATABASE_URL=f"sqlite:///{workdir / 'db.sqlite3'}",
        EMAIL_URL=f"smtp://127.0.0.1:{smtp_port}",
        SITE_URL=url,
    )
    site = Site("embedded", url, workdir, env, urls=[url])
    site.manage("migrate", "--noinput")
    site.accounts = _demo_accounts(site.manage("seed_demo"))
    server = site.start("web", [PYTHON, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"])
    _wait_until_serving(site, server, url)
    return site


def start_production_site(
    smtp_port: int,
    *,
    database_url: str,
    redis_url: str,
    web: int = 1,
    workers: int = 1,
    beat: bool = False,
    settings: dict[str, str] | None = None,
    label: str = "browser",
) -> Site:
    """The production shape: gunicorn (DEBUG off, WhiteNoise), PostgreSQL, Redis, Celery workers.

    ``web`` gunicorn instances (each on a port of its own, ``site.urls``) and ``workers`` Celery
    workers share the one database, cache-key prefix and queue, as a deployment scaled out does;
    ``beat`` adds the deployment's one Celery beat. ``settings`` are further environment variables;
    ``label`` starts the names of the database, key prefix and queue (``smepilot_<label>_<random>``).
    """
    workdir = Path(tempfile.mkdtemp(prefix="smepilot-production-"))
    urls = [f"http://127.0.0.1:{free_port()}" for _instance in range(web)]
    own = f"{label}_{secrets.token_hex(4)}"
    env = _base_env(
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=_database_url(database_url, f"smepilot_{own}"),
        REDIS_URL=redis_url,
        CELERY_BROKER_URL=redis_url,
        CACHE_KEY_PREFIX=own,
        CELERY_TASK_DEFAULT_QUEUE=own,
        EMAIL_URL=f"smtp://127.0.0.1:{smtp_port}",
        # Links in emails name the first instance; any instance answers them.
        SITE_URL=urls[0],
        STATIC_ROOT=str(workdir / "static"),
        SECURE_SSL_REDIRECT="false",
        SECURE_HSTS_SECONDS="0",
        **(settings or {}),
    )
    site = Site("production", urls[0], workdir, env, urls=urls)
    _database_create(env["DATABASE_URL"])
    site.manage("migrate", "--noinput")
    site.manage("collectstatic", "--noinput")
    site.accounts = _demo_accounts(site.manage("seed_demo", "--allow-production"))
    for number in range(1, workers + 1):
        site.start(
            f"worker-{number}",
            [PYTHON, "-m", "celery", "-A", "smepilot", "worker", "--pool", "solo", "--queues", own]
            + ["--hostname", f"worker-{number}-{own}@%h", "--without-gossip", "--without-mingle"]
            + ["--loglevel", "INFO"],
        )
    if beat:
        site.start(
            "beat",
            [PYTHON, "-m", "celery", "-A", "smepilot", "beat", "--loglevel", "INFO"]
            + ["--schedule", str(workdir / "celerybeat-schedule")],
        )
    servers = []
    for number, url in enumerate(urls, start=1):
        port = urlsplit(url).port
        servers.append(
            site.start(
                f"web-{number}",
                [PYTHON, "-m", "gunicorn", "-c", "gunicorn.conf.py", "smepilot.wsgi"],
                env={"GUNICORN_BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": "2", "GUNICORN_THREADS": "4"},
            )
        )
    for server, url in zip(servers, urls, strict=True):
        _wait_until_serving(site, server, url)
    return site


def stop_production_site(site: Site):
    site.stop()
    _database_drop(site.env["DATABASE_URL"])
    _redis_forget(site.env)


def _redis_forget(env: dict):
    """Remove the site's keys from the shared Redis: its cache keys, its queue, and the messages a
    killed worker held unacknowledged (Redis would put them back in the queue hours later)."""
    client = redis.Redis.from_url(env["REDIS_URL"])
    queue = env["CELERY_TASK_DEFAULT_QUEUE"]
    bindings = [f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}"]
    keys = [*client.scan_iter(match=f"{env['CACHE_KEY_PREFIX']}:*"), queue, *bindings]
    client.delete(*keys)
    held = [tag for tag, message in client.hgetall("unacked").items() if json.loads(message)[2] == queue]
    if held:
        client.hdel("unacked", *held)
        client.zrem("unacked_index", *held)


def _database_url(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def _server_connection(url: str):
    parts = urlsplit(url)
    connection = psycopg2.connect(
        host=parts.hostname,
        port=parts.port or 5432,
        user=parts.username or "postgres",
        password=parts.password,
        dbname="postgres",
    )
    connection.autocommit = True
    return connection, parts.path.strip("/")


def _database_create(url: str):
    connection, name = _server_connection(url)
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    connection.close()


def _database_drop(url: str):
    connection, name = _server_connection(url)
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    connection.close()
