"""The Celery application.

With ``CELERY_BROKER_URL`` unset (the embedded ``make run`` default) settings turn on
``task_always_eager`` and tasks run in the web process; with a broker URL a worker runs them:

    celery -A smepilot worker -l info     # sends the outbox's email, among others
    celery -A smepilot beat -l info       # one per deployment: CELERY_BEAT_SCHEDULE (outbox sweep)
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smepilot.settings")

app = Celery("smepilot")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# The task id in each log line the worker writes (task_prerun/task_postrun receivers).
import smepilot.observability  # noqa: E402, F401
