"""The client's address behind a reverse proxy, for allauth's sign-in rate limits (and the logs).

Behind a proxy every request comes from the proxy's address (REMOTE_ADDR), so limits counted per
address would count everyone together. The proxy says who its client was in X-Forwarded-For, but
anybody can send that header: it is believed only when the request comes from a proxy listed in
TRUSTED_PROXIES (addresses or networks), and then only up to the first address that is not itself
a trusted proxy, read from the right (the hops each trusted proxy appended).
"""

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


@lru_cache(maxsize=8)
def trusted_networks(values: tuple[str, ...]) -> tuple:
    """TRUSTED_PROXIES as networks; a single address is a network of one."""
    networks = []
    for value in values:
        try:
            networks.append(ipaddress.ip_network(value.strip(), strict=False))
        except ValueError as error:
            raise ImproperlyConfigured(
                f"TRUSTED_PROXIES: {value!r} is not an IP address or network (e.g. 10.0.0.5 or 10.0.0.0/8)."
            ) from error
    return tuple(networks)


def _address(value: str):
    value = value.strip()
    if value.startswith("[") and "]" in value:  # "[2001:db8::1]:443"
        value = value[1 : value.index("]")]
    try:
        return ipaddress.ip_address(value)
    except ValueError:
        return None


def _is_trusted(address, networks) -> bool:
    return any(address.version == network.version and address in network for network in networks)


def client_address(*, remote_addr: str, forwarded_for: str, trusted: tuple) -> str:
    """The client's address: the peer, unless the peer is a trusted proxy; then the rightmost hop of
    X-Forwarded-For that is not a trusted proxy (or the last trusted one, if the header has nothing else)."""
    networks = trusted_networks(tuple(trusted))
    peer = _address(remote_addr or "")
    if peer is None or not networks or not _is_trusted(peer, networks) or not forwarded_for:
        return remote_addr
    client = peer
    for hop in reversed(forwarded_for.split(",")):
        address = _address(hop)
        if address is None:  # not written by a proxy of ours: stop at the last address we can believe
            break
        client = address
        if not _is_trusted(address, networks):
            break
    return str(client)


class TrustedProxyMiddleware:
    """Puts the client's address (client_address) in REMOTE_ADDR, before anything reads it."""

    def __init__(self, get_response):
        self.get_response = get_response
        trusted_networks(tuple(settings.TRUSTED_PROXIES))  # a malformed value stops start-up, with its message

    def __call__(self, request):
        trusted = tuple(settings.TRUSTED_PROXIES)
        if trusted:
            remote_addr = request.META.get("REMOTE_ADDR", "")
            client = client_address(
                remote_addr=remote_addr, forwarded_for=request.META.get("HTTP_X_FORWARDED_FOR", ""), trusted=trusted
            )
            if client != remote_addr:
                request.META["REMOTE_ADDR"] = client
        return self.get_response(request)
