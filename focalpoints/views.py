"""Focal-point pages: the emailed validation link, the pending list with its history and bulk approve,
the Administration's SMEs, and the focal point's deputies. Every rule is in focalpoints.decisions
and focalpoints.deputies; these views show, collect and answer with the right status code (never a 500).

A bad validation link never shows an error the focal point cannot act on: each status code below
is a page saying what to do instead:
- 400 tampered, truncated, or signed for another purpose (another salt);
- 410 expired, cancelled by the registrant, or issued to a focal point no longer designated;
- 403 signed in, but not a focal point of the link's Administration (nothing of it is shown): someone
  who is no focal point at all is told the link is for focal points and offered to sign out; a
  focal point of another Administration is told so;
- 404 the registration no longer exists;
- 200 already decided: the page shows "already validated/rejected by X at T" ("You approved/rejected
  this registration at T" to X), without forms —
  the link was good and the page is the request's read-only record; a POST that comes too late
  (double click, two focal points at the same instant) answers 409 Conflict with that message.
GET and HEAD never change anything; only a signed-in focal point's POST (CSRF-protected) decides.
Every page here asks a focal point (and the secretariat) for a second factor passed in this session
first (smepilot.second_factor): without it they are sent to set it up, and a POST changes nothing.
"""

from http import HTTPStatus

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from registration.models import Eligibility, Registration, RegistrationStatus
from smepilot.accounts import user_display
from smepilot.second_factor import second_factor_required
from smepilot.text import ascii_id

from . import decisions, deputies, links, selectors
from .forms import APPROVE, CONFIRM, REFUSE, DecisionForm, DeputyForm, SMEDecisionForm, errors_to_form
from .models import Administration, Deputyship, DeputyshipStatus

HISTORY_PAGE_SIZE = 50
SESSION_FLAG = "is_focal_point"  # shows the "Validation" link in the navigation (nav_links.html)


def _problem(request, *, status: int, title: str, message: str, sign_out_next: str = ""):
    """A page saying what went wrong and where to go next: never a link to a page that refuses them.

    The pending list for a focal point; their own registrations and the home page for anyone else
    signed in; signing in otherwise. ``sign_out_next`` offers to sign out and come back there.
    """
    return render(
        request,
        "focalpoints/problem.html",
        {
            "title": title,
            "message": message,
            "status": status,
            "show_pending": selectors.is_focal_point(user=request.user),
            "sign_out_next": sign_out_next,
        },
        status=status,
    )


def _not_a_focal_point(request):
    return _problem(
        request,
        status=HTTPStatus.FORBIDDEN,
        title=_("You are not a focal point"),
        message=_(
            "These pages are for the focal points designated by an Administration. If your Administration "
            "designated you, ask the secretariat to record this email address for you."
        ),
    )


def _own_interest_ids(registrations, *, user) -> set[int]:
    """The registrations this user may not decide on (their own, or their SME's): one query."""
    user_sme_id = selectors.represented_sme_id(user=user)
    return {
        registration.pk
        for registration in registrations
        if selectors.has_own_interest(
            user_id=user.pk,
            user_sme_id=user_sme_id,
            sme=registration.sme,
            registrant_user_id=registration.participant.user_id,
        )
    }


def _cards(registrations, *, can_decide: bool, user, bound: dict | None = None):
    """What the page shows for each registration, with its forms when it can still be decided."""
    bound = bound or {}
    own_interest = _own_interest_ids(registrations, user=user) if can_decide else set()
    # One query for the deciders' names, however many registrations (and even for none decided).
    names = selectors.focal_point_names(administration_ids={r.sme.administration_id for r in registrations} or {0})
    cards = []
    for registration in registrations:
        pending = registration.status == RegistrationStatus.PENDING
        card = {"registration": registration, "pending": pending, "summary": None, "form": None}
        if registration.status in selectors.DECIDED_STATUSES:
            card["summary"] = selectors.decision_summary(registration=registration, names=names, viewer=user)
        if pending and registration.pk in own_interest:
            card["summary"] = selectors.OWN_INTEREST_MESSAGE
        elif pending and can_decide:
            card["form"] = bound.get(registration.pk) or DecisionForm(
                initial={"registration": registration.pk}, auto_id=f"r{registration.pk}-%s"
            )
        cards.append(card)
    return cards


_REFUSAL_STATUS = (
    (decisions.DecisionNotAllowed, HTTPStatus.FORBIDDEN),
    (decisions.RegistrationAlreadyDecided, HTTPStatus.CONFLICT),
    (decisions.RegistrationCancelled, HTTPStatus.GONE),
)


def _decide(request, registration: Registration):
    """Run the decision POSTed for ``registration``; return (bound form, status), status None on success."""
    form = DecisionForm(request.POST, auto_id=f"r{registration.pk}-%s")
    if not form.is_valid():
        return form, HTTPStatus.BAD_REQUEST
    try:
        decisions.registration_decide(
            registration=registration,
            decided_by=request.user,
            approve=form.cleaned_data["decision"] == APPROVE,
            reason=form.cleaned_data["reason"],
        )
    except ValidationError as error:
        errors_to_form(form, error)
        status = next((code for kind, code in _REFUSAL_STATUS if isinstance(error, kind)), HTTPStatus.BAD_REQUEST)
        return form, status
    if form.cleaned_data["decision"] == APPROVE:
        messages.success(request, _("Approved. The registrant is told by email, with the meeting's calendar file."))
    else:
        messages.success(request, _("Rejected. The registrant is told by email, with your reason."))
    return form, None


def _secretariat_may_read(request) -> bool:
    """The secretariat reads a link's request (not decides) with the admin's own access rules."""
    return admin.site.has_permission(request) and request.user.has_perm("registration.view_registration")


def _link_registrations(link) -> list[Registration]:
    registrations = selectors.registrations_with_details().filter(pk__in=link.registration_ids)
    return list(registrations.order_by("meeting__starts_on", "pk"))


def _link_addressee_still_decides(link) -> bool:
    """The focal point (or the deputy) the link was emailed to still decides for its Administration."""
    rows = selectors.deciders(administration_id=link.administration_id)
    if link.deputyship_id is not None:
        return rows.deputyships.filter(pk=link.deputyship_id).exists()
    return rows.focal_points.filter(pk=link.focal_point_id).exists()


@require_http_methods(["GET", "HEAD", "POST"])
@second_factor_required
def validation_link(request, token: str):
    """The page behind the link in a focal point's email (see the module docstring for the statuses)."""
    try:
        link = links.link_token_read(token)
    except links.LinkExpired:
        return _problem(
            request,
            status=HTTPStatus.GONE,
            title=_("This link has expired"),
            message=ngettext(
                "Links in validation emails work for %(days)d day. Sign in and open the request from your "
                "list of pending requests instead.",
                "Links in validation emails work for %(days)d days. Sign in and open the request from your "
                "list of pending requests instead.",
                settings.VALIDATION_LINK_MAX_AGE_DAYS,
            )
            % {"days": settings.VALIDATION_LINK_MAX_AGE_DAYS},
        )
    except links.LinkInvalid:
        return _problem(
            request,
            status=HTTPStatus.BAD_REQUEST,
            title=_("This link is not valid"),
            message=_(
                "The link may have been cut or changed on its way. Copy the whole link from the email into the "
                "address bar, or sign in and open the request from your list of pending requests."
            ),
        )
    if not request.user.is_authenticated:
        # Back to this very page after signing in (password, or a code sent by email).
        return redirect_to_login(request.get_full_path())

    can_decide = selectors.is_focal_point_of(user=request.user, administration_id=link.administration_id)
    if not can_decide and not _secretariat_may_read(request) and not selectors.is_focal_point(user=request.user):
        # An SME representative of that very country, say: they are not a focal point at all.
        administration = Administration.objects.filter(pk=link.administration_id).first()
        return _problem(
            request,
            status=HTTPStatus.FORBIDDEN,
            title=_("This link is for focal points"),
            message=_(
                "This link is for the focal points of the Administration of %(country)s. You are signed in as "
                "%(name)s, who is not a focal point. If you are one, sign out, then sign in with the email address "
                "the validation email was sent to."
            )
            % {"country": administration or _("a country"), "name": user_display(request.user)},
            sign_out_next=request.get_full_path(),
        )
    if not can_decide and not _secretariat_may_read(request):
        return _problem(
            request,
            status=HTTPStatus.FORBIDDEN,
            title=_("This request is for another Administration"),
            message=_(
                "This validation link was sent to the focal points of another Administration. You can decide "
                "only on requests of the Administration that designated you."
            ),
        )
    registrations = _link_registrations(link)
    if not registrations:
        return _problem(
            request,
            status=HTTPStatus.NOT_FOUND,
            title=_("This request no longer exists"),
            message=_("The registration this link was sent for has been removed. Nothing is waiting for you here."),
        )
    if any(registration.sme.administration_id != link.administration_id for registration in registrations):
        return _problem(
            request,
            status=HTTPStatus.BAD_REQUEST,
            title=_("This link is not valid"),
            message=_("This link does not match the request any more. Open it from your list of pending requests."),
        )
    if not _link_addressee_still_decides(link):
        return _problem(
            request,
            status=HTTPStatus.GONE,
            title=_("This link is no longer valid"),
            message=_(
                "It was sent to a focal point the Administration no longer designates, or to a deputy whose "
                "period is over. Open the request from your list of pending requests."
            ),
        )
    if all(registration.status == RegistrationStatus.CANCELLED for registration in registrations):
        return _problem(
            request,
            status=HTTPStatus.GONE,
            title=_("This registration was cancelled"),
            message=_("The registrant cancelled it: there is nothing to decide."),
        )

    bound, status = {}, HTTPStatus.OK
    if request.method == "POST":
        if not can_decide:
            return _problem(
                request,
                status=HTTPStatus.FORBIDDEN,
                title=_("Only focal points decide here"),
                message=_("The secretariat decides on behalf of an Administration in the admin."),
            )
        chosen = next((r for r in registrations if str(r.pk) == request.POST.get("registration", "").strip()), None)
        if chosen is None:
            return _problem(
                request,
                status=HTTPStatus.BAD_REQUEST,
                title=_("Choose a request of this link"),
                message=_("The form did not say which of this link's requests to decide on. Go back and try again."),
            )
        form, status = _decide(request, chosen)
        if status is None:
            return redirect(request.get_full_path())
        bound[chosen.pk] = form
        registrations = _link_registrations(link)
    return render(
        request,
        "focalpoints/link.html",
        {
            "cards": _cards(registrations, can_decide=can_decide, user=request.user, bound=bound),
            "participant": registrations[0].participant,
            "sme": registrations[0].sme,
            "administration": registrations[0].sme.administration,
            "can_decide": can_decide,
            "errors": [error for form in bound.values() for error in form.non_field_errors()],
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "HEAD"])
@second_factor_required
def pending_list(request):
    """Everything pending for the focal point's Administration(s), with bulk approve, and the history."""
    administrations = selectors.administrations_by_name(selectors.focal_point_administrations(request.user))
    if request.session.get(SESSION_FLAG) != bool(administrations):
        request.session[SESSION_FLAG] = bool(administrations)  # written only when it changes
    if not administrations:
        return _not_a_focal_point(request)
    pending = list(selectors.registrations_pending_for_focal_point(request.user))
    overdue_ids = (
        set(
            selectors.registrations_overdue()
            .filter(pk__in=[registration.pk for registration in pending])
            .values_list("pk", flat=True)
        )
        if pending
        else set()
    )
    history = Paginator(selectors.registrations_decided_for_focal_point(request.user), HISTORY_PAGE_SIZE)
    page = history.get_page(request.GET.get("page"))
    return render(
        request,
        "focalpoints/pending.html",
        {
            "administrations": administrations,
            "pending": pending,
            "own_interest_ids": _own_interest_ids(pending, user=request.user),
            "overdue_ids": overdue_ids,
            "overdue_days": settings.VALIDATION_REMINDER_AFTER_DAYS,
            "page": page,
            # A focal point names deputies; a deputy deciding for them does not, and reads whose deputy they are.
            "names_deputies": selectors.designated_focal_point_of(user=request.user).exists(),
            "deputyships": list(
                selectors.deciders(user=request.user).deputyships.select_related("focal_point", "administration")
            ),
        },
    )


@login_required
@require_POST
@second_factor_required(back_to="focalpoints:pending")
def bulk_approve(request):
    """Approve the selected pending requests, each decided on its own (one may be decided meanwhile)."""
    if not selectors.focal_point_administrations(request.user).exists():
        return _not_a_focal_point(request)
    ids = [pk for pk in map(ascii_id, request.POST.getlist("registrations")) if pk is not None]
    if not ids:
        messages.error(request, _("Select at least one request to approve."))
        return redirect("focalpoints:pending")
    # Only requests of the user's Administration(s): another's ids simply match nothing.
    chosen = list(selectors.registrations_for_focal_point(request.user).filter(pk__in=ids).order_by("pk"))
    approved, refused = decisions.registrations_approve(registrations=chosen, decided_by=request.user)
    if approved:
        messages.success(
            request,
            ngettext(
                "%(count)d request approved; its registrant is told by email.",
                "%(count)d requests approved; their registrants are told by email.",
                len(approved),
            )
            % {"count": len(approved)},
        )
    for registration, message in refused:
        messages.error(request, f"{registration.participant.full_name} — {registration.meeting.title}: {message}")
    missing = len(set(ids)) - len(chosen)
    if missing:
        messages.error(
            request,
            ngettext(
                "%(count)d selected request was not found among your Administration's.",
                "%(count)d selected requests were not found among your Administration's.",
                missing,
            )
            % {"count": missing},
        )
    return redirect("focalpoints:pending")


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@second_factor_required
def registration_detail(request, pk: int):
    """One request of the focal point's Administration, with Approve and Reject (404 for another's)."""
    if not selectors.focal_point_administrations(request.user).exists():
        return _not_a_focal_point(request)
    registration = get_object_or_404(selectors.registrations_for_focal_point(request.user), pk=pk)
    bound, status = {}, HTTPStatus.OK
    if request.method == "POST":
        form, status = _decide(request, registration)
        if status is None:
            return redirect("focalpoints:registration", pk=registration.pk)
        bound[registration.pk] = form
        registration = selectors.registrations_for_focal_point(request.user).get(pk=pk)
    return render(
        request,
        "focalpoints/registration_detail.html",
        {
            "card": _cards([registration], can_decide=True, user=request.user, bound=bound)[0],
            "registration": registration,
            "errors": [error for form in bound.values() for error in form.non_field_errors()],
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "HEAD"])
@second_factor_required
def sme_list(request):
    """The SMEs of the focal point's Administration(s), pending confirmation first."""
    administrations = selectors.administrations_by_name(selectors.focal_point_administrations(request.user))
    if not administrations:
        return _not_a_focal_point(request)
    return render(
        request,
        "focalpoints/sme_list.html",
        {"administrations": administrations, "smes": list(selectors.smes_for_focal_point(request.user))},
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@second_factor_required
def sme_detail(request, pk: int):
    """One SME: its facts, and Confirm or Refuse while its eligibility is pending (404 for another's)."""
    if not selectors.focal_point_administrations(request.user).exists():
        return _not_a_focal_point(request)
    sme = get_object_or_404(selectors.smes_for_focal_point(request.user), pk=pk)
    form, status = SMEDecisionForm(), HTTPStatus.OK
    if request.method == "POST":
        form = SMEDecisionForm(request.POST)
        status = HTTPStatus.BAD_REQUEST
        if form.is_valid():
            confirm = form.cleaned_data["decision"] == CONFIRM
            try:
                decisions.sme_eligibility_decide(
                    sme=sme, decided_by=request.user, confirm=confirm, reason=form.cleaned_data["reason"]
                )
            except ValidationError as error:
                errors_to_form(form, error)
                if isinstance(error, decisions.SMEAlreadyDecided):
                    status = HTTPStatus.CONFLICT
                elif isinstance(error, decisions.DecisionNotAllowed):
                    status = HTTPStatus.FORBIDDEN
            else:
                if confirm:
                    messages.success(request, _("Confirmed: %(sme)s meets the national criteria.") % {"sme": sme.name})
                else:
                    messages.success(
                        request,
                        _("Refused. The pending registrations of %(sme)s are rejected and their registrants told.")
                        % {"sme": sme.name},
                    )
                return redirect("focalpoints:sme", pk=sme.pk)
        sme = selectors.smes_for_focal_point(request.user).get(pk=pk)
    summary = (
        None
        if sme.eligibility == Eligibility.PENDING
        else selectors.sme_eligibility_summary(sme=sme, viewer=request.user)
    )
    pending_count = sme.registrations.filter(status=RegistrationStatus.PENDING).count()
    return render(
        request,
        "focalpoints/sme_detail.html",
        {
            "sme": sme,
            "form": form,
            "summary": summary,
            "pending_count": pending_count,
            "confirm": CONFIRM,
            "refuse": REFUSE,
            "list_url": reverse("focalpoints:smes"),
        },
        status=status,
    )


# --- Deputies -------------------------------------------------------------------------------------


def _deputies_page(request, *, focal_points, form, status=HTTPStatus.OK):
    deputyships = list(
        Deputyship.objects.filter(focal_point__in=focal_points)
        .select_related("administration", "focal_point")
        .order_by("-starts_on", "-pk")
    )
    today = timezone.localdate()
    rows = [
        {
            "deputyship": deputyship,
            "can_end": deputyship.status in deputies.LIVE_STATUSES and deputyship.ends_on >= today,
            "running": deputyship.status == DeputyshipStatus.CONFIRMED and deputyship.starts_on <= today,
        }
        for deputyship in deputyships
    ]
    return render(
        request,
        "focalpoints/deputies.html",
        {"rows": rows, "form": form, "several": len(focal_points) > 1, "error_form": form},
        status=status,
    )


def _not_a_designated_focal_point(request):
    return _problem(
        request,
        status=HTTPStatus.FORBIDDEN,
        title=_("Only focal points name deputies"),
        message=_(
            "A focal point designated by an Administration names their own deputy. If you decide as someone's "
            "deputy, you cannot name one in turn: the focal point or the secretariat can."
        ),
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
@second_factor_required
def deputy_list(request):
    """The focal point's deputies (waiting, confirmed, over) and the form to name one (POST)."""
    focal_points = list(selectors.designated_focal_point_of(user=request.user).select_related("administration"))
    if not focal_points:
        return _not_a_designated_focal_point(request)
    if request.method != "POST":
        return _deputies_page(request, focal_points=focal_points, form=DeputyForm(focal_points=focal_points))
    form = DeputyForm(request.POST, focal_points=focal_points)
    if not form.is_valid():
        return _deputies_page(request, focal_points=focal_points, form=form, status=HTTPStatus.BAD_REQUEST)
    focal_point = next(fp for fp in focal_points if fp.pk == form.cleaned_data["focal_point"])
    try:
        deputyship = deputies.deputy_name(
            focal_point=focal_point,
            named_by=request.user,
            name=form.cleaned_data["name"],
            email=form.cleaned_data["email"],
            starts_on=form.cleaned_data["starts_on"],
            ends_on=form.cleaned_data["ends_on"],
            language=form.cleaned_data["language"],
        )
    except ValidationError as error:
        errors_to_form(form, error)
        status = HTTPStatus.FORBIDDEN if isinstance(error, deputies.DeputyshipNotAllowed) else HTTPStatus.BAD_REQUEST
        return _deputies_page(request, focal_points=focal_points, form=form, status=status)
    messages.success(
        request,
        _("%(name)s is named your deputy. The secretariat confirms it; you and they are told by email.")
        % {"name": deputyship.name},
    )
    return redirect("focalpoints:deputies")


@login_required
@require_POST
@second_factor_required(back_to="focalpoints:deputies")
def deputy_end(request, pk: int):
    """End one of the focal point's deputyships now (404 for anyone else's)."""
    focal_points = selectors.designated_focal_point_of(user=request.user)
    if not focal_points.exists():
        return _not_a_designated_focal_point(request)
    deputyship = get_object_or_404(Deputyship.objects.filter(focal_point__in=focal_points), pk=pk)
    try:
        deputies.deputyship_end(deputyship=deputyship, ended_by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The deputyship of %(name)s has ended.") % {"name": deputyship.name})
    return redirect("focalpoints:deputies")
