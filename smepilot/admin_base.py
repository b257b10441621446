"""What every admin page of the secretariat's shares: writes through the services, history never reverted.

The admin is a second front door to the data. Its forms, inlines and actions call the services the
site uses (same checks, same emails, same history), and a path that cannot is not offered.
"""

import datetime

from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import conditional_escape, format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin
from simple_history.models import DeletedObject
from simple_history.template_utils import HistoricalRecordContextHelper

from smepilot.people import people_of

# An empty value in a history: a field not yet filled in, a reason not given.
HISTORY_EMPTY = "—"


class ServiceWriteAdminMixin:
    """``save_model`` (or ``save_formset``) calls a service; a refusal shows on the form, never a 500.

    The service checks before it writes, and the database's constraints behind it refuse a write
    that raced another. Either way the service raises ValidationError inside the admin's
    transaction, which is rolled back; the form is then shown again with the person's input and
    the service's message beside the field it names (or at the top).
    """

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as refusal:
            if request.method != "POST" or getattr(request, "service_refusal", None) is not None:
                raise
            request.service_refusal = refusal
            return super().changeform_view(request, object_id, form_url, extra_context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change, **kwargs)
        refusal = getattr(request, "service_refusal", None)
        if refusal is None:
            return form_class

        class RefusedForm(form_class):
            def clean(self):
                cleaned_data = super().clean()
                errors = refusal.error_dict if hasattr(refusal, "error_dict") else {None: refusal.error_list}
                for field, field_errors in errors.items():
                    self.add_error(field if field in self.fields else None, field_errors)
                return cleaned_data

        return RefusedForm


class PlainActionCheckboxMixin:
    """Each row's checkbox written directly, as Django's CheckboxInput writes it (same HTML).

    Django renders it through the form widget's template, once per row: a third of a row's time
    in the lists that show 100 rows (registrations, people, SMEs), whatever the data's size.
    """

    def action_checkbox(self, obj):
        label = format_html(gettext("Select this object for an action - {}"), str(obj))
        return format_html(
            '<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">',
            helpers.ACTION_CHECKBOX_NAME,
            str(obj.pk),
            label,
        )


def _id_or_404(field, value):
    """``value`` as the field's type, or 404: a mistyped address is not found rather than a server error."""
    try:
        return field.to_python(value)
    except ValidationError as error:
        raise Http404(_("No such record or version.")) from error


class PeopleNames:
    """How the history names the people who made a change, or who a field names (smepilot.people),
    and in what capacity. Each person is looked up once per page (``prefetch`` does the page's
    authors in two queries).
    """

    def __init__(self):
        self._names: dict[int, str] = {}
        self._roles: dict[int, str] = {}

    def prefetch(self, users) -> None:
        users = {user.pk: user for user in users if user is not None and user.pk not in self._names}
        for pk, person in people_of(users.values()).items():
            self._names[pk] = person.name
            user = users[pk]
            if user.is_staff or user.is_superuser:
                self._roles[pk] = gettext("%(name)s (secretariat)")
            elif person.is_focal_point:
                self._roles[pk] = gettext("%(name)s (focal point)")
            elif person.has_profile:
                # Not staff, not a focal point: the site lets such a person change only their own.
                self._roles[pk] = gettext("%(name)s (the registrant on the site)")
            else:
                self._roles[pk] = "%(name)s"

    def name(self, user) -> str:
        self.prefetch([user])
        return self._names[user.pk]

    def author(self, user) -> str:
        """Who made a change: the person and in what capacity, or the system when no one was signed in."""
        if user is None:
            # django-simple-history records the signed-in user of the request; none means a
            # scheduled task or a command made the change.
            return gettext("The system (a task or a command, no one signed in)")
        self.prefetch([user])
        return self._roles[user.pk] % {"name": self._names[user.pk]}


class ReadableChanges(HistoricalRecordContextHelper):
    """A change's values as people read them: whole, in Geneva time, by their labels, empty as empty.

    django-simple-history would show an empty person as "Deleted user (pk=None)", a time as its
    stored UTC value, a choice by its code, and cut a long reason after 100 characters.
    """

    def __init__(self, model, historical_record, *, people: PeopleNames, empty: str):
        super().__init__(model, historical_record)
        self.people = people
        self.empty = empty

    def prepare_delta_change_value(self, change, value):
        field = self.model._meta.get_field(change.field)
        return self.readable(field, super().prepare_delta_change_value(change, value))

    def readable(self, field, value):
        if isinstance(value, DeletedObject):
            if value.pk is None:
                return self.empty
            return gettext("a deleted %(type)s (no. %(pk)s)") % {
                "type": value.model._meta.verbose_name,
                "pk": value.pk,
            }
        if value is None or value == "":
            return self.empty
        if isinstance(value, list):
            return ", ".join(str(self.readable(field, item)) for item in value) or self.empty
        if isinstance(value, AbstractBaseUser):
            return self.people.name(value)
        if getattr(field, "flatchoices", None):
            return dict(field.flatchoices).get(value, value)
        if isinstance(value, bool):
            return gettext("yes") if value else gettext("no")
        if isinstance(value, datetime.datetime):
            return date_format(timezone.localtime(value) if timezone.is_aware(value) else value, "DATETIME_FORMAT")
        if isinstance(value, datetime.date):
            return date_format(value, "DATE_FORMAT")
        return value

    def stringify_delta_change_values(self, change, old, new):
        # Whole values: the page wraps them (admin/history/object_history.html).
        return conditional_escape(str(old)), conditional_escape(str(new))


class HistoryReadOnlyAdmin(SimpleHistoryAdmin):
    """Keeps and shows every change, and never reverts one.

    django-simple-history's "Revert" saves an old version through the generic change form: it would
    put a decided registration back to pending without telling anyone, or give back an SME or an
    appointment around the rules. Past versions are therefore shown read-only, and a POST to them
    is refused; decisions are reopened by the secretariat's own action, which says why and tells
    the people concerned.

    The history page reads as a record: who made each change (by name, and in what capacity),
    when (Geneva time, in the language's format), the whole reason, and what changed.
    """

    object_history_template = "admin/history/object_history.html"
    object_history_list_template = "admin/history/object_history_list.html"
    object_history_form_template = "admin/history/object_history_form.html"

    def revert_disabled(self, request, obj=None):
        return True

    def set_history_delta_changes(self, request, historical_records, foreign_keys_are_objs=True):
        request.history_people = PeopleNames()
        request.history_people.prefetch(record.history_user for record in historical_records)
        super().set_history_delta_changes(request, historical_records, foreign_keys_are_objs)
        for record in historical_records:
            record.history_author = request.history_people.author(record.history_user)

    def get_historical_record_context_helper(self, request, historical_record):
        people = getattr(request, "history_people", None) or PeopleNames()
        return ReadableChanges(self.model, historical_record, people=people, empty=HISTORY_EMPTY)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method not in ("GET", "HEAD"):
            raise PermissionDenied(_("Past versions are shown, not restored. Change the record on its own page."))
        request.showing_past_version = True
        history = getattr(self.model, self.opts.simple_history_manager_attribute).model
        _id_or_404(self.opts.pk, unquote(object_id))
        version = (
            history.objects.filter(history_id=_id_or_404(history._meta.get_field("history_id"), version_id))
            .values_list("history_date", flat=True)
            .first()
        )
        return super().history_form_view(
            request, object_id, version_id, {"version_date": version, **(extra_context or {})}
        )

    def history_view(self, request, object_id, extra_context=None):
        _id_or_404(self.opts.pk, unquote(object_id))
        return super().history_view(request, object_id, {"history_empty": HISTORY_EMPTY, **(extra_context or {})})

    def get_readonly_fields(self, request, obj=None):
        readonly = super().get_readonly_fields(request, obj)
        if getattr(request, "showing_past_version", False):
            # Every field as text: a past version is read, never edited.
            declared = [name for _title, options in self.get_fieldsets(request, obj) for name in options["fields"]]
            return list(dict.fromkeys([*readonly, *declared]))
        return readonly
