import pytest

# A real OpenID Connect provider (Node's oidc-provider) for the ITU account sign-in (see tests/oidc.py).
from tests.oidc import closed_port, hanging_server, oidc_provider, ties  # noqa: F401

# Real SMTP server and Celery worker for email tests (see tests/smtp_sink.py).
from tests.smtp_sink import broker_down, celery_worker_real, smtp_sink  # noqa: F401


@pytest.fixture(autouse=True)
def _plain_static_files(settings):
    # Production serves hashed files from collectstatic's manifest; tests have not collected.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Factories give every user a password; the production hasher (a million PBKDF2 rounds)
    # takes most of a second per user, which made the suite take tens of minutes.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def officer_client(client):
    """The test client signed in as a secretariat officer (Secretariat group, not a superuser), with the
    second factor the admin asks for passed in that session."""
    from tests.factories import secretariat_officer
    from tests.second_factor import sign_in_with_second_factor

    return sign_in_with_second_factor(client, secretariat_officer())


@pytest.fixture
def admin_client(client, admin_user):
    """pytest-django's superuser client, with the second factor the admin asks for passed in that session."""
    from tests.second_factor import sign_in_with_second_factor

    return sign_in_with_second_factor(client, admin_user)


@pytest.fixture(autouse=True)
def _rule_invariant_holds(request):
    """After every test that used the database: nobody both holds a decision-making role and represents
    an SME (terms of reference, point 3), whatever the test wrote and however."""
    uses_database = request.node.get_closest_marker("django_db") is not None or {"db", "transactional_db"} & set(
        request.fixturenames
    )
    if not uses_database:
        yield
        return
    request.getfixturevalue("_django_db_helper")  # set up before this fixture, so torn down after it
    yield
    from meetings.rules import rule_violations

    assert list(rule_violations().values_list("email", flat=True)) == []


@pytest.fixture(autouse=True)
def _empty_cache():
    # allauth counts sign-in attempts in the cache (Redis in `make test`): one test's attempts,
    # or an earlier run's, must not rate-limit the next test.
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _language_restored():
    # A request through the test client runs LocaleMiddleware in this thread, which leaves the
    # request's language active afterwards: the next test would render in French or Arabic.
    from django.utils import translation

    yield
    translation.deactivate()


@pytest.fixture
def focal_point():
    """An active focal point, with an account, of a fresh Administration."""
    from tests.factories import FocalPointFactory

    return FocalPointFactory(name="Amina Diallo")


@pytest.fixture
def registration(focal_point):
    """Kofi Mensah's pending registration, for an SME of the focal point's Administration."""
    from tests.factories import RegistrationFactory

    return RegistrationFactory(
        participant__sme__administration=focal_point.administration,
        participant__given_name="Kofi",
        participant__family_name="Mensah",
    )


# The representative's journey: a pilot with ITU-D Study Group 1, and a signed-in participant.


@pytest.fixture
def sg1():
    from tests.factories import StudyGroupFactory

    return StudyGroupFactory(number=1, title="Enabling environment")


@pytest.fixture
def pilot(sg1):
    from tests.factories import PilotFactory

    return PilotFactory(study_groups=[sg1])


@pytest.fixture
def participant():
    from tests.factories import ParticipantProfileFactory

    return ParticipantProfileFactory()


@pytest.fixture
def client_of(client, participant):
    client.force_login(participant.user)
    return client
