"""The benchmark's baseline views exist only under BENCHMARK_VIEWS, and do what their docstring says."""

import importlib

import pytest
from django.contrib.admin.models import LogEntry
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import clear_url_caches

import smepilot.urls

pytestmark = pytest.mark.django_db

BASELINES = [("post", "/bench/insert/"), ("post", "/bench/update/"), ("get", "/bench/select/")]


@pytest.fixture
def benchmark_urls(settings):
    settings.BENCHMARK_VIEWS = True
    importlib.reload(smepilot.urls)
    clear_url_caches()
    yield
    settings.BENCHMARK_VIEWS = False
    importlib.reload(smepilot.urls)
    clear_url_caches()


@pytest.mark.parametrize(("method", "url"), BASELINES)
def test_the_baselines_are_absent_without_the_setting(client, django_user_model, method, url):
    client.force_login(django_user_model.objects.create_user("someone", "someone@example.org", "x"))
    assert getattr(client, method)(url).status_code == 404


@pytest.mark.parametrize(("method", "url"), BASELINES)
def test_the_baselines_send_a_signed_out_visitor_to_sign_in(benchmark_urls, client, method, url):
    response = getattr(client, method)(url)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_the_insert_baseline_writes_one_row(benchmark_urls, client, django_user_model):
    user = django_user_model.objects.create_user("someone", "someone@example.org", "x")
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        response = client.post("/bench/insert/")
    assert response.status_code == 302
    assert LogEntry.objects.filter(user=user).count() == 1
    assert sum(query["sql"].startswith("INSERT") for query in queries.captured_queries) == 1


def test_the_update_and_select_baselines(benchmark_urls, client, django_user_model):
    user = django_user_model.objects.create_user("someone", "someone@example.org", "x")
    client.force_login(user)
    assert client.post("/bench/update/").status_code == 302
    user.refresh_from_db()
    assert user.last_login is not None
    response = client.get("/bench/select/")
    assert response.status_code == 200
    assert b"someone@example.org" in response.content
