"""Pages of the SME representative's journey. Every rule is in registration.services; a refusal is
shown on the page it came from, with status 400 (never a 500)."""

from http import HTTPStatus

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_safe

from focalpoints.selectors import focal_point_administrations
from meetings.selectors import pilot_current, pilot_has_ended, pilot_study_groups_with_coming_meetings
from smepilot.languages import session_language_use, stored_language

from . import participant_lists, selectors, services
from .forms import ListConsentForm, ProfileForm, RegistrationForm, SMEChooseForm, SMEDeclareForm, errors_to_form
from .models import Registration


@require_safe
def home(request):
    """The front page; a signed-in person also sees their next step (focal points, their requests)."""
    context = {}
    if request.user.is_authenticated:
        profile = selectors.profile_of(user=request.user)
        is_focal_point = focal_point_administrations(request.user).exists()
        context["is_focal_point"] = is_focal_point
        # Focal points and the secretariat have no profile to fill in unless they represent an SME.
        if profile is not None or not (is_focal_point or request.user.is_staff):
            context["next_step"] = selectors.next_step(profile=profile)
    return render(request, "home.html", context)


@require_safe
def privacy_notice(request):
    # Public: it is read before an account exists.
    return render(
        request,
        "registration/privacy.html",
        {
            "retention_days": settings.PERSONAL_DATA_RETENTION_DAYS,
            "visa_retention_days": settings.VISA_PASSPORT_RETENTION_DAYS,
        },
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def profile_edit(request):
    profile = selectors.profile_of(user=request.user)
    needs_consent = profile is None or profile.privacy_consent_at is None
    # The language the person chose, else the one the page is in.
    initial = {"language": stored_language(request.user) or translation.get_language()}
    if profile is not None:
        initial |= {
            "given_name": profile.given_name,
            "family_name": profile.family_name,
            "job_title": profile.job_title,
            "administration": profile.administration_id,
        }
    form = ProfileForm(
        request.POST if request.method == "POST" else None, initial=initial, needs_consent=needs_consent
    )
    status = HTTPStatus.OK
    if request.method == "POST":
        if form.is_valid():
            try:
                profile = services.profile_save(user=request.user, **form.cleaned_data)
            except ValidationError as error:
                errors_to_form(form, error)
            else:
                if form.cleaned_data["language"]:
                    # The next page, and the message below, in the language just chosen.
                    session_language_use(request, stored_language(request.user))
                    translation.activate(stored_language(request.user))
                messages.success(request, _("Your profile is saved."))
                if profile.sme_id is None:
                    return redirect("registration:profile_sme")
                return redirect("registration:profile")
        status = HTTPStatus.BAD_REQUEST
    return render(request, "registration/profile.html", {"form": form, "profile": profile}, status=status)


def _profile_with_country_or_redirect(request):
    profile = selectors.profile_of(user=request.user)
    if profile is None or profile.administration_id is None:
        messages.info(request, _("Fill in your profile and choose your country first."))
        return None, redirect("registration:profile")
    return profile, None


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def profile_sme_choose(request):
    """Second step of the profile: the SME, chosen from the country's list (works without JavaScript)."""
    profile, response = _profile_with_country_or_redirect(request)
    if response:
        return response
    form = SMEChooseForm(
        request.POST if request.method == "POST" else None,
        initial={"sme": profile.sme_id},
        administration=profile.administration,
    )
    status = HTTPStatus.OK
    if request.method == "POST":
        if form.is_valid():
            try:
                services.profile_sme_choose(user=request.user, sme=form.cleaned_data["sme"])
            except ValidationError as error:
                errors_to_form(form, error)
            else:
                messages.success(request, _("Your SME is saved. Now choose the meetings you will attend."))
                return redirect("registration:new")
        status = HTTPStatus.BAD_REQUEST
    return render(request, "registration/profile_sme.html", {"form": form, "profile": profile}, status=status)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def sme_declare(request):
    profile, response = _profile_with_country_or_redirect(request)
    if response:
        return response
    form = SMEDeclareForm(request.POST if request.method == "POST" else None)
    status = HTTPStatus.OK
    if request.method == "POST":
        if form.is_valid():
            try:
                sme = services.sme_declare(user=request.user, **form.cleaned_data)
            except ValidationError as error:
                errors_to_form(form, error)
            else:
                messages.success(
                    request,
                    _(
                        "%(sme)s is declared. Your Administration will confirm that it meets the national "
                        "criteria; you can register for meetings meanwhile."
                    )
                    % {"sme": sme.name},
                )
                return redirect("registration:new")
        status = HTTPStatus.BAD_REQUEST
    return render(request, "registration/sme_declare.html", {"form": form, "profile": profile}, status=status)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def registration_new(request):
    """Choose meetings and attendance, in one submission (one transaction in the service)."""
    profile = selectors.profile_of(user=request.user)
    if profile is None or profile.sme_id is None:
        messages.info(request, _("Fill in your profile and say which SME you represent before registering."))
        return redirect("registration:profile")
    today = timezone.localdate()
    pilot = pilot_current(today=today)
    study_groups = pilot_study_groups_with_coming_meetings(pilot=pilot, today=today)
    meetings = [row.meeting for group in study_groups for row in group.meetings]
    form = RegistrationForm(request.POST if request.method == "POST" else None, meetings=meetings)
    status = HTTPStatus.OK
    if request.method == "POST":
        if form.is_valid():
            try:
                registrations = services.registration_create(
                    participant=profile,
                    choices=form.choices(),
                    pilot=pilot,
                    list_consent=form.cleaned_data["list_consent"],
                )
            except ValidationError as error:
                errors_to_form(form, error)
            else:
                messages.success(
                    request,
                    ngettext(
                        "Your registration for %(count)d meeting is sent. Your Administration's focal points "
                        "will validate it; we have emailed you an acknowledgement.",
                        "Your registration for %(count)d meetings is sent. Your Administration's focal points "
                        "will validate it; we have emailed you an acknowledgement.",
                        len(registrations),
                    )
                    % {"count": len(registrations)},
                )
                return redirect("registration:list")
        status = HTTPStatus.BAD_REQUEST
    # The person's registrations for these meetings, in one query; the service says which hold a place.
    standing = services.registrations_by_meeting(participant=profile, meetings=meetings)

    def choice(row):
        registration = standing.get(row.meeting.pk)
        return {
            "row": row,
            "checkbox": form[f"meeting_{row.meeting.pk}"],
            "attendance": form[f"attendance_{row.meeting.pk}"],
            "registration": registration,
            # Registered (pending or validated): shown as such, not offered again.
            "held": services.registration_blocks_another(registration),
        }

    return render(
        request,
        "registration/registration_new.html",
        {
            "form": form,
            "profile": profile,
            "pilot": pilot,
            "pilot_ended": pilot is not None and pilot_has_ended(pilot=pilot, today=today),
            "study_groups": [(group, [choice(row) for row in group.meetings]) for group in study_groups],
        },
        status=status,
    )


@login_required
@require_safe
def registration_list(request):
    """The person's registrations; for each pending one, who decides, by when, and how it is followed;
    the check-in codes of validated in-person ones."""
    registrations = list(selectors.registrations_of(user=request.user))
    deciders = selectors.deciders_by_administration(registrations=registrations)
    for registration in registrations:
        registration.deciders = deciders.get(registration.sme.administration_id, [])
    today = timezone.localdate()
    return render(
        request,
        "registration/registration_list.html",
        {
            "registrations": registrations,
            "today": today,
            "badges": selectors.badges_of(registrations=registrations, today=today),
        },
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def registration_cancel(request, pk):
    """GET shows the confirmation; only the POST cancels. Another person's registration is a 404."""
    registration = get_object_or_404(
        Registration.objects.select_related("meeting", "meeting__study_group"), pk=pk, participant__user=request.user
    )
    errors = []
    if request.method == "POST":
        try:
            services.registration_cancel(registration=registration, cancelled_by=request.user)
        except ValidationError as error:
            errors = error.messages
        else:
            messages.success(
                request, _("Your registration for %(meeting)s is cancelled.") % {"meeting": registration.meeting.title}
            )
            return redirect("registration:list")
    return render(
        request,
        "registration/registration_cancel.html",
        {"registration": registration, "errors": errors},
        status=HTTPStatus.BAD_REQUEST if errors else HTTPStatus.OK,
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def registration_list_consent(request, pk):
    """Change whether and to whom one appears in the meeting's list of participants. Another person's
    registration is a 404."""
    registration = get_object_or_404(
        Registration.objects.select_related("meeting", "meeting__study_group"), pk=pk, participant__user=request.user
    )
    form = ListConsentForm(
        request.POST if request.method == "POST" else None, initial={"list_consent": registration.list_consent}
    )
    status = HTTPStatus.OK
    if request.method == "POST":
        if form.is_valid():
            try:
                participant_lists.registration_list_consent_change(
                    registration=registration, changed_by=request.user, list_consent=form.cleaned_data["list_consent"]
                )
            except ValidationError as error:
                errors_to_form(form, error)
            else:
                messages.success(
                    request,
                    _("Your choice for the list of participants of %(meeting)s is saved.")
                    % {"meeting": registration.meeting.title},
                )
                return redirect("registration:list")
        status = HTTPStatus.BAD_REQUEST
    return render(
        request, "registration/list_consent.html", {"registration": registration, "form": form}, status=status
    )
