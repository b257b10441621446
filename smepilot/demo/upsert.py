"""Writes keyed on natural keys that change nothing when the row is already as wanted, so the seed can run again."""

from django.contrib.auth import get_user_model


def upsert(model, *, lookup, values):
    """get_or_create, then save only what differs: a second run writes nothing."""
    obj, created = model.objects.get_or_create(**lookup, defaults=values)
    if not created:
        changed = [name for name, value in values.items() if getattr(obj, name) != value]
        if changed:
            for name in changed:
                setattr(obj, name, values[name])
            obj.save()
    return obj


def upsert_first(model, *, candidates, values):
    """The first of ``candidates`` (a queryset) brought to ``values``, or a new row with them: for rows
    whose natural key changes with the demo's dates (a title naming the study period)."""
    obj = candidates.order_by("pk").first()
    if obj is None:
        return model.objects.create(**values)
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    if changed:
        for name in changed:
            setattr(obj, name, values[name])
        obj.save()
    return obj


def account_upsert(*, email, password, given_name="", family_name="", staff=False):
    """A user signed in by email (allauth), its address verified; password None = cannot sign in."""
    from allauth.account.models import EmailAddress

    user = upsert(
        get_user_model(),
        lookup={"username": email},
        values={
            "email": email,
            "first_name": given_name,
            "last_name": family_name,
            "is_staff": staff,
            "is_superuser": staff,
            "is_active": True,
        },
    )
    if password is None:
        if user.has_usable_password():
            user.set_unusable_password()
            user.save(update_fields=["password"])
    elif not user.check_password(password):
        user.set_password(password)
        user.save(update_fields=["password"])
    upsert(EmailAddress, lookup={"user": user, "email": email}, values={"verified": True, "primary": True})
    return user
