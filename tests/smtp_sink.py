"""Real infrastructure for email tests: an SMTP server (aiosmtpd) and a Celery worker.

Fixtures (registered in tests/conftest.py, usable from any test module):

- ``smtp_sink``: an SMTP server on 127.0.0.1 that Django's EMAIL settings point at for the test.
  ``smtp_sink.messages`` are the accepted messages (``email.message.EmailMessage``);
  ``smtp_sink.script_data("421 4.3.0 Try later")`` / ``script_rcpt("550 5.1.1 No such user")``
  make the next DATA / RCPT answers fail (then 250 again); ``smtp_sink.refuse(address, "550 …")``
  refuses every RCPT to that address; ``smtp_sink.wait_for(n)`` waits until
  n messages arrived.
- ``celery_worker_real``: a real Celery worker (smepilot.celery's app, solo pool, in a thread)
  consuming from the test's broker (CELERY_BROKER_URL: a Redis db of the test run's own), with
  retry backoff shortened to a fraction of a second. Implies ``transactional_db``: the worker's
  thread has its own database connection and sees committed data only.
  ``celery_worker_real.wait_idle()`` waits until every queued task (retries included) has run.
- ``broker_down``: a context manager; inside it, tasks published from the test's thread go to a
  Redis address where nothing listens (a real connection refusal), as in a broker outage.
"""

import asyncio
import contextlib
import email
import email.policy
import json
import os
import socket
import threading
import time
from collections import deque

import pytest
import redis
from aiosmtpd.controller import Controller
from celery import Celery, signals
from celery.contrib.testing.worker import start_worker
from django.db import connections


def wait_until(predicate, *, timeout: float = 15.0, interval: float = 0.05, message: str = "condition"):
    """Poll ``predicate`` until it is true; fail the test after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"Timed out after {timeout} s waiting for {message}")
        time.sleep(interval)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ScriptedHandler:
    """aiosmtpd handler that accepts everything unless told to answer otherwise."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.data_responses: deque[str] = deque()
        self.rcpt_responses: deque[str] = deque()
        self.refused_addresses: dict[str, str] = {}  # address (lower case) -> the RCPT answer, every time
        self.data_delay = 0.0
        self.data_commands = 0  # every DATA, accepted or not
        self.peers: set[tuple] = set()  # the client's (address, port) of every connection that sent DATA
        # The connections whose DATA is held (slow_down), with the Message-ID handed over on each.
        self.awaiting_answer: dict[tuple, str] = {}

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.refused_addresses:
            return self.refused_addresses[address.lower()]
        if self.rcpt_responses:
            return self.rcpt_responses.popleft()
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.data_commands += 1
        self.peers.add(session.peer)
        if self.data_delay:
            headers = email.message_from_bytes(envelope.content, policy=email.policy.default)
            self.awaiting_answer[session.peer] = str(headers["Message-ID"])
            try:
                await asyncio.sleep(self.data_delay)
            finally:
                self.awaiting_answer.pop(session.peer, None)
        if self.data_responses:
            return self.data_responses.popleft()
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 2.0.0 Message accepted"


class SmtpSink:
    def __init__(self):
        self.handler = ScriptedHandler()
        self.port = free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    @property
    def messages(self):
        return self.handler.messages

    @property
    def data_commands(self) -> int:
        return self.handler.data_commands

    @property
    def connections(self) -> int:
        """How many SMTP connections carried at least one DATA command."""
        return len(self.handler.peers)

    def awaiting_answer(self) -> dict[int, str]:
        """Client port → Message-ID of the messages handed over and not yet answered (``slow_down``)."""
        return {peer[1]: message_id for peer, message_id in dict(self.handler.awaiting_answer).items()}

    def script_data(self, *responses: str):
        """The next DATA commands get these answers, in order (then "250")."""
        self.handler.data_responses.extend(responses)

    def script_rcpt(self, *responses: str):
        """The next RCPT commands get these answers, in order (then "250")."""
        self.handler.rcpt_responses.extend(responses)

    def refuse(self, address: str, response: str = "550 5.1.1 No such user"):
        """Every RCPT to ``address`` gets this answer (a mailbox that does not exist), others 250."""
        self.handler.refused_addresses[address.lower()] = response

    def slow_down(self, seconds: float):
        """Hold every DATA answer this long (to make two senders overlap)."""
        self.handler.data_delay = seconds

    def wait_for(self, count: int, *, timeout: float = 15.0):
        wait_until(lambda: len(self.messages) >= count, timeout=timeout, message=f"{count} message(s) at the sink")
        return self.messages


@pytest.fixture
def smtp_sink(settings):
    sink = SmtpSink()
    sink.controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = sink.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    try:
        yield sink
    finally:
        sink.controller.stop()


def _broker_client(app) -> redis.Redis:
    return redis.Redis.from_url(app.conf.broker_url)


def _queue_isolate():
    """Under pytest-xdist the processes share one Redis db: give each its own task queue.

    Runs when conftest imports this module, before any test publishes a task.
    """
    xdist_worker = os.environ.get("PYTEST_XDIST_WORKER")
    if xdist_worker:
        from smepilot.celery import app

        app.conf.task_default_queue = f"celery-test-{xdist_worker}"


_queue_isolate()


def _broker_purge(app):
    """Drop tasks left in this run's queue by earlier tests (their ids mean nothing now).

    Tasks a stopped worker held back (retries waiting for their countdown) went back to the
    queue when it stopped (kombu restores unacknowledged messages on close).
    """
    app.control.purge()


class RealWorker:
    def __init__(self, app, worker):
        self.app = app
        self.worker = worker

    def pending(self) -> int:
        """Tasks published but not yet run and acknowledged (acks_late: ack comes after the run)."""
        client = _broker_client(self.app)
        queue = self.app.conf.task_default_queue
        # Held messages of every queue share one hash: [message, exchange, routing key].
        held = sum(1 for raw in client.hvals("unacked") if json.loads(raw)[2] == queue)
        return client.llen(queue) + held

    def wait_idle(self, *, timeout: float = 15.0, settle: float = 0.3):
        """Wait until no task is waiting, held or running, and it stays so for ``settle`` s."""
        deadline = time.monotonic() + timeout
        idle_since = None
        while True:
            now = time.monotonic()
            if self.pending() == 0:
                idle_since = idle_since or now
                if now - idle_since >= settle:
                    return
            else:
                idle_since = None
            if now > deadline:
                pytest.fail(f"The worker still has {self.pending()} task(s) after {timeout} s")
            time.sleep(0.05)


def _close_worker_connections(**kwargs):
    # The worker thread's own connection: close it after each task, so none is left open (and
    # idle in a transaction) when the test database is flushed.
    connections.close_all()


@pytest.fixture
def celery_worker_real(transactional_db, settings):
    from smepilot.celery import app

    assert not app.conf.task_always_eager, "Set CELERY_BROKER_URL (make test does) to test with a worker"
    assert app.conf.broker_url.startswith("redis://"), app.conf.broker_url
    # Retries within the test's patience; the real values are minutes.
    settings.OUTBOX_RETRY_BACKOFF_SECONDS = 0.05
    settings.OUTBOX_RETRY_BACKOFF_MAX_SECONDS = 0.2
    hijack = app.conf.worker_hijack_root_logger
    app.conf.worker_hijack_root_logger = False  # keep pytest's log capture
    _broker_purge(app)
    signals.task_postrun.connect(_close_worker_connections)
    try:
        with start_worker(app, pool="solo", concurrency=1, perform_ping_check=False, shutdown_timeout=15) as worker:
            yield RealWorker(app, worker)
    finally:
        signals.task_postrun.disconnect(_close_worker_connections)
        app.conf.worker_hijack_root_logger = hijack
        _broker_purge(app)


@pytest.fixture
def broker_down():
    """Publish from this thread to a closed port: every ``delay()`` fails to connect."""
    from smepilot.celery import app

    @contextlib.contextmanager
    def outage():
        # A bound socket that never listens: connecting to it is refused, and no other process
        # can take the port meanwhile.
        with socket.socket() as closed:
            closed.bind(("127.0.0.1", 0))
            port = closed.getsockname()[1]
            down = Celery("smepilot-broker-down", set_as_current=False)
            down.config_from_object("django.conf:settings", namespace="CELERY")
            # The write URL: publishing uses it, and Celery reads broker_url from the
            # CELERY_BROKER_URL environment variable before any configuration.
            down.conf.broker_write_url = f"redis://127.0.0.1:{port}/0"
            down.conf.broker_connection_retry = False
            down.conf.task_publish_retry_policy = {"max_retries": 1, "interval_start": 0, "interval_step": 0.1}
            # shared_task proxies resolve to the current app (per thread): the outbox's delay()
            # now publishes through the unreachable broker; the worker thread keeps the real one.
            down.set_current()
            try:
                yield down
            finally:
                app.set_current()
                down.close()

    return outage


# Thread helper for tests that race two callers.
def run_in_threads(target, count: int = 2):
    barrier = threading.Barrier(count)
    errors = []

    def runner():
        try:
            barrier.wait()
            target()
        except BaseException as error:  # noqa: BLE001 - reported to the test below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=runner) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not errors, errors
