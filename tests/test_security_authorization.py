"""Security audit: who sees and changes what, object by object (IDs of other people's objects tried
in every URL and POST parameter). Complements tests/test_focalpoints_views.py,
tests/test_registration_views.py and the admin tests, which cover the main paths."""

from datetime import timedelta

import pytest
from django.urls import reverse

from focalpoints import decisions, links, notifications
from focalpoints.models import Deputyship, FocalPoint
from registration.models import Eligibility, ParticipantProfile, Registration, RegistrationStatus
from tests.admin_helpers import admin_action, staff_with_permissions
from tests.factories import (
    AdministrationFactory,
    DeputyshipFactory,
    FocalPointFactory,
    ParticipantProfileFactory,
    RegistrationFactory,
    SMEFactory,
    UserFactory,
    today,
)
from tests.second_factor import sign_in_with_second_factor

pytestmark = pytest.mark.django_db


def link_path(registration_ids, focal_point):
    token = links.link_token_make(
        registration_ids=registration_ids,
        focal_point_id=focal_point.pk,
        administration_id=focal_point.administration_id,
    )
    return reverse("focalpoints:link", kwargs={"token": token})


def status_of(registration):
    registration.refresh_from_db()
    return registration.status


# --- The signed link -------------------------------------------------------------------------


def test_a_colleague_of_the_same_administration_may_decide_through_the_link(client, registration, focal_point):
    """links.py: "The link is a convenience, not a credential" — any active focal point of the
    link's Administration decides, not only the one it was emailed to."""
    colleague = FocalPointFactory(administration=focal_point.administration)
    sign_in_with_second_factor(client, colleague.user)
    path = link_path([registration.pk], focal_point)
    assert client.get(path).status_code == 200
    assert client.post(path, {"registration": registration.pk, "decision": "approve"}).status_code == 302
    registration.refresh_from_db()
    assert (registration.status, registration.decided_by) == (RegistrationStatus.VALIDATED, colleague.user)


def test_a_deactivated_focal_point_cannot_use_a_colleagues_link(client, registration, focal_point):
    former = FocalPointFactory(administration=focal_point.administration, is_active=False)
    sign_in_with_second_factor(client, former.user)
    path = link_path([registration.pk], focal_point)
    for method in (client.get, client.post):
        response = method(path, {"registration": registration.pk, "decision": "approve"})
        assert response.status_code == 403
        assert "Kofi Mensah" not in response.content.decode()
    assert status_of(registration) == RegistrationStatus.PENDING


def test_a_link_listing_another_administrations_registration_shows_and_decides_nothing(client, focal_point):
    """A correctly signed batch whose ids include another Administration's registration."""
    mine = RegistrationFactory(participant__sme__administration=focal_point.administration)
    foreign = RegistrationFactory(participant__family_name="Foreigner")
    sign_in_with_second_factor(client, focal_point.user)
    path = link_path([mine.pk, foreign.pk], focal_point)
    response = client.get(path)
    assert response.status_code == 400
    assert "Foreigner" not in response.content.decode()
    assert client.post(path, {"registration": foreign.pk, "decision": "approve"}).status_code == 400
    assert status_of(foreign) == status_of(mine) == RegistrationStatus.PENDING


@pytest.mark.parametrize("who", ["staff_without_permissions", "other_administrations_focal_point_flagged_staff"])
def test_staff_reading_through_a_link_needs_the_registration_view_permission(client, registration, focal_point, who):
    if who == "staff_without_permissions":
        user = UserFactory(is_staff=True)
    else:
        user = FocalPointFactory().user
        user.is_staff = True
        user.save()
    sign_in_with_second_factor(client, user)
    response = client.get(link_path([registration.pk], focal_point))
    assert response.status_code == 403
    assert "Kofi Mensah" not in response.content.decode()


def test_secretariat_officer_reads_a_link_read_only(client, registration, focal_point):
    from tests.factories import secretariat_officer

    sign_in_with_second_factor(client, secretariat_officer())
    path = link_path([registration.pk], focal_point)
    assert client.get(path).status_code == 200
    assert client.post(path, {"registration": registration.pk, "decision": "approve"}).status_code == 403
    assert status_of(registration) == RegistrationStatus.PENDING


# --- Focal-point pages -----------------------------------------------------------------------


def test_a_deactivated_focal_point_loses_every_page(client, registration, focal_point):
    sme = SMEFactory(administration=focal_point.administration, eligibility=Eligibility.PENDING)
    FocalPoint.objects.filter(pk=focal_point.pk).update(is_active=False)
    sign_in_with_second_factor(client, focal_point.user)
    for url in (
        reverse("focalpoints:pending"),
        reverse("focalpoints:smes"),
        reverse("focalpoints:registration", args=[registration.pk]),
        reverse("focalpoints:sme", args=[sme.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 403, url
        assert "Kofi Mensah" not in response.content.decode()
    assert (
        client.post(
            reverse("focalpoints:registration", args=[registration.pk]),
            {"registration": registration.pk, "decision": "approve"},
        ).status_code
        == 403
    )
    assert client.post(reverse("focalpoints:sme", args=[sme.pk]), {"decision": "confirm"}).status_code == 403
    assert client.post(reverse("focalpoints:bulk_approve"), {"registrations": [registration.pk]}).status_code == 403
    assert status_of(registration) == RegistrationStatus.PENDING
    sme.refresh_from_db()
    assert sme.eligibility == Eligibility.PENDING


def test_a_deputy_whose_period_is_over_loses_every_page_and_names_no_deputy(client, registration, focal_point):
    deputyship = DeputyshipFactory(focal_point=focal_point)
    sme = SMEFactory(administration=focal_point.administration, eligibility=Eligibility.PENDING)
    sign_in_with_second_factor(client, deputyship.user)
    assert client.get(reverse("focalpoints:pending")).status_code == 200
    assert client.get(reverse("focalpoints:deputies")).status_code == 403
    naming = {"name": "X", "email": "x@ca.example", "focal_point": focal_point.pk}
    assert client.post(reverse("focalpoints:deputies"), naming).status_code == 403
    # The deputy cannot end their own deputyship or the focal point's others: only the focal point.
    assert client.post(reverse("focalpoints:deputy_end", args=[deputyship.pk])).status_code == 403

    yesterday = today() - timedelta(days=1)
    Deputyship.objects.filter(pk=deputyship.pk).update(starts_on=yesterday - timedelta(days=7), ends_on=yesterday)
    for url in (
        reverse("focalpoints:pending"),
        reverse("focalpoints:smes"),
        reverse("focalpoints:registration", args=[registration.pk]),
        reverse("focalpoints:sme", args=[sme.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 403, url
        assert "Kofi Mensah" not in response.content.decode()
    assert client.post(reverse("focalpoints:sme", args=[sme.pk]), {"decision": "confirm"}).status_code == 403
    assert client.post(reverse("focalpoints:bulk_approve"), {"registrations": [registration.pk]}).status_code == 403
    assert status_of(registration) == RegistrationStatus.PENDING
    assert not Deputyship.objects.exclude(pk=deputyship.pk).exists()


def test_a_focal_point_of_two_administrations_loses_the_one_that_ended(client, focal_point):
    former = AdministrationFactory()
    FocalPointFactory(administration=former, user=focal_point.user, email=focal_point.email, is_active=False)
    theirs = RegistrationFactory(participant__sme__administration=former, participant__family_name="Former")
    their_sme = SMEFactory(administration=former, eligibility=Eligibility.PENDING, name="Former Co")
    sign_in_with_second_factor(client, focal_point.user)

    pending = client.get(reverse("focalpoints:pending"))
    assert "Former" not in pending.content.decode()
    assert "Former Co" not in client.get(reverse("focalpoints:smes")).content.decode()
    assert client.get(reverse("focalpoints:registration", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("focalpoints:sme", args=[their_sme.pk])).status_code == 404
    client.post(reverse("focalpoints:bulk_approve"), {"registrations": [theirs.pk]})
    assert status_of(theirs) == RegistrationStatus.PENDING


def test_the_registration_field_of_the_detail_form_cannot_point_elsewhere(client, registration, focal_point):
    """The page decides the registration of its URL; a posted id of another registration is ignored."""
    foreign = RegistrationFactory()
    sign_in_with_second_factor(client, focal_point.user)
    response = client.post(
        reverse("focalpoints:registration", args=[registration.pk]),
        {"registration": foreign.pk, "decision": "approve"},
    )
    assert response.status_code == 302
    assert status_of(registration) == RegistrationStatus.VALIDATED
    assert status_of(foreign) == RegistrationStatus.PENDING


def test_bulk_approve_ignores_ids_that_are_not_plain_numbers(client, focal_point):
    foreign = RegistrationFactory()
    sign_in_with_second_factor(client, focal_point.user)
    client.post(
        reverse("focalpoints:bulk_approve"),
        {"registrations": [f"{foreign.pk} OR 1=1", f"-{foreign.pk}", f"{foreign.pk}.0", str(foreign.pk)]},
    )
    assert status_of(foreign) == RegistrationStatus.PENDING


def test_a_focal_point_cannot_approve_their_own_registration(client, focal_point):
    own = RegistrationFactory(
        participant=ParticipantProfileFactory(
            user=focal_point.user, sme__administration=focal_point.administration, sme__eligibility=Eligibility.PENDING
        )
    )
    sign_in_with_second_factor(client, focal_point.user)
    response = client.post(
        reverse("focalpoints:registration", args=[own.pk]), {"registration": own.pk, "decision": "approve"}
    )
    assert response.status_code == 403
    assert status_of(own) == RegistrationStatus.PENDING


def test_a_focal_point_cannot_confirm_the_sme_they_represent(client, focal_point):
    sme = SMEFactory(administration=focal_point.administration, eligibility=Eligibility.PENDING)
    ParticipantProfileFactory(user=focal_point.user, sme=sme)
    sign_in_with_second_factor(client, focal_point.user)
    response = client.post(reverse("focalpoints:sme", args=[sme.pk]), {"decision": "confirm"})
    assert response.status_code == 403
    sme.refresh_from_db()
    assert sme.eligibility == Eligibility.PENDING


def test_services_refuse_deciders_outside_the_administration(focal_point, registration):
    """The rule holds below the views too: another Administration's focal point, a plain account."""
    from django.core.exceptions import ValidationError

    for user in (FocalPointFactory().user, UserFactory(), registration.participant.user):
        with pytest.raises(ValidationError):
            decisions.registration_decide(registration=registration, decided_by=user, approve=True)
        with pytest.raises(ValidationError):
            decisions.sme_eligibility_decide(sme=registration.sme, decided_by=user, confirm=False, reason="x")
    with pytest.raises(ValidationError):
        # Deciding on behalf is for staff only.
        decisions.registration_decide(
            registration=registration, decided_by=UserFactory(), approve=True, on_behalf=True
        )
    assert status_of(registration) == RegistrationStatus.PENDING


# --- The SME representative's pages ----------------------------------------------------------


def test_my_registrations_lists_only_mine(client):
    mine = RegistrationFactory(meeting__title="My meeting")
    RegistrationFactory(meeting__title="Their meeting")
    client.force_login(mine.participant.user)
    html = client.get(reverse("registration:list")).content.decode()
    assert "My meeting" in html and "Their meeting" not in html


def test_profile_pages_change_only_the_signed_in_persons_profile(client):
    me = ParticipantProfileFactory(sme=None, administration=AdministrationFactory())
    other = ParticipantProfileFactory(given_name="Other", family_name="Person")
    client.force_login(me.user)
    response = client.post(
        reverse("registration:profile"),
        {
            "user": other.user.pk,
            "participant": other.pk,
            "given_name": "Changed",
            "family_name": "Name",
            "administration": me.administration_id,
        },
    )
    assert response.status_code == 302
    other.refresh_from_db()
    assert (other.given_name, other.family_name) == ("Other", "Person")
    assert ParticipantProfile.objects.get(user=me.user).given_name == "Changed"


def test_a_registration_is_always_for_the_registrants_own_sme(client):
    """Posting another SME's id or another person's profile id does not register for them."""
    from tests.factories import MeetingFactory, PilotFactory

    meeting = MeetingFactory()
    PilotFactory(study_groups=[meeting.study_group])
    me = ParticipantProfileFactory()
    other = ParticipantProfileFactory()
    client.force_login(me.user)
    response = client.post(
        reverse("registration:new"),
        {
            f"meeting_{meeting.pk}": "on",
            f"attendance_{meeting.pk}": "in_person",
            "sme": other.sme_id,
            "participant": other.pk,
        },
    )
    assert response.status_code == 302
    created = Registration.objects.get(meeting=meeting)
    assert (created.participant, created.sme) == (me, me.sme)
    assert not Registration.objects.filter(participant=other).exists()


# --- Staff pages -----------------------------------------------------------------------------


@pytest.mark.parametrize("action", ["export_csv", "export_xlsx", "approve_on_behalf", "resend_focal_point_emails"])
def test_registration_actions_need_the_registration_permissions(client, action):
    registration = RegistrationFactory()
    sign_in_with_second_factor(client, staff_with_permissions("view_meeting"))
    response = admin_action(
        client, action, [registration], changelist="admin:registration_registration_changelist", post="yes", reason="x"
    )
    assert response.status_code == 403
    assert status_of(registration) == RegistrationStatus.PENDING


@pytest.mark.parametrize("action", ["confirm_eligibility_on_behalf", "refuse_eligibility_on_behalf"])
def test_sme_actions_need_the_sme_permissions(client, action):
    sme = SMEFactory(eligibility=Eligibility.PENDING)
    sign_in_with_second_factor(client, staff_with_permissions("view_registration", "change_registration"))
    response = admin_action(
        client, action, [sme], changelist="admin:registration_sme_changelist", post="yes", reason="x"
    )
    assert response.status_code == 403
    sme.refresh_from_db()
    assert sme.eligibility == Eligibility.PENDING


def test_staff_without_the_outbox_permission_cannot_read_focal_point_links(client, registration, focal_point):
    from smepilot.outbox.models import OutgoingMessage

    notifications.registrations_notify_focal_points(registrations=[registration])
    message = OutgoingMessage.objects.get(template="emails/focalpoint_registration_new")
    sign_in_with_second_factor(client, staff_with_permissions("view_meeting"))
    assert client.get(reverse("admin:outbox_outgoingmessage_changelist")).status_code == 403
    assert client.get(reverse("admin:outbox_outgoingmessage_change", args=[message.pk])).status_code == 403


# --- Signed-out visitors ---------------------------------------------------------------------


def _focal_point_url_names():
    from focalpoints import urls

    return [pattern.name for pattern in urls.urlpatterns]


@pytest.mark.parametrize("name", _focal_point_url_names())
def test_every_focal_point_page_sends_a_signed_out_visitor_to_sign_in_and_back(
    client, registration, focal_point, name
):
    """Every page of focalpoints/urls.py, taken from the URLconf so that a new page is covered too.

    The emailed validation link is not behind ``login_required``, on purpose: it reads its token
    first, so that a cut, changed or expired link says so to anyone (400, 410) rather than sending
    them to sign in for nothing. A good link, like the one here, sends the visitor to sign in and
    back to it, as every other page does.
    """
    from urllib.parse import quote

    from focalpoints import urls

    sme = SMEFactory(administration=focal_point.administration, eligibility=Eligibility.PENDING)
    # Real values for each page's path parameters; a new page with parameters needs its own here.
    values = {
        "link": {"token": link_path([registration.pk], focal_point).split("/")[-2]},
        "registration": {"pk": registration.pk},
        "sme": {"pk": sme.pk},
        "deputy_end": {"pk": DeputyshipFactory(focal_point=focal_point).pk},
    }
    [pattern] = [p for p in urls.urlpatterns if p.name == name]
    parameters = set(pattern.pattern.converters)
    kwargs = values.get(name, {})
    assert set(kwargs) == parameters, f"give focalpoints:{name} real values for {sorted(parameters)}"
    path = reverse(f"focalpoints:{name}", kwargs=kwargs)

    response = client.get(path)

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_login')}?next={quote(path)}"
    assert status_of(registration) == RegistrationStatus.PENDING
