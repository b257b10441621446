"""Every page of the admin answers, for every model the admin site registers, on both engines.

The cases are read from the admin site's registry when this module is imported, so a model
registered later is covered without touching this file, except to give it a factory in
``FACTORIES`` (its tests fail saying so until it has one). A superuser signs in and opens, for
each model with a few rows: the changelist (plain, searched, with each filter's first choice, the
date drill-down, sorted on each column), the add, change, delete and history pages, each past
version's page for models with django-simple-history, the admin's own pages (``get_urls``) and the
autocomplete choosers. They answer 200, or 403 where the ModelAdmin's permission method refuses
the page on purpose, even to a superuser. The pilot report's figures page and CSV are opened
again with figures to show.
"""

import datetime

import pytest
from django.contrib import admin
from django.contrib.admin import ModelAdmin
from django.contrib.admin.views.main import ORDER_VAR, SEARCH_VAR
from django.test import RequestFactory
from django.urls import reverse
from django.urls.resolvers import RegexPattern, RoutePattern
from django.utils import timezone

from registration.models import AttendanceMode, Registration, RegistrationStatus
from tests import factories
from tests.second_factor import sign_in_with_second_factor

pytestmark = [pytest.mark.django_db, pytest.mark.both_engines]

ROWS = 3

# One factory per registered model, by label ("app_label.ModelName"): a few rows of each are made.
FACTORIES = factories.FACTORY_BY_MODEL_LABEL


def _participants(meeting):
    """Validated registrations in person and remote, and a pending one: what the meeting's pages list."""
    for attendance, status in (
        (AttendanceMode.IN_PERSON, RegistrationStatus.VALIDATED),
        (AttendanceMode.REMOTE, RegistrationStatus.VALIDATED),
        (AttendanceMode.IN_PERSON, RegistrationStatus.PENDING),
    ):
        decided = status == RegistrationStatus.VALIDATED
        factories.RegistrationFactory(
            meeting=meeting,
            attendance_mode=attendance,
            status=status,
            decided_by=factories.UserFactory() if decided else None,
            decided_at=timezone.now() if decided else None,
        )


def _registrations_in_the_report(report):
    meeting = factories.MeetingFactory()
    report.pilot.study_groups.add(meeting.study_group)
    _participants(meeting)


# What the admin's own pages of a row show, made for the first row: (label → function of the row).
RELATED_ROWS = {
    "meetings.Meeting": _participants,
    "meetings.PilotReport": _registrations_in_the_report,
}

# The URL names every ModelAdmin has; the others in get_urls() are the admin's own pages.
STANDARD_PAGES = ("changelist", "add", "history", "delete", "change")

REGISTERED = sorted(admin.site._registry, key=lambda model: model._meta.label)
LABELS = [model._meta.label for model in REGISTERED]


def _admin_of(model) -> ModelAdmin:
    return admin.site._registry[model]


def _url_name(model, page: str) -> str:
    return f"admin:{model._meta.app_label}_{model._meta.model_name}_{page}"


def _own_pages(model) -> list:
    """The admin's own URL patterns for the model: named, and neither standard nor a past version."""
    standard = {_url_name(model, page).removeprefix("admin:") for page in (*STANDARD_PAGES, "simple_history")}
    return [pattern for pattern in _admin_of(model).get_urls() if pattern.name and pattern.name not in standard]


def _has_history(model) -> bool:
    return hasattr(model._meta, "simple_history_manager_attribute")


OWN_PAGES = [(model, pattern.name) for model in REGISTERED for pattern in _own_pages(model)]
HISTORY_MODELS = [model for model in REGISTERED if _has_history(model)]
DATE_HIERARCHY_MODELS = [model for model in REGISTERED if _admin_of(model).date_hierarchy]
AUTOCOMPLETE_FIELDS = [(model, field) for model in REGISTERED for field in _admin_of(model).autocomplete_fields]


@pytest.fixture
def rows(request):
    """A few saved rows of the model, each changed once after it was made (a second past version)."""
    model = request.node.callspec.params["model"]
    label = model._meta.label
    assert label in FACTORIES, (
        f"{label} is registered in the admin but has no factory in FACTORIES (tests/test_admin_pages.py): "
        "add one to tests/factories.py and map it there, so that its admin pages are tested."
    )
    made = FACTORIES[label].create_batch(ROWS)
    for obj in made:
        obj.save()
    if label in RELATED_ROWS:
        RELATED_ROWS[label](made[0])
    return made


@pytest.fixture
def superuser():
    return factories.UserFactory(is_staff=True, is_superuser=True)


@pytest.fixture
def superuser_client(client, superuser):
    sign_in_with_second_factor(client, superuser)
    return client


def _expected(user, model, page: str, obj=None) -> int:
    """200, or 403 where the admin refuses the page on purpose, even to a superuser.

    For instance outgoing emails are written by the outbox alone (no add or delete page), and
    registrations, the record the secretariat reports on, are never deleted. The refusal is the
    ModelAdmin's own permission method: the page must answer what that method says, not a 500.
    """
    model_admin = _admin_of(model)
    request = RequestFactory().get("/admin/")
    request.user = user
    allowed = {
        "add": lambda: model_admin.has_add_permission(request),
        "change": lambda: model_admin.has_view_or_change_permission(request, obj),
        "delete": lambda: model_admin.has_delete_permission(request, obj),
    }[page]()
    return 200 if allowed else 403


def _get(client, url: str, expected: int = 200):
    response = client.get(url)
    assert response.status_code == expected, f"GET {url} answered {response.status_code}, not {expected}"
    return response


def test_admin_index_and_every_app_index(superuser_client):
    _get(superuser_client, reverse("admin:index"))
    for app_label in sorted({model._meta.app_label for model in REGISTERED}):
        _get(superuser_client, reverse("admin:app_list", args=[app_label]))


def test_every_registered_model_has_a_factory():
    missing = [label for label in LABELS if label not in FACTORIES]
    assert not missing, f"Registered in the admin without a factory in FACTORIES: {', '.join(missing)}"


@pytest.mark.parametrize("model", REGISTERED, ids=LABELS)
def test_changelist_lists_the_rows(superuser_client, model, rows):
    response = _get(superuser_client, reverse(_url_name(model, "changelist")))
    assert response.context["cl"].result_count >= ROWS


@pytest.mark.parametrize("model", REGISTERED, ids=LABELS)
def test_changelist_searched(superuser_client, model, rows):
    _get(superuser_client, f"{reverse(_url_name(model, 'changelist'))}?{SEARCH_VAR}=a")


@pytest.mark.parametrize("model", REGISTERED, ids=LABELS)
def test_changelist_with_each_filters_first_choice(superuser_client, model, rows):
    url = reverse(_url_name(model, "changelist"))
    changelist = _get(superuser_client, url).context["cl"]
    for spec in changelist.filter_specs:
        # The first choice is "All", already selected; the next one is the filter's first real choice.
        choice = next((choice for choice in spec.choices(changelist) if not choice["selected"]), None)
        if choice is not None:
            _get(superuser_client, f"{url}{choice['query_string']}")


@pytest.mark.parametrize("model", DATE_HIERARCHY_MODELS, ids=[model._meta.label for model in DATE_HIERARCHY_MODELS])
def test_changelist_date_drill_down_to_a_row(superuser_client, model, rows):
    field = _admin_of(model).date_hierarchy
    value = getattr(rows[0], field)
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value)
    drill_down = f"{field}__year={value.year}&{field}__month={value.month}&{field}__day={value.day}"
    response = _get(superuser_client, f"{reverse(_url_name(model, 'changelist'))}?{drill_down}")
    assert response.context["cl"].result_count >= 1


@pytest.mark.parametrize("model", REGISTERED, ids=LABELS)
def test_changelist_sorted_on_each_column(superuser_client, model, rows):
    url = reverse(_url_name(model, "changelist"))
    columns = _get(superuser_client, url).context["cl"].list_display
    for index in range(len(columns)):
        _get(superuser_client, f"{url}?{ORDER_VAR}=-{index}")


@pytest.mark.parametrize("model", REGISTERED, ids=LABELS)
def test_add_page(superuser_client, superuser, model, rows):
    _get(superuser_client, reverse(_url_name(model, "add")), _expected(superuser, model, "add"))


@pytest.mark.parametrize("model", REGISTERED, ids=LABELS)
def test_change_page(superuser_client, superuser, model, rows):
    url = reverse(_url_name(model, "change"), args=[rows[0].pk])
    _get(superuser_client, url, _expected(superuser, model, "change", rows[0]))


@pytest.mark.parametrize("model", REGISTERED, ids=LABELS)
def test_delete_page(superuser_client, superuser, model, rows):
    # A GET only asks for confirmation: nothing is deleted.
    url = reverse(_url_name(model, "delete"), args=[rows[0].pk])
    _get(superuser_client, url, _expected(superuser, model, "delete", rows[0]))
    assert model._default_manager.filter(pk=rows[0].pk).exists()


@pytest.mark.parametrize("model", REGISTERED, ids=LABELS)
def test_history_page(superuser_client, model, rows):
    _get(superuser_client, reverse(_url_name(model, "history"), args=[rows[0].pk]))


@pytest.mark.parametrize("model", HISTORY_MODELS, ids=[model._meta.label for model in HISTORY_MODELS])
def test_each_past_version_page(superuser_client, model, rows):
    for obj in rows:
        versions = list(getattr(obj, model._meta.simple_history_manager_attribute).all())
        assert len(versions) >= 2  # made, then changed
        for version in versions:
            _get(superuser_client, reverse(_url_name(model, "simple_history"), args=[obj.pk, version.history_id]))


def _one_badge(meeting) -> dict:
    registration = meeting.registrations.get(
        attendance_mode=AttendanceMode.IN_PERSON, status=RegistrationStatus.VALIDATED
    )
    return {"object_id": meeting.pk, "registration_id": registration.pk}


# The admin's own pages whose parameters are not the row's id: (URL name → their values, from the row).
OWN_PAGE_ARGUMENTS = {
    "meetings_meeting_badge": _one_badge,
    "registration_checkin_meeting": lambda attendance: {"meeting_id": attendance.registration.meeting_id},
}


def _own_page_url(model, name: str, obj) -> str:
    """The URL of one of the admin's own pages for ``obj``: each of its parameters is the object's id."""
    if name in OWN_PAGE_ARGUMENTS:
        return reverse(f"admin:{name}", kwargs=OWN_PAGE_ARGUMENTS[name](obj))
    (pattern,) = [pattern for pattern in _admin_of(model).get_urls() if pattern.name == name]
    if isinstance(pattern.pattern, RoutePattern):
        parameters = list(pattern.pattern.converters)
    else:
        assert isinstance(pattern.pattern, RegexPattern)
        parameters = list(pattern.pattern.regex.groupindex) or [None] * pattern.pattern.regex.groups
    assert len(parameters) <= 1, f"admin:{name} takes {parameters}: say in this test what to give it"
    if not parameters:
        return reverse(f"admin:{name}")
    if parameters == [None]:
        return reverse(f"admin:{name}", args=[obj.pk])
    return reverse(f"admin:{name}", kwargs={parameters[0]: obj.pk})


@pytest.mark.parametrize(("model", "name"), OWN_PAGES, ids=[name for _model, name in OWN_PAGES])
def test_own_admin_pages(superuser_client, model, name, rows):
    response = _get(superuser_client, _own_page_url(model, name, rows[0]))
    context = response.context or {}
    if model._meta.label in RELATED_ROWS:
        # The page shows the rows made for it, not an empty list.
        if "registrations" in context:
            assert context["registrations"]
        if "figures" in context:
            assert context["figures"].registrations_total == 3


@pytest.mark.parametrize(
    ("model", "field_name"),
    AUTOCOMPLETE_FIELDS,
    ids=[f"{model._meta.label}.{field}" for model, field in AUTOCOMPLETE_FIELDS],
)
def test_autocomplete_choosers(superuser_client, model, field_name, rows):
    for term in ("", "a"):
        query = f"app_label={model._meta.app_label}&model_name={model._meta.model_name}&field_name={field_name}"
        response = _get(superuser_client, f"{reverse('admin:autocomplete')}?{query}&term={term}")
        assert "results" in response.json()


def test_pilot_report_pages_show_the_waiting_times(superuser_client):
    """The figures page and its CSV, with validated registrations to compute the percentiles over."""
    study_group = factories.StudyGroupFactory()
    report = factories.PilotReportFactory(
        pilot=factories.PilotFactory(study_groups=[study_group]),
        period_start=datetime.date(2000, 1, 1),
        period_end=datetime.date(2100, 12, 31),
    )
    for waited_days in (1, 2, 4, 10):
        registration = factories.RegistrationFactory(meeting__study_group=study_group)
        Registration.objects.filter(pk=registration.pk).update(
            status=RegistrationStatus.VALIDATED,
            decided_at=registration.created_at + datetime.timedelta(days=waited_days),
        )

    page = _get(superuser_client, reverse("admin:meetings_pilotreport_report", args=[report.pk]))
    assert (page.context["median_days"], page.context["p90_days"]) == (3.0, 8.2)
    csv = _get(superuser_client, reverse("admin:meetings_pilotreport_report_csv", args=[report.pk]))
    assert "Time to validation,90th percentile,days,8.2" in csv.content.decode("utf-8-sig")
