from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """The demo data that mirrors the circular letter, loaded by `manage.py seed_demo`; no models."""

    name = "smepilot.demo"
    label = "demo"
    verbose_name = _("Demo data")
