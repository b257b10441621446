import datetime
from urllib.parse import quote

import pytest
from django.core import signing
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from focalpoints import decisions, links, notifications
from focalpoints.models import FocalPoint
from registration.models import Eligibility, ParticipantProfile, Registration, RegistrationStatus
from smepilot.outbox.models import OutgoingMessage
from tests.factories import (
    FocalPointFactory,
    ParticipantProfileFactory,
    RegistrationFactory,
    SMEFactory,
    UserFactory,
    secretariat_officer,
)
from tests.second_factor import second_factor_pass, sign_in_with_second_factor

pytestmark = pytest.mark.django_db


def link_path(registration, focal_point, **overrides):
    ids = overrides.get("ids") or [registration.pk]
    token = links.link_token_make(
        registration_ids=ids,
        focal_point_id=focal_point.pk,
        administration_id=overrides.get("administration_id", focal_point.administration_id),
    )
    return reverse("focalpoints:link", kwargs={"token": token})


def outcome_count():
    return OutgoingMessage.objects.filter(template="emails/registration_decided").count()


# --- The link: opening it changes nothing ----------------------------------------------------


def test_anonymous_opening_is_sent_to_sign_in_and_back(client, registration, focal_point):
    path = link_path(registration, focal_point)
    for method in (client.get, client.head):
        response = method(path)
        assert response.status_code == 302
        assert response["Location"] == f"{reverse('account_login')}?next={quote(path)}"
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.PENDING


def test_focal_point_sees_the_request_with_approve_and_reject_forms(client, registration, focal_point):
    sign_in_with_second_factor(client, focal_point.user)
    path = link_path(registration, focal_point)

    response = client.get(path)

    assert response.status_code == 200
    html = response.content.decode()
    assert "Kofi Mensah" in html
    assert registration.sme.name in html
    assert registration.meeting.title in html
    assert html.count('method="post"') >= 2
    assert 'name="csrfmiddlewaretoken"' in html
    assert 'value="approve"' in html and 'value="reject"' in html
    assert "<script" not in html  # nothing submits the forms by itself
    assert client.head(path).status_code == 200
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.PENDING
    assert outcome_count() == 0


def test_approve_through_the_link_then_the_page_says_who_and_when(client, registration, focal_point):
    sign_in_with_second_factor(client, focal_point.user)
    path = link_path(registration, focal_point)

    response = client.post(path, {"registration": registration.pk, "decision": "approve"})

    assert response.status_code == 302
    assert response["Location"] == path
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.VALIDATED
    assert outcome_count() == 1
    page = client.get(path)
    assert page.status_code == 200
    html = page.content.decode()
    # Their own decision, in their own words: not "already validated by" themselves.
    assert "You approved this registration at" in html
    assert "already validated by" not in html
    assert 'value="approve"' not in html
    # A colleague opening their own link reads who decided, and when.
    colleague = FocalPointFactory(administration=focal_point.administration)
    sign_in_with_second_factor(client, colleague.user)
    html = client.get(link_path(registration, colleague)).content.decode()
    assert "already validated by Amina Diallo at" in html
    assert "You approved" not in html


def test_reject_then_a_second_post_of_ones_own_says_you_rejected(client, registration, focal_point):
    sign_in_with_second_factor(client, focal_point.user)
    path = link_path(registration, focal_point)
    data = {"registration": registration.pk, "decision": "reject", "reason": "Not national."}

    assert client.post(path, data).status_code == 302
    page = client.get(path).content.decode()
    again = client.post(path, data)  # a double click

    assert "You rejected this registration at" in page and "already rejected by" not in page
    assert again.status_code == 409
    assert "You rejected this registration at" in again.content.decode()
    assert "already rejected by" not in again.content.decode()


def test_a_second_post_answers_409_and_changes_nothing(client, registration, focal_point):
    colleague = FocalPointFactory(administration=focal_point.administration)
    decisions.registration_decide(registration=registration, decided_by=focal_point.user, approve=True)
    sign_in_with_second_factor(client, colleague.user)

    response = client.post(
        link_path(registration, colleague), {"registration": registration.pk, "decision": "reject", "reason": "No"}
    )

    assert response.status_code == 409
    assert "already validated by Amina Diallo at" in response.content.decode()
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.VALIDATED
    assert outcome_count() == 1


def test_reject_without_reason_is_400_with_the_error_beside_the_field(client, registration, focal_point):
    sign_in_with_second_factor(client, focal_point.user)
    path = link_path(registration, focal_point)

    response = client.post(path, {"registration": registration.pk, "decision": "reject", "reason": ""})

    assert response.status_code == 400
    html = response.content.decode()
    assert "Give the reason for the rejection; the registrant will read it." in html
    assert f'id="r{registration.pk}-reason_errors"' in html
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.PENDING

    response = client.post(path, {"registration": registration.pk, "decision": "reject", "reason": "Not an SME."})
    assert response.status_code == 302
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.REJECTED


def test_post_for_a_registration_not_in_the_link_is_400(client, registration, focal_point):
    other = RegistrationFactory(participant__sme__administration=focal_point.administration)
    sign_in_with_second_factor(client, focal_point.user)
    response = client.post(link_path(registration, focal_point), {"registration": other.pk, "decision": "approve"})
    assert response.status_code == 400
    other.refresh_from_db()
    assert other.status == RegistrationStatus.PENDING


def test_batch_link_decides_each_registration_on_its_own(client, focal_point):
    first = RegistrationFactory(participant__sme__administration=focal_point.administration)
    second = RegistrationFactory(participant=first.participant)
    sign_in_with_second_factor(client, focal_point.user)
    path = link_path(first, focal_point, ids=[first.pk, second.pk])

    client.post(path, {"registration": second.pk, "decision": "approve"})

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (RegistrationStatus.PENDING, RegistrationStatus.VALIDATED)
    html = client.get(path).content.decode()
    assert html.count('value="approve"') == 1


# --- Bad links: a clear page, the right status, nothing changed ------------------------------


def assert_nothing_changed(registration):
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.PENDING
    assert outcome_count() == 0


@pytest.mark.parametrize("signed_in", [False, True])
def test_tampered_truncated_or_other_purpose_links_are_400(client, registration, focal_point, signed_in):
    if signed_in:
        sign_in_with_second_factor(client, focal_point.user)
    token = link_path(registration, focal_point).split("/")[-2]
    payload = {"r": [registration.pk], "f": focal_point.pk, "a": focal_point.administration_id}
    bad_tokens = {
        "tampered": token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB"),
        "truncated": token[: len(token) // 2],
        "other salt": signing.dumps(payload, salt="registration.something-else"),
        "no salt": signing.dumps(payload),
        "garbage": "not-a-token",
    }
    for name, bad in bad_tokens.items():
        url = reverse("focalpoints:link", kwargs={"token": bad})
        for method in (client.get, client.post):
            response = method(url, {"registration": registration.pk, "decision": "approve"})
            assert response.status_code == 400, name
            assert "This link is not valid" in response.content.decode(), name
    assert_nothing_changed(registration)


def test_expired_link_is_410(client, registration, focal_point, settings):
    sign_in_with_second_factor(client, focal_point.user)
    path = link_path(registration, focal_point)
    settings.VALIDATION_LINK_MAX_AGE_DAYS = 0
    # max_age 0: a token signed a moment ago is already too old.
    for method in (client.get, client.post):
        response = method(path, {"registration": registration.pk, "decision": "approve"})
        assert response.status_code == 410
        assert "This link has expired" in response.content.decode()
    assert_nothing_changed(registration)


def test_focal_point_of_another_administration_gets_403_and_sees_nothing(client, registration, focal_point):
    stranger = FocalPointFactory()
    sign_in_with_second_factor(client, stranger.user)
    path = link_path(registration, focal_point)
    for method in (client.get, client.post):
        response = method(path, {"registration": registration.pk, "decision": "approve"})
        assert response.status_code == 403
        assert "Kofi Mensah" not in response.content.decode()
    assert_nothing_changed(registration)


def test_registrant_or_any_other_account_gets_403(client, registration, focal_point):
    client.force_login(registration.participant.user)
    assert client.get(link_path(registration, focal_point)).status_code == 403
    assert_nothing_changed(registration)


def test_secretariat_sees_the_request_read_only_and_cannot_post(client, registration, focal_point):
    sign_in_with_second_factor(client, secretariat_officer())
    path = link_path(registration, focal_point)
    response = client.get(path)
    assert response.status_code == 200
    assert 'value="approve"' not in response.content.decode()
    assert client.post(path, {"registration": registration.pk, "decision": "approve"}).status_code == 403
    assert_nothing_changed(registration)


def test_unknown_registration_is_404(client, focal_point):
    sign_in_with_second_factor(client, focal_point.user)
    path = link_path(None, focal_point, ids=[987654321])
    response = client.get(path)
    assert response.status_code == 404
    assert "This request no longer exists" in response.content.decode()


def test_cancelled_registration_is_410(client, registration, focal_point):
    Registration.objects.filter(pk=registration.pk).update(
        status=RegistrationStatus.CANCELLED, cancelled_at=timezone.now()
    )
    sign_in_with_second_factor(client, focal_point.user)
    path = link_path(registration, focal_point)
    for method in (client.get, client.post):
        response = method(path, {"registration": registration.pk, "decision": "approve"})
        assert response.status_code == 410
        assert "cancelled" in response.content.decode()
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.CANCELLED


def test_link_of_a_focal_point_no_longer_designated_is_410(client, registration, focal_point):
    colleague = FocalPointFactory(administration=focal_point.administration)
    path = link_path(registration, focal_point)
    FocalPoint.objects.filter(pk=focal_point.pk).update(is_active=False)
    sign_in_with_second_factor(client, colleague.user)
    assert client.get(path).status_code == 410
    assert_nothing_changed(registration)


def test_link_bound_to_another_administration_is_refused(client, registration, focal_point):
    """A correctly signed link whose Administration is not the registration's (the binding holds)."""
    other = FocalPointFactory()
    sign_in_with_second_factor(client, other.user)
    path = link_path(registration, other, administration_id=other.administration_id)
    assert client.get(path).status_code == 400
    assert_nothing_changed(registration)


def test_wrong_methods_are_405(client, registration, focal_point):
    sign_in_with_second_factor(client, focal_point.user)
    assert client.put(link_path(registration, focal_point)).status_code == 405
    assert client.get(reverse("focalpoints:bulk_approve")).status_code == 405


# --- Focal-point pages -----------------------------------------------------------------------


def test_pages_need_sign_in_and_a_focal_point(client):
    for name in ("focalpoints:pending", "focalpoints:smes"):
        assert client.get(reverse(name)).status_code == 302
    client.force_login(UserFactory())
    for name in ("focalpoints:pending", "focalpoints:smes"):
        response = client.get(reverse(name))
        assert response.status_code == 403
        assert "You are not a focal point" in response.content.decode()


def test_pending_page_lists_own_administration_only_with_history(client, focal_point, registration):
    other = RegistrationFactory(participant__family_name="Elsewhere")
    decided = RegistrationFactory(participant__sme__administration=focal_point.administration)
    decisions.registration_decide(registration=decided, decided_by=focal_point.user, approve=False, reason="Late")
    sign_in_with_second_factor(client, focal_point.user)

    response = client.get(reverse("focalpoints:pending"))

    assert response.status_code == 200
    assert [r.pk for r in response.context["pending"]] == [registration.pk]
    assert [r.pk for r in response.context["page"].object_list] == [decided.pk]
    html = response.content.decode()
    assert "Kofi Mensah" in html and "Elsewhere" not in html
    # The navigation offers the page once the session knows the user is a focal point.
    assert reverse("focalpoints:pending") in html
    # Another Administration's request is 404, not 403: its existence is not revealed.
    assert client.get(reverse("focalpoints:registration", args=[other.pk])).status_code == 404
    assert (
        client.post(
            reverse("focalpoints:registration", args=[other.pk]), {"registration": other.pk, "decision": "approve"}
        ).status_code
        == 404
    )
    other.refresh_from_db()
    assert other.status == RegistrationStatus.PENDING


def test_registration_page_approves_and_rejects(client, focal_point, registration):
    sign_in_with_second_factor(client, focal_point.user)
    url = reverse("focalpoints:registration", args=[registration.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"registration": registration.pk, "decision": "reject", "reason": ""})
    assert response.status_code == 400
    response = client.post(url, {"registration": registration.pk, "decision": "approve"})
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert "You approved this registration at" in page and "already validated by" not in page
    again = client.post(url, {"registration": registration.pk, "decision": "approve"})
    assert again.status_code == 409
    assert "You approved this registration at" in again.content.decode()
    assert outcome_count() == 1


def test_bulk_approve_only_touches_own_pending_requests(client, focal_point):
    mine = RegistrationFactory.create_batch(3, participant__sme__administration=focal_point.administration)
    other = RegistrationFactory()
    sign_in_with_second_factor(client, focal_point.user)

    response = client.post(
        reverse("focalpoints:bulk_approve"), {"registrations": [mine[0].pk, mine[1].pk, other.pk]}, follow=True
    )

    statuses = dict(Registration.objects.values_list("pk", "status"))
    assert statuses[mine[0].pk] == statuses[mine[1].pk] == RegistrationStatus.VALIDATED
    assert statuses[mine[2].pk] == statuses[other.pk] == RegistrationStatus.PENDING
    messages = [str(m) for m in response.context["messages"]]
    assert "2 requests approved; their registrants are told by email." in messages
    assert "1 selected request was not found among your Administration's." in messages

    response = client.post(reverse("focalpoints:bulk_approve"), {}, follow=True)
    assert "Select at least one request to approve." in [str(m) for m in response.context["messages"]]


def test_bulk_approve_sent_twice_says_you_approved_them_and_names_who_else_decided(client, focal_point):
    mine = RegistrationFactory.create_batch(2, participant__sme__administration=focal_point.administration)
    colleague = FocalPointFactory(administration=focal_point.administration, name="Otieno Were")
    by_colleague = RegistrationFactory(participant__sme__administration=focal_point.administration)
    decisions.registration_decide(registration=by_colleague, decided_by=colleague.user, approve=True)
    sign_in_with_second_factor(client, focal_point.user)
    selected = {"registrations": [mine[0].pk, mine[1].pk, by_colleague.pk]}

    client.post(reverse("focalpoints:bulk_approve"), selected)
    response = client.post(reverse("focalpoints:bulk_approve"), selected, follow=True)  # sent again

    messages = [str(m) for m in response.context["messages"]]
    own = [m for m in messages if "You approved this registration at" in m]
    assert len(own) == 2
    assert not any("already validated by Amina Diallo" in m for m in messages)
    assert any("already validated by Otieno Were at" in m for m in messages)


def test_sme_pages_confirm_and_refuse_for_own_administration_only(client, focal_point):
    pending = SMEFactory(administration=focal_point.administration, eligibility=Eligibility.PENDING, name="Alpha")
    to_refuse = SMEFactory(administration=focal_point.administration, eligibility=Eligibility.PENDING, name="Beta")
    waiting = RegistrationFactory(participant__sme=to_refuse)
    foreign = SMEFactory(eligibility=Eligibility.PENDING, name="Foreign Co")
    sign_in_with_second_factor(client, focal_point.user)

    listing = client.get(reverse("focalpoints:smes"))
    assert listing.status_code == 200
    assert "Alpha" in listing.content.decode() and "Foreign Co" not in listing.content.decode()
    assert client.get(reverse("focalpoints:sme", args=[foreign.pk])).status_code == 404
    assert client.post(reverse("focalpoints:sme", args=[foreign.pk]), {"decision": "confirm"}).status_code == 404

    assert client.post(reverse("focalpoints:sme", args=[pending.pk]), {"decision": "confirm"}).status_code == 302
    pending.refresh_from_db()
    assert pending.eligibility == Eligibility.CONFIRMED
    page = client.get(reverse("focalpoints:sme", args=[pending.pk])).content.decode()
    assert "You confirmed that Alpha meets the national criteria at" in page
    assert "already confirmed by" not in page
    response = client.post(reverse("focalpoints:sme", args=[pending.pk]), {"decision": "refuse", "reason": "x"})
    assert response.status_code == 409
    assert "You confirmed that Alpha meets the national criteria at" in response.content.decode()
    colleague = FocalPointFactory(administration=focal_point.administration)
    sign_in_with_second_factor(client, colleague.user)
    assert (
        "Alpha was already confirmed by Amina Diallo"
        in client.get(reverse("focalpoints:sme", args=[pending.pk])).content.decode()
    )
    sign_in_with_second_factor(client, focal_point.user)

    response = client.post(reverse("focalpoints:sme", args=[to_refuse.pk]), {"decision": "refuse", "reason": ""})
    assert response.status_code == 400
    assert "Give the reason for the refusal" in response.content.decode()
    response = client.post(
        reverse("focalpoints:sme", args=[to_refuse.pk]), {"decision": "refuse", "reason": "Revenue too high."}
    )
    assert response.status_code == 302
    waiting.refresh_from_db()
    assert waiting.status == RegistrationStatus.REJECTED
    foreign.refresh_from_db()
    assert foreign.eligibility == Eligibility.PENDING


# --- Query counts: the same at 1 and at 50 requests ------------------------------------------


def _count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_focal_point_pages_query_count_does_not_grow(client, focal_point):
    administration = focal_point.administration
    sme = SMEFactory(administration=administration, eligibility=Eligibility.PENDING)
    first = RegistrationFactory(participant__sme=sme)
    decided = RegistrationFactory(participant__sme=SMEFactory(administration=administration))
    decisions.registration_decide(registration=decided, decided_by=focal_point.user, approve=True)
    Registration.objects.filter(pk=first.pk).update(created_at=timezone.now() - datetime.timedelta(days=10))
    sign_in_with_second_factor(client, focal_point.user)
    link = link_path(first, focal_point)
    urls = [reverse("focalpoints:pending"), reverse("focalpoints:smes")]
    at_one = [_count_queries(client, url) for url in urls]

    more = RegistrationFactory.create_batch(49, participant__sme__administration=administration)
    for registration in more[:25]:
        decisions.registration_decide(registration=registration, decided_by=focal_point.user, approve=True)
    Registration.objects.filter(pk__in=[r.pk for r in more[25:]]).update(
        created_at=timezone.now() - datetime.timedelta(days=10)
    )
    at_fifty = [_count_queries(client, url) for url in urls]

    assert at_fifty == at_one, (at_one, at_fifty)
    batch = link_path(first, focal_point, ids=[first.pk] + [r.pk for r in more])
    assert _count_queries(client, batch) == _count_queries(client, link)


def test_focal_point_designated_without_account_signs_in_by_code_and_comes_back(client):
    """The secretariat records only a name and an email; the link's sign-in by code then works."""
    import re

    focal_point = FocalPointFactory(user=None, email="new.focal@admin.example", name="New Focal")
    registration = RegistrationFactory(participant__sme__administration=focal_point.administration)
    notifications.registrations_notify_focal_points(registrations=[registration])
    body = OutgoingMessage.objects.get(to=focal_point.email, template="emails/focalpoint_registration_new").body_text
    path = "/validation/" + body.split("/validation/")[1].split("/")[0] + "/"

    login = client.get(path)
    assert login.status_code == 302
    login_url = login["Location"]
    code_url = reverse("account_request_login_code") + login_url[len(reverse("account_login")) :]
    response = client.post(code_url, {"email": focal_point.email})
    assert response.status_code == 302
    code_email = OutgoingMessage.objects.filter(to=focal_point.email).exclude(template__startswith="emails/").last()
    code = re.search(r"^\s*([A-Z0-9]{4}-?[A-Z0-9]{4})\s*$", code_email.body_text, re.MULTILINE).group(1)
    # allauth passes next= along: request the code, then confirm it, on the URLs it gives.
    response = client.post(response["Location"], {"code": code})

    assert response.status_code == 302
    assert response["Location"] == path
    # A focal point sets up the second factor before deciding (smepilot.second_factor), then comes back.
    assert client.get(path)["Location"].startswith(reverse("second_factor"))
    focal_point.refresh_from_db()
    second_factor_pass(client, focal_point.user)
    page = client.get(path)
    assert page.status_code == 200
    assert 'value="approve"' in page.content.decode()


def test_a_focal_point_s_own_registration_is_shown_without_approve_or_reject(client, focal_point, registration):
    own = RegistrationFactory(
        participant=ParticipantProfileFactory(user=focal_point.user, sme__administration=focal_point.administration)
    )
    sign_in_with_second_factor(client, focal_point.user)

    pending = client.get(reverse("focalpoints:pending")).content.decode()
    assert f'value="{registration.pk}"' in pending  # a colleague's request: selectable
    assert f'value="{own.pk}"' not in pending
    assert "Another focal point decides" in pending

    detail = client.get(reverse("focalpoints:registration", args=[own.pk])).content.decode()
    assert 'value="approve"' not in detail and 'value="reject"' not in detail
    assert "You cannot decide on your own registration" in detail


@pytest.mark.parametrize("now_represents", ["another SME", "no SME"])
def test_a_focal_point_s_own_registration_stays_undecidable_after_their_profile_changed_sme(
    client, focal_point, registration, now_represents
):
    """Their registration for an SME of their Administration, while their profile now names another SME or none."""
    own = RegistrationFactory(
        participant=ParticipantProfileFactory(user=focal_point.user, sme__administration=focal_point.administration)
    )
    other = SMEFactory(administration=focal_point.administration) if now_represents == "another SME" else None
    ParticipantProfile.objects.filter(pk=own.participant_id).update(sme=other)
    sign_in_with_second_factor(client, focal_point.user)

    pending = client.get(reverse("focalpoints:pending")).content.decode()
    assert f'value="{registration.pk}"' in pending  # a colleague's request: selectable
    assert f'value="{own.pk}"' not in pending

    url = reverse("focalpoints:registration", args=[own.pk])
    detail = client.get(url)
    assert detail.status_code == 200
    html = detail.content.decode()
    assert 'value="approve"' not in html and 'value="reject"' not in html
    assert "You cannot decide on your own registration" in html

    response = client.post(url, {"registration": own.pk, "decision": "approve"})
    assert response.status_code == 403
    client.post(reverse("focalpoints:bulk_approve"), {"registrations": [own.pk]})
    own.refresh_from_db()
    assert own.status == RegistrationStatus.PENDING
    assert outcome_count() == 0
