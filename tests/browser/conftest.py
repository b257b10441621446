"""Browser tests: Playwright drives Debian's Chromium against the site running as real processes.

The sites (tests/browser/servers.py), the SMTP sink and the browser are started once per test
run (per xdist worker). Each test opens its own browser contexts (cookies and all), so tests do
not depend on one another. Screenshots of every step go to one folder per run, printed at the end:
``SCREENSHOTS_DIR`` names it, else ``test-screenshots/<date-time>`` at the project root.
"""

import os
import re
import shutil
from datetime import datetime
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import sync_playwright

from tests.browser import servers
from tests.smtp_sink import SmtpSink, wait_until

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# The closed network of CI machines: no background connections, no first-run pages.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONES = {"phone-360": {"width": 360, "height": 740}, "phone-390": {"width": 390, "height": 844}}
DESKTOP = {"width": 1366, "height": 800}
_RUN_FOLDER = {}


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


def screenshots_root() -> Path:
    if "root" not in _RUN_FOLDER:
        named = os.environ.get("SCREENSHOTS_DIR")
        folder = (
            Path(named)
            if named
            else servers.PROJECT_ROOT / "test-screenshots" / datetime.now().strftime("%Y%m%d-%H%M%S")  # noqa: DTZ005
        )
        worker = os.environ.get("PYTEST_XDIST_WORKER")
        _RUN_FOLDER["root"] = folder / worker if worker else folder
    return _RUN_FOLDER["root"]


def pytest_terminal_summary(terminalreporter):
    if "root" in _RUN_FOLDER and _RUN_FOLDER["root"].exists():
        terminalreporter.write_line(f"Browser screenshots: {_RUN_FOLDER['root']}")


@pytest.fixture(scope="session")
def chromium():
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"No Chromium at {CHROMIUM}: install Debian's package (apt-get install chromium), as .ci/run does."
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def mail():
    sink = SmtpSink()
    sink.controller.start()
    yield Mailbox(sink)
    sink.controller.stop()


@pytest.fixture(scope="session")
def embedded_site(mail):
    site = servers.start_embedded_site(mail.sink.port)
    yield site
    site.stop()
    shutil.rmtree(site.workdir, ignore_errors=True)


@pytest.fixture(scope="session")
def production_site(mail):
    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url.startswith("postgres"):
        pytest.fail("The production shape needs PostgreSQL: run with DATABASE_URL=postgres://... (make test does).")
    redis_url = settings.CACHES["default"].get("LOCATION") or os.environ.get("REDIS_URL", "")
    if not str(redis_url).startswith("redis"):
        pytest.fail("The production shape needs Redis: run with REDIS_URL=redis://... (make test does).")
    site = servers.start_production_site(mail.sink.port, database_url=database_url, redis_url=str(redis_url))
    yield site
    servers.stop_production_site(site)
    shutil.rmtree(site.workdir, ignore_errors=True)


@pytest.fixture(params=["embedded", "production"])
def site(request):
    """The test runs once on each shape."""
    return request.getfixturevalue(f"{request.param}_site")


@pytest.fixture
def screenshots(request):
    return Screenshots(screenshots_root() / re.sub(r"[^\w.-]+", "_", request.node.name))


@pytest.fixture
def new_context(chromium, request):
    """Open browser contexts (one per person); closed at the end of the test."""
    contexts = []

    def open_context(*, viewport=DESKTOP, locale="en-GB", **options):
        context = chromium.new_context(viewport=viewport, locale=locale, **options)
        context.set_default_timeout(20_000)
        contexts.append(context)
        return context

    yield open_context
    for context in contexts:
        context.close()


class Screenshots:
    def __init__(self, folder: Path):
        self.folder = folder
        self.count = 0

    def take(self, page, step: str):
        self.folder.mkdir(parents=True, exist_ok=True)
        self.count += 1
        name = f"{self.count:02d}-{re.sub(r'[^a-z0-9]+', '-', step.lower()).strip('-')}.png"
        page.screenshot(path=str(self.folder / name), full_page=True)


def _words(text) -> str:
    """Text compared by its words: case, folding and (non-breaking) spaces aside."""
    return " ".join(str(text).split()).lower()


class Mailbox:
    """The messages the sites sent, read as their recipients would."""

    LINK = re.compile(r"https?://[^\s<>\"')]+")

    def __init__(self, sink: SmtpSink):
        self.sink = sink

    def wait_for(self, *, to: str, subject_contains: str = "", after: int = 0, timeout: float = 30.0):
        """The first message to ``to`` whose subject contains the text, among those after index ``after``."""

        def found():
            for message in self.sink.messages[after:]:
                recipients = ",".join(str(value) for value in message.get_all("To", []))
                if to.lower() in recipients.lower() and _words(subject_contains) in _words(message["Subject"]):
                    return message
            return None

        return wait_until(found, timeout=timeout, message=f"an email to {to} about {subject_contains!r}")

    def count(self) -> int:
        return len(self.sink.messages)

    @staticmethod
    def text(message) -> str:
        return message.get_body(preferencelist=("plain",)).get_content()

    @staticmethod
    def html(message) -> str:
        return message.get_body(preferencelist=("html",)).get_content()

    def links(self, message, *, containing: str = "") -> list[str]:
        return [link.rstrip(".,;") for link in self.LINK.findall(self.text(message)) if containing in link]

    @staticmethod
    def attachments(message) -> dict[str, str]:
        """Named parts (attachments, however nested), by file name, as text."""
        found = {}
        for part in message.walk():
            if part.get_filename():
                content = part.get_content()
                found[part.get_filename()] = content.decode() if isinstance(content, bytes) else content
        return found
