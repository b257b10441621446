"""The "Secretariat" group: exactly the permissions the ITU-D Study Groups Secretariat's work needs.

The secretariat sets up study groups, meetings, the pilot, Administrations and their focal
points, watches every registration, records leadership appointments and decisions, and reports
to Council (terms of reference, point 5). It manages no users, groups or permissions,
and deletes nothing whose deletion would lose the audit trail (registrations, decisions, SMEs,
participant profiles, focal points — they are ended, refused or deactivated instead).

Kept in sync after every migrate (post_migrate, connected in MeetingsConfig.ready) and by
`manage.py setup_secretariat_group`; both are idempotent and make the group's permissions exactly
this list.
"""

from django.db import transaction

SECRETARIAT_GROUP_NAME = "Secretariat"

VIEW_ADD_CHANGE = ("view", "add", "change")

# (app_label, model_name): actions
SECRETARIAT_PERMISSIONS = {
    ("meetings", "pilot"): VIEW_ADD_CHANGE,
    ("meetings", "studygroup"): VIEW_ADD_CHANGE,
    ("meetings", "meeting"): VIEW_ADD_CHANGE,
    ("meetings", "appointment"): VIEW_ADD_CHANGE,
    ("meetings", "decision"): VIEW_ADD_CHANGE,
    # Delete only here: correcting a decision's list of participants removes a row (its history
    # keeps the removal); the decision itself is never deleted.
    ("meetings", "decisionparticipant"): (*VIEW_ADD_CHANGE, "delete"),
    ("meetings", "pilotreport"): VIEW_ADD_CHANGE,
    ("focalpoints", "administration"): VIEW_ADD_CHANGE,
    ("focalpoints", "focalpoint"): VIEW_ADD_CHANGE,
    # View, and change to confirm, decline or end a deputy (focalpoints.deputies): never added by hand.
    ("focalpoints", "deputyship"): ("view", "change"),
    ("registration", "sme"): VIEW_ADD_CHANGE,
    ("registration", "participantprofile"): VIEW_ADD_CHANGE,
    ("registration", "registration"): VIEW_ADD_CHANGE,
    # The queue of requests due for a decision on the Administration's behalf: read, and decided
    # through its actions (which need the change permission).
    ("registration", "registrationduefordecision"): ("view", "change"),
    # Add: check participants in at the meeting's desk (and undo a check-in made by mistake).
    ("registration", "attendance"): ("view", "add"),
    # View, and change to issue or refuse through the actions (the page itself is read-only).
    ("registration", "visaletterrequest"): ("view", "change"),
    # View, and change to resend a message that failed.
    ("outbox", "outgoingmessage"): ("view", "change"),
}


def secretariat_permission_codenames():
    """Set of "app_label.codename" strings the group must hold."""
    return {
        f"{app_label}.{action}_{model}"
        for (app_label, model), actions in SECRETARIAT_PERMISSIONS.items()
        for action in actions
    }


def secretariat_group_sync(*, using="default"):
    """Create or update the Secretariat group so it holds exactly SECRETARIAT_PERMISSIONS.

    Permissions that do not exist yet (an app not migrated yet) are skipped; the next sync adds
    them. Returns (group, number of permissions).
    """
    from django.contrib.auth.models import Group, Permission
    from django.db.models import Q

    wanted = Q(pk__in=[])
    for (app_label, model), actions in SECRETARIAT_PERMISSIONS.items():
        wanted |= Q(
            content_type__app_label=app_label,
            content_type__model=model,
            codename__in=[f"{action}_{model}" for action in actions],
        )
    with transaction.atomic(using=using):
        group, _created = Group.objects.using(using).get_or_create(name=SECRETARIAT_GROUP_NAME)
        permissions = list(Permission.objects.using(using).filter(wanted))
        group.permissions.set(permissions)
    return group, len(permissions)


def secretariat_group_post_migrate(sender, using="default", **kwargs):
    from django.contrib.auth.models import Group, Permission

    # Skip while auth itself is not migrated (e.g. migrating to zero).
    from django.db import connections

    tables = connections[using].introspection.table_names()
    if Group._meta.db_table not in tables or Permission._meta.db_table not in tables:
        return
    secretariat_group_sync(using=using)


class SecretariatAccountEmailTaken(Exception):
    """The address already belongs to an account (as its email, or claimed, verified or not)."""


def secretariat_account_create(*, email: str):
    """A staff account in the Secretariat group for ``email``, verified, with no password yet.

    For the secretariat's IT (`manage.py create_secretariat_account`): the person sets their own
    password with a one-time link (or signs in with a code emailed to the address), so no password
    is ever typed on a command line. Refuses an invalid address, and one any account already has,
    verified or not (SecretariatAccountEmailTaken): that account is made staff in the admin
    instead, by a superuser. An invalid address raises ValidationError.
    """
    from allauth.account.models import EmailAddress
    from allauth.utils import generate_unique_username
    from django.contrib.auth import get_user_model
    from django.core.validators import validate_email

    email = email.strip().lower()
    validate_email(email)
    user_model = get_user_model()
    with transaction.atomic():
        if (
            user_model.objects.filter(email__iexact=email).exists()
            or EmailAddress.objects.filter(email__iexact=email).exists()
        ):
            raise SecretariatAccountEmailTaken(email)
        group, _count = secretariat_group_sync()
        user = user_model(username=generate_unique_username([email]), email=email, is_staff=True)
        user.set_unusable_password()
        user.save()
        user.groups.add(group)
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user
