"""A real OpenID Connect provider for the ITU account (TIES) sign-in tests, and providers that fail.

Fixtures (registered in tests/conftest.py):

- ``oidc_provider``: panva's ``oidc-provider`` (tests/oidc_provider/server.js, installed by
  ``make install`` with ``npm ci``) running under Node on a free port of 127.0.0.1 for the test
  session, with our client registered (callback and post-logout addresses of the test client's
  ``https://testserver``) and PKCE required, as the ITU's provider does. The site really fetches
  its discovery document, tokens, keys and userinfo over HTTP. ``oidc_provider.add_account(...)``
  registers a person's claims; ``oidc_provider.authorize(url, sub)`` is their browser at the
  provider: it follows the authorization redirect, signs in and consents, and returns the address
  the provider sends them back to (our callback, with ``code`` and ``state``).
- ``ties``: the site configured (settings) to use that provider as the ITU account.
- ``closed_port`` / ``hanging_server``: a provider address where nothing listens, and one that
  accepts connections and never answers.
"""

import json
import os
import shutil
import socket
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
import requests

from tests.smtp_sink import free_port

PROVIDER_DIR = Path(__file__).resolve().parent / "oidc_provider"
CLIENT_ID = "smepilot-tests"
CLIENT_SECRET = "test-only-client-secret"  # noqa: S105
# The addresses the site builds from the test client's requests (host testserver, https as in production).
SITE = "https://testserver"
CALLBACK_URL = f"{SITE}/accounts/oidc/ties/login/callback/"
POST_LOGOUT_REDIRECT_URL = f"{SITE}/"


@dataclass
class OidcProvider:
    issuer: str
    process: subprocess.Popen
    browser: requests.Session = field(default_factory=requests.Session)

    def add_account(self, **claims) -> dict:
        response = requests.post(f"{self.issuer}/test-accounts", data=json.dumps(claims), timeout=5)
        response.raise_for_status()
        return claims

    def authorize(self, authorize_url: str, sub: str) -> str:
        """Sign ``sub`` in at the provider and consent, as their browser would; return where they are sent back."""
        url = authorize_url
        for _step in range(12):
            if url.startswith(SITE):
                return url
            response = self.browser.get(url, allow_redirects=False, timeout=5)
            if response.is_redirect:
                url = urljoin(url, response.headers["Location"])
                continue
            if response.status_code != 200:
                pytest.fail(f"The provider answered {response.status_code} at {url}: {response.text[:500]}")
            path = urlsplit(url).path
            if not path.startswith("/interaction/"):
                pytest.fail(f"Unexpected page at the provider: {url}: {response.text[:500]}")
            prompt = "login" if 'name="login"' in response.text else "consent"
            response = self.browser.post(
                url, data={"prompt": prompt, "login": sub, "password": "any"}, allow_redirects=False, timeout=5
            )
            if not response.is_redirect:
                pytest.fail(f"The provider did not accept the {prompt}: {response.status_code} {response.text[:500]}")
            url = urljoin(url, response.headers["Location"])
        pytest.fail(f"Too many steps at the provider, last at {url}")

    def signed_in(self) -> bool:
        """Whether the browser still has a session at the provider (a new authorization skips the login)."""
        return bool(self.browser.cookies.get("_session", domain=urlsplit(self.issuer).hostname))

    def end_session(self, end_session_url: str) -> str:
        """Follow the site's RP-initiated logout: confirm at the provider, return where it sends the browser."""
        response = self.browser.get(end_session_url, allow_redirects=False, timeout=5)
        if response.status_code != 200 or 'name="xsrf"' not in response.text:
            pytest.fail(f"The provider refused the logout: {response.status_code} {response.text[:500]}")
        xsrf = response.text.split('name="xsrf" value="', 1)[1].split('"', 1)[0]
        response = self.browser.post(
            f"{self.issuer}/session/end/confirm",
            data={"xsrf": xsrf, "logout": "yes"},
            allow_redirects=False,
            timeout=5,
        )
        if not response.is_redirect:
            pytest.fail(f"The provider did not sign out: {response.status_code} {response.text[:500]}")
        return urljoin(self.issuer, response.headers["Location"])


def _node_modules_installed() -> bool:
    return (PROVIDER_DIR / "node_modules" / "oidc-provider").is_dir()


@pytest.fixture(scope="session")
def oidc_provider():
    node = shutil.which("node")
    if not node or not _node_modules_installed():
        pytest.fail(
            "The test OpenID Connect provider is not installed: run `make install` "
            "(or `npm ci --prefix tests/oidc_provider`); it needs Node.js 20 and npm."
        )
    port = free_port()
    process = subprocess.Popen(  # noqa: S603
        [
            node,
            str(PROVIDER_DIR / "server.js"),
            f"--port={port}",
            f"--client-id={CLIENT_ID}",
            f"--client-secret={CLIENT_SECRET}",
            f"--redirect-uri={CALLBACK_URL}",
            f"--post-logout-redirect-uri={POST_LOGOUT_REDIRECT_URL}",
        ],
        stdin=subprocess.PIPE,  # closed when this process ends, even killed: the provider then exits
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "NODE_ENV": "test"},
    )
    issuer = f"http://127.0.0.1:{port}"
    output = []
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        output.append(line)
        if line.startswith("listening "):
            break
    else:
        process.kill()
    if process.poll() is not None or not output or not output[-1].startswith("listening "):
        process.kill()
        pytest.fail("The test OpenID Connect provider did not start:\n" + "".join(output))
    # Keep reading its output, so that a full pipe never blocks it.
    threading.Thread(target=process.stdout.read, daemon=True).start()
    try:
        yield OidcProvider(issuer=issuer, process=process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def ties_providers(server_url: str) -> dict:
    from smepilot.auth_settings import socialaccount_providers

    return socialaccount_providers(
        ties_server_url=server_url, ties_client_id=CLIENT_ID, ties_client_secret=CLIENT_SECRET
    )


@pytest.fixture
def ties(settings, oidc_provider):
    """The site with the ITU account (TIES) at the real provider; a fresh browser at the provider."""
    settings.SOCIALACCOUNT_PROVIDERS = ties_providers(oidc_provider.issuer)
    settings.TIES_ENABLED = True
    oidc_provider.browser = requests.Session()
    return oidc_provider


@pytest.fixture
def closed_port():
    """A provider address where nothing listens: connections are refused."""
    return f"http://127.0.0.1:{free_port()}"


@pytest.fixture
def hanging_server():
    """A provider address that accepts connections and never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    accepted = []
    stop = threading.Event()

    def accept():
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                connection, _address = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            accepted.append(connection)

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        thread.join(timeout=2)
        for connection in accepted:
            connection.close()
        listener.close()
