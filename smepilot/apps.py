from django.apps import AppConfig
from django.db.models.signals import post_migrate, post_save


class SmepilotConfig(AppConfig):
    """The project itself as an app: its system checks, the Site kept in step with SITE_URL, the
    application database role's grants (DATABASE_APP_ROLE) renewed after every migrate, each
    account's language (smepilot.languages) stored at sign-up and used from sign-in, a verified
    address taken from the accounts that only claimed it (smepilot.email_claims), and setting up
    an authenticator app counted as passing it (smepilot.second_factor)."""

    name = "smepilot"
    verbose_name = "smepilot"

    def ready(self):
        from allauth.account.models import EmailAddress
        from allauth.account.signals import user_signed_up
        from allauth.mfa.signals import authenticator_added
        from django.contrib.auth.signals import user_logged_in

        from . import checks  # noqa: F401 - registers the system checks
        from .database_roles import app_role_grant_post_migrate
        from .email_claims import unverified_claims_release_on_verified
        from .languages import language_store_at_signup, language_use_at_sign_in
        from .second_factor import authenticator_app_counts_as_passed
        from .sites import site_sync_post_migrate

        post_migrate.connect(site_sync_post_migrate, dispatch_uid="smepilot_site_sync")
        post_migrate.connect(app_role_grant_post_migrate, dispatch_uid="smepilot_app_role_grant")
        user_signed_up.connect(language_store_at_signup, dispatch_uid="smepilot_language_at_signup")
        user_logged_in.connect(language_use_at_sign_in, dispatch_uid="smepilot_language_at_sign_in")
        post_save.connect(
            unverified_claims_release_on_verified, sender=EmailAddress, dispatch_uid="smepilot_email_claims"
        )
        authenticator_added.connect(authenticator_app_counts_as_passed, dispatch_uid="smepilot_second_factor_set_up")
