"""What every admin page of the secretariat's shares: writes through the services, history never reverted.

The admin is a second front door to the data. Its forms, inlines and actions call the services the
site uses (same checks, same emails, same history), and a path that cannot is not offered.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin


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


class HistoryReadOnlyAdmin(SimpleHistoryAdmin):
    """Keeps and shows every change, and never reverts one.

    django-simple-history's "Revert" saves an old version through the generic change form: it would
    put a decided registration back to pending without telling anyone, or give back an SME or an
    appointment around the rules. Past versions are therefore shown read-only, and a POST to them
    is refused; decisions are reopened by the secretariat's own action, which says why and tells
    the people concerned.
    """

    def revert_disabled(self, request, obj=None):
        return True

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method not in ("GET", "HEAD"):
            raise PermissionDenied(_("Past versions are shown, not restored. Change the record on its own page."))
        request.showing_past_version = True
        return super().history_form_view(request, object_id, version_id, extra_context)

    def get_readonly_fields(self, request, obj=None):
        readonly = super().get_readonly_fields(request, obj)
        if getattr(request, "showing_past_version", False):
            # Every field as text: a past version is read, never edited.
            declared = [name for _title, options in self.get_fieldsets(request, obj) for name in options["fields"]]
            return list(dict.fromkeys([*readonly, *declared]))
        return readonly
