"""gunicorn's settings for the web process: `gunicorn -c gunicorn.conf.py smepilot.wsgi`.

Each value comes from the environment, with defaults fit for a small container (README, Configuration).
"""

import os


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name) or default)


bind = os.environ.get("GUNICORN_BIND") or "0.0.0.0:8000"
# Processes, each with threads (gthread): requests mostly wait on PostgreSQL and Redis.
workers = _int("WEB_CONCURRENCY", 3)
worker_class = "gthread"
threads = _int("GUNICORN_THREADS", 4)
# A request taking longer than this has its worker killed and restarted.
timeout = _int("GUNICORN_TIMEOUT", 60)
# On a restart or SIGTERM, requests in flight get this long to finish.
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
# Seconds an idle connection from the proxy in front is kept open.
keepalive = _int("GUNICORN_KEEPALIVE", 5)
# Each worker is replaced after this many requests (plus up to the jitter, so they don't all restart
# at once): memory a long-lived process gathers is given back. 0 turns it off.
max_requests = _int("GUNICORN_MAX_REQUESTS", 1000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 100)
# One line per request on stdout; gunicorn's own messages on stderr.
accesslog = "-"
errorlog = "-"
# The request id the site answers with (smepilot.observability) ties a line to the site's own logs.
access_log_format = '%(h)s %(t)s "%(r)s" %(s)s %(b)s %(M)sms request_id=%({x-request-id}o)s'
# gunicorn's control socket (gunicornc) sits at one path per user (~/.gunicorn/gunicorn.ctl): a
# second instance on the same machine cannot open it, and stopping one would remove the other's.
# Nothing here uses it; GUNICORN_CONTROL_SOCKET names a path of the instance's own to turn it on.
control_socket_disable = not os.environ.get("GUNICORN_CONTROL_SOCKET")
if not control_socket_disable:
    control_socket = os.environ["GUNICORN_CONTROL_SOCKET"]
