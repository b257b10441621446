"""The benchmark's baselines: views that do the least a page of their kind can do, served only when
``BENCHMARK_VIEWS`` is on (smepilot.urls includes them then, never otherwise).

``make bench`` measures each hot page as a ratio to one of these, in the same run, through the same
middleware, session and CSRF check, so that the ratio says what the page's own work costs:

- ``POST /bench/insert/``: one INSERT (an admin log entry for the signed-in person), then a redirect,
  as the registration form does;
- ``POST /bench/update/``: one UPDATE (the person's ``last_login``), then a redirect, as a focal
  point's decision does;
- ``GET /bench/select/``: one SELECT by primary key, and a small page, as the validation link does.

A signed-out request is sent to the sign-in page like any other page's, so the benchmark counts it
as a failure in the baselines too.
"""

from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, HttpResponseRedirect
from django.urls import path
from django.utils import timezone
from django.utils.html import escape
from django.views.decorators.http import require_POST, require_safe

app_name = "bench"


@login_required
@require_POST
def insert(request):
    LogEntry.objects.create(user_id=request.user.pk, action_flag=ADDITION, object_repr="benchmark baseline")
    return HttpResponseRedirect("/bench/select/")


@login_required
@require_POST
def update(request):
    get_user_model().objects.filter(pk=request.user.pk).update(last_login=timezone.now())
    return HttpResponseRedirect("/bench/select/")


@login_required
@require_safe
def select(request):
    email = get_user_model().objects.filter(pk=request.user.pk).values_list("email", flat=True).first()
    return HttpResponse(f"<!doctype html><title>Baseline</title><h1>Baseline</h1><p>{escape(email or '')}</p>")


urlpatterns = [
    path("insert/", insert, name="insert"),
    path("update/", update, name="update"),
    path("select/", select, name="select"),
]
