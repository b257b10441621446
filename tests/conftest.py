import pytest


@pytest.fixture(autouse=True)
def _plain_static_files(settings):
    # Production serves hashed files from collectstatic's manifest; tests have not collected.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
