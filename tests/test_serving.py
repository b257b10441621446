"""gunicorn with gunicorn.conf.py serves the site and its hashed, compressed static files (WhiteNoise)."""

import gzip
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.db import connection

BASE_DIR = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _database_url() -> str:
    """The test database pytest-django created (migrated), for the server process."""
    conf = connection.settings_dict
    password = f":{conf['PASSWORD']}" if conf["PASSWORD"] else ""
    return f"postgres://{conf['USER']}{password}@{conf['HOST'] or '127.0.0.1'}:{conf['PORT'] or 5432}/{conf['NAME']}"


def _get(url: str, **headers) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 (the local test server)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@pytest.fixture
def gunicorn_site(db):
    static_root = tempfile.mkdtemp(prefix="smepilot-static-")
    port = _free_port()
    keep = {"PATH", "HOME", "LANG", "REDIS_URL", "CELERY_BROKER_URL", "PYTHONPATH"}
    env = {key: value for key, value in os.environ.items() if key in keep}
    env.update(
        DEBUG="false",
        SECRET_KEY="serving-test-key-long-and-random-enough-for-the-settings-8Zq1wPm3",
        ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=_database_url(),
        STATIC_ROOT=static_root,
        SECURE_SSL_REDIRECT="false",
        EMAIL_URL="consolemail://",
        GUNICORN_BIND=f"127.0.0.1:{port}",
        WEB_CONCURRENCY="1",
        GUNICORN_THREADS="2",
    )
    collect = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert collect.returncode == 0, collect.stderr
    with tempfile.TemporaryFile() as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "smepilot.wsgi"],
            cwd=BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    assert server.poll() is None and time.monotonic() < deadline, "gunicorn did not start"
                    time.sleep(0.2)
            yield url, Path(static_root), log
        finally:
            server.terminate()
            server.wait(timeout=30)
            shutil.rmtree(static_root, ignore_errors=True)


def test_gunicorn_with_its_config_serves_pages_and_compressed_hashed_static_files(gunicorn_site):
    url, static_root, log = gunicorn_site
    status, headers, body = _get(f"{url}/accounts/login/")
    assert status == 200, body[:500]
    assert b"<html" in body
    page_request_id = headers["X-Request-ID"]

    # A hashed name from the manifest collectstatic wrote; WhiteNoise serves it with a long cache.
    manifest = json.loads((static_root / "staticfiles.json").read_text())["paths"]
    css = next(hashed for name, hashed in manifest.items() if name.endswith(".css"))
    assert css != next(name for name, hashed in manifest.items() if hashed == css)
    status, headers, plain = _get(f"{url}/static/{css}")
    assert status == 200
    assert "Content-Encoding" not in headers
    assert "immutable" in headers["Cache-Control"]
    status, headers, compressed = _get(f"{url}/static/{css}", **{"Accept-Encoding": "gzip"})
    assert status == 200
    assert headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(compressed) == plain

    # The access log (stdout) has each request line, with the id the site answered with.
    time.sleep(0.3)
    log.seek(0)
    access_log = log.read().decode()
    assert f"GET /static/{css}" in access_log
    assert '"GET /accounts/login/ HTTP/1.1" 200' in access_log
    assert f"request_id={page_request_id}" in access_log
