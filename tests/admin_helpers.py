"""Helpers for tests of admin actions: a staff member with given permissions, posting an action."""

from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Permission
from django.urls import reverse

from tests.factories import UserFactory


def staff_with_permissions(*codenames):
    """A staff member (not a superuser) holding exactly these permissions, e.g. "change_sme"."""
    user = UserFactory(is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    return user


def admin_action(client, action, objects, *, changelist, **extra):
    """Post ``action`` on ``objects`` from the changelist named ``changelist``, as its form does."""
    data = {"action": action, ACTION_CHECKBOX_NAME: [obj.pk for obj in objects], "index": 0, **extra}
    return client.post(reverse(changelist), data)


def admin_messages(response):
    return [str(message) for message in response.wsgi_request._messages]
