"""The person's visa support letter pages: asking for one, downloading it. The rules are in registration.visas."""

from http import HTTPStatus

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from . import visas
from .forms import VisaLetterRequestForm, errors_to_form
from .models import Registration, VisaLetterRequest, VisaRequestStatus
from .visa_letter import visa_letter_filename, visa_letter_pdf


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def visa_letter_request(request, pk):
    """The passport details are asked for here only. Another person's registration is a 404."""
    registration = get_object_or_404(
        Registration.objects.select_related("meeting", "meeting__study_group", "sme"),
        pk=pk,
        participant__user=request.user,
    )
    refusal = visas.visa_request_refusal(registration=registration)
    form = VisaLetterRequestForm(request.POST if request.method == "POST" and not refusal else None)
    status = HTTPStatus.BAD_REQUEST if refusal and request.method == "POST" else HTTPStatus.OK
    if request.method == "POST" and not refusal:
        if form.is_valid():
            try:
                visa_request = visas.visa_letter_request(
                    registration=registration, requested_by=request.user, **form.cleaned_data
                )
            except ValidationError as error:
                errors_to_form(form, error)
            else:
                messages.success(
                    request,
                    _(
                        "Your request for a visa support letter is sent (reference %(reference)s). The secretariat "
                        "will email you the letter, or the reason if it cannot issue one."
                    )
                    % {"reference": visa_request.reference},
                )
                return redirect("registration:list")
        status = HTTPStatus.BAD_REQUEST
    return render(
        request,
        "registration/visa_letter_request.html",
        {
            "registration": registration,
            "form": form,
            "refusal": refusal,
            "retention_days": settings.VISA_PASSPORT_RETENTION_DAYS,
        },
        status=status,
    )


@login_required
@require_safe
def visa_letter_download(request, pk, reference):
    """The issued letter, as a PDF. Someone else's, one not issued, or one whose passport details were
    erased is a 404."""
    visa_request = get_object_or_404(
        VisaLetterRequest.objects.select_related(
            "registration__meeting__study_group", "registration__participant", "registration__sme__administration"
        ),
        registration_id=pk,
        reference=reference,
        registration__participant__user=request.user,
        status=VisaRequestStatus.ISSUED,
    )
    if visa_request.passport_erased_at is not None:
        raise Http404
    response = HttpResponse(visa_letter_pdf(visa_request), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{visa_letter_filename(visa_request)}"'
    response["Cache-Control"] = "private, no-store"
    return response
