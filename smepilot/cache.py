"""The Redis cache, degraded rather than down while Redis is unreachable.

allauth counts sign-in attempts in the cache (ACCOUNT_RATE_LIMITS). Django's RedisCache raises
when Redis is down, so every sign-in answered 500. This one logs a warning (once a minute at most)
and behaves as an empty cache that stores nothing: reads miss, writes are dropped, and sign-in works
without rate limits until Redis is back. Short socket timeouts (settings) keep a request from
hanging on a Redis that does not answer.
"""

import logging
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

UNAVAILABLE = (RedisConnectionError, RedisTimeoutError)
WARN_EVERY_SECONDS = 60


class DegradingRedisCache(RedisCache):
    """RedisCache whose operations, while Redis is unreachable, miss (reads) or do nothing (writes)."""

    _last_warning_at = None  # monotonic time of the last warning, shared by every instance in the process

    def _unavailable(self, operation: str, error: BaseException) -> None:
        now = time.monotonic()
        last = DegradingRedisCache._last_warning_at
        if last is None or now - last >= WARN_EVERY_SECONDS:
            DegradingRedisCache._last_warning_at = now
            logger.warning(
                "Redis cache unavailable (%s: %s): working without the cache; sign-in rate limits are off "
                "until it is back.",
                operation,
                error,
            )

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().add(key, value, timeout, version)
        except UNAVAILABLE as error:
            self._unavailable("add", error)
            return True  # as if stored: allauth's lock around a rate-limit count must not wait for it

    def get(self, key, default=None, version=None):
        try:
            return super().get(key, default, version)
        except UNAVAILABLE as error:
            self._unavailable("get", error)
            return default

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            super().set(key, value, timeout, version)
        except UNAVAILABLE as error:
            self._unavailable("set", error)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().touch(key, timeout, version)
        except UNAVAILABLE as error:
            self._unavailable("touch", error)
            return False

    def delete(self, key, version=None):
        try:
            return super().delete(key, version)
        except UNAVAILABLE as error:
            self._unavailable("delete", error)
            return False

    def get_many(self, keys, version=None):
        try:
            return super().get_many(keys, version)
        except UNAVAILABLE as error:
            self._unavailable("get_many", error)
            return {}

    def has_key(self, key, version=None):
        try:
            return super().has_key(key, version)
        except UNAVAILABLE as error:
            self._unavailable("has_key", error)
            return False

    def incr(self, key, delta=1, version=None):
        try:
            return super().incr(key, delta, version)
        except UNAVAILABLE as error:
            self._unavailable("incr", error)
            raise ValueError(f"Key '{key}' not found (the cache is unavailable).") from error

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().set_many(data, timeout, version)
        except UNAVAILABLE as error:
            self._unavailable("set_many", error)
            return []

    def delete_many(self, keys, version=None):
        try:
            super().delete_many(keys, version)
        except UNAVAILABLE as error:
            self._unavailable("delete_many", error)

    def clear(self):
        try:
            return super().clear()
        except UNAVAILABLE as error:
            self._unavailable("clear", error)
            return False
