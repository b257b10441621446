"""django.contrib.admin with the secretariat's site as the default one (smepilot.admin_site)."""

from django.contrib.admin.apps import AdminConfig


class SecretariatAdminConfig(AdminConfig):
    default_site = "smepilot.admin_site.SecretariatAdminSite"
