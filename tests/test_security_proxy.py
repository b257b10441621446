"""Behind the reverse proxy, sign-in rate limits count each client, not the proxy (smepilot.proxies).

The proxy's own address is REMOTE_ADDR for every request; X-Forwarded-For names the client, and is
believed only from a proxy listed in TRUSTED_PROXIES.
"""

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from smepilot.proxies import client_address
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery-staple"  # the factories' password
PROXY = "10.0.0.7"


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


def _failed_sign_ins_until_limited(client, *, forwarded_for, limit):
    """Wrong passwords, each for another address (so only the per-client limit counts), from one client."""
    for attempt in range(limit):
        response = client.post(
            reverse("account_login"),
            {"login": f"nobody-{attempt}@sme.example", "password": "wrong"},
            HTTP_X_FORWARDED_FOR=forwarded_for(attempt),
        )
        assert response.status_code == 200
        assert "Too many failed login attempts" not in response.content.decode()


def _per_ip(action, settings):
    for rule in settings.ACCOUNT_RATE_LIMITS[action].split(","):
        amount, _period, *per = rule.split("/")
        if per == ["ip"]:
            return int(amount)
    raise AssertionError(f"{action} has no per-address limit")


def test_two_clients_behind_one_trusted_proxy_are_limited_separately(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/24"]
    UserFactory(email="other@sme.example")
    limit = _per_ip("login_failed", settings)
    attacker = Client(REMOTE_ADDR=PROXY)
    _failed_sign_ins_until_limited(attacker, forwarded_for=lambda _attempt: "203.0.113.5", limit=limit)
    blocked = attacker.post(
        reverse("account_login"),
        {"login": "nobody-else@sme.example", "password": "wrong"},
        HTTP_X_FORWARDED_FOR="203.0.113.5",
    )
    assert "Too many failed login attempts" in blocked.content.decode()

    # Another person, through the same proxy (which appends the address it saw to what the client sent).
    other = Client(REMOTE_ADDR=PROXY)
    response = other.post(
        reverse("account_login"),
        {"login": "other@sme.example", "password": PASSWORD},
        HTTP_X_FORWARDED_FOR="198.51.100.7",
    )
    assert response.status_code == 302
    assert "_auth_user_id" in other.session


def test_a_client_cannot_escape_the_limit_by_prepending_addresses_through_the_proxy(settings):
    settings.TRUSTED_PROXIES = [PROXY]
    limit = _per_ip("login_failed", settings)
    client = Client(REMOTE_ADDR=PROXY)
    # The client writes a new address each time; the proxy appends the one it saw: that one counts.
    _failed_sign_ins_until_limited(
        client, forwarded_for=lambda attempt: f"192.0.2.{attempt}, 203.0.113.5", limit=limit
    )
    response = client.post(
        reverse("account_login"),
        {"login": "nobody-else@sme.example", "password": "wrong"},
        HTTP_X_FORWARDED_FOR="192.0.2.200, 203.0.113.5",
    )
    assert "Too many failed login attempts" in response.content.decode()


def test_a_spoofed_forwarded_for_from_an_untrusted_peer_is_ignored(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/24"]
    limit = _per_ip("login_failed", settings)
    client = Client(REMOTE_ADDR="198.51.100.99")  # not a proxy of ours: connects directly
    _failed_sign_ins_until_limited(client, forwarded_for=lambda attempt: f"192.0.2.{attempt}", limit=limit)
    response = client.post(
        reverse("account_login"),
        {"login": "nobody-else@sme.example", "password": "wrong"},
        HTTP_X_FORWARDED_FOR="192.0.2.200",
    )
    assert "Too many failed login attempts" in response.content.decode()


def test_without_trusted_proxies_forwarded_for_is_ignored(settings):
    settings.TRUSTED_PROXIES = []
    limit = _per_ip("login_failed", settings)
    client = Client(REMOTE_ADDR=PROXY)
    _failed_sign_ins_until_limited(client, forwarded_for=lambda attempt: f"192.0.2.{attempt}", limit=limit)
    response = client.post(
        reverse("account_login"),
        {"login": "nobody-else@sme.example", "password": "wrong"},
        HTTP_X_FORWARDED_FOR="192.0.2.200",
    )
    assert "Too many failed login attempts" in response.content.decode()


@pytest.mark.parametrize(
    ("remote_addr", "forwarded_for", "expected"),
    [
        ("10.0.0.7", "203.0.113.5", "203.0.113.5"),
        ("10.0.0.7", "1.2.3.4, 203.0.113.5", "203.0.113.5"),  # the client wrote 1.2.3.4: not believed
        ("10.0.0.7", "203.0.113.5, 10.0.0.3", "203.0.113.5"),  # two trusted proxies in a row
        ("10.0.0.7", "10.0.0.3", "10.0.0.3"),  # nothing but proxies: the farthest one
        ("10.0.0.7", "not-an-address, 10.0.0.3", "10.0.0.3"),
        ("10.0.0.7", "", "10.0.0.7"),
        ("10.0.0.7", "2001:db8::1", "2001:db8::1"),
        ("192.0.2.1", "203.0.113.5", "192.0.2.1"),  # untrusted peer
    ],
)
def test_client_address(remote_addr, forwarded_for, expected):
    assert client_address(remote_addr=remote_addr, forwarded_for=forwarded_for, trusted=("10.0.0.0/24",)) == expected


def test_a_malformed_trusted_proxy_stops_with_a_message():
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured, match="TRUSTED_PROXIES"):
        client_address(remote_addr="10.0.0.7", forwarded_for="203.0.113.5", trusted=("10.0.0.300",))
