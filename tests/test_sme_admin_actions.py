"""The secretariat confirms or refuses an SME's eligibility on behalf of its Administration (admin actions)."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from registration.models import Eligibility, RegistrationStatus
from smepilot.outbox.models import OutgoingMessage
from tests.admin_helpers import admin_action, admin_messages, staff_with_permissions
from tests.factories import RegistrationFactory, SMEFactory, UserFactory, secretariat_officer
from tests.second_factor import sign_in_with_second_factor

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:registration_sme_changelist"
TEMPLATE = "admin/registration/sme/decide_on_behalf.html"


@pytest.fixture
def officer(client):
    user = staff_with_permissions("view_sme", "change_sme")
    sign_in_with_second_factor(client, user)
    return user


def _action(client, action, objects, **extra):
    return admin_action(client, action, objects, changelist=CHANGELIST, **extra)


def _pending_sme(**kwargs):
    return SMEFactory(eligibility=Eligibility.PENDING, **kwargs)


@pytest.mark.parametrize("action", ["confirm_eligibility_on_behalf", "refuse_eligibility_on_behalf"])
def test_the_action_asks_for_the_reason_first_and_changes_nothing(client, officer, action):
    sme = _pending_sme(name="Nairobi Mesh Ltd")
    decided = SMEFactory(name="Mombasa Cable Ltd", eligibility=Eligibility.CONFIRMED)

    response = _action(client, action, [sme, decided])

    assert response.status_code == 200
    assert response.templates[0].name == TEMPLATE
    html = response.content.decode()
    assert 'name="reason"' in html
    assert '<label for="id_reason" class="required">' in html
    assert "csrfmiddlewaretoken" in html
    assert f'name="action" value="{action}"' in html
    assert f'name="{ACTION_CHECKBOX_NAME}" value="{sme.pk}"' in html
    assert "Nairobi Mesh Ltd" in html and str(sme.administration) in html
    assert "already decided: will be refused" in html
    assert ("rejects each of its registrations pending validation" in html) is (action.startswith("refuse"))
    sme.refresh_from_db()
    assert sme.eligibility == Eligibility.PENDING
    assert sme.eligibility_decided_by is None


def test_confirm_on_behalf_is_recorded_with_the_officer_and_the_reason(client, officer):
    sme = _pending_sme()

    response = _action(
        client, "confirm_eligibility_on_behalf", [sme], post="yes", reason="  Administration's email of 3 April.  "
    )

    assert response.status_code == 302
    assert "Eligibility confirmed on behalf of the Administration for 1 SME." in admin_messages(response)
    sme.refresh_from_db()
    assert sme.eligibility == Eligibility.CONFIRMED
    assert sme.eligibility_decided_by == officer
    assert sme.eligibility_decided_at is not None
    assert sme.eligibility_reason == "Administration's email of 3 April."
    assert sme.history.first().history_user == officer


@pytest.mark.parametrize("reason", ["", "   "])
def test_refusal_without_a_reason_shows_the_error_on_the_field_and_changes_nothing(client, officer, reason):
    sme = _pending_sme()
    registration = RegistrationFactory(participant__sme=sme)
    before = OutgoingMessage.objects.count()

    response = _action(client, "refuse_eligibility_on_behalf", [sme], post="yes", reason=reason)

    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="errornote"' in html
    assert '<ul class="errorlist" id="id_reason_error">' in html
    assert "Give the reason for deciding on behalf of the Administration." in html
    assert 'aria-invalid="true"' in html
    sme.refresh_from_db()
    assert sme.eligibility == Eligibility.PENDING
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.PENDING
    assert OutgoingMessage.objects.count() == before


def test_refuse_on_behalf_rejects_the_pending_registrations_and_queues_the_emails(client, officer):
    first, second = _pending_sme(), _pending_sme()
    pending = RegistrationFactory.create_batch(2, participant__sme=first)
    before = OutgoingMessage.objects.count()

    response = _action(
        client, "refuse_eligibility_on_behalf", [first, second], post="yes", reason="Over 250 employees."
    )

    assert response.status_code == 302
    assert "Eligibility refused on behalf of the Administration for 2 SMEs." in admin_messages(response)
    for sme in (first, second):
        sme.refresh_from_db()
        assert sme.eligibility == Eligibility.REFUSED
        assert sme.eligibility_decided_by == officer
        assert sme.eligibility_reason == "Over 250 employees."
    for registration in pending:
        registration.refresh_from_db()
        assert registration.status == RegistrationStatus.REJECTED
        assert registration.decided_on_behalf is True
        assert registration.decided_by == officer
        assert "Over 250 employees." in registration.reason
    queued = OutgoingMessage.objects.order_by("pk")[before:]
    assert {message.to for message in queued} == {registration.participant.user.email for registration in pending}


def test_an_sme_already_decided_is_refused_with_the_services_message_and_stays(client, officer):
    decider = UserFactory(first_name="Amina", last_name="Otieno")
    decided_at = timezone.now()
    decided = SMEFactory(
        eligibility=Eligibility.CONFIRMED, eligibility_decided_by=decider, eligibility_decided_at=decided_at
    )
    pending = _pending_sme()

    response = _action(
        client, "refuse_eligibility_on_behalf", [decided, pending], post="yes", reason="Over 250 employees."
    )

    assert response.status_code == 302
    messages = admin_messages(response)
    assert "Eligibility refused on behalf of the Administration for 1 SME." in messages
    [refusal] = [message for message in messages if "already confirmed" in message]
    assert refusal.startswith(f"{decided.name} was already confirmed by Amina Otieno at")  # named once
    decided.refresh_from_db()
    assert decided.eligibility == Eligibility.CONFIRMED
    assert decided.eligibility_decided_by == decider
    assert decided.eligibility_decided_at == decided_at
    pending.refresh_from_db()
    assert pending.eligibility == Eligibility.REFUSED


def test_a_secretariat_officer_can_run_both_actions(client):
    user = secretariat_officer()
    sign_in_with_second_factor(client, user)
    to_confirm, to_refuse = _pending_sme(), _pending_sme()

    response = client.get(reverse(CHANGELIST))
    choices = [value for value, _label in response.context["action_form"].fields["action"].choices]
    assert "confirm_eligibility_on_behalf" in choices
    assert "refuse_eligibility_on_behalf" in choices

    _action(client, "confirm_eligibility_on_behalf", [to_confirm], post="yes", reason="Email of 3 April.")
    _action(client, "refuse_eligibility_on_behalf", [to_refuse], post="yes", reason="Over 250 employees.")

    to_confirm.refresh_from_db()
    to_refuse.refresh_from_db()
    assert (to_confirm.eligibility, to_confirm.eligibility_decided_by) == (Eligibility.CONFIRMED, user)
    assert (to_refuse.eligibility, to_refuse.eligibility_decided_by) == (Eligibility.REFUSED, user)


def test_staff_without_the_change_permission_neither_see_nor_run_the_actions(client):
    sign_in_with_second_factor(client, staff_with_permissions("view_sme"))
    sme = _pending_sme()

    response = client.get(reverse(CHANGELIST))
    assert response.status_code == 200
    action_form = response.context["action_form"]  # None when no action is left
    choices = [value for value, _label in action_form.fields["action"].choices] if action_form else []
    assert "confirm_eligibility_on_behalf" not in choices
    assert "refuse_eligibility_on_behalf" not in choices

    _action(client, "confirm_eligibility_on_behalf", [sme], post="yes", reason="Email of 3 April.")
    sme.refresh_from_db()
    assert sme.eligibility == Eligibility.PENDING


def test_the_confirmation_page_costs_the_same_queries_for_1_and_20_smes(client, officer):
    smes = [_pending_sme() for _ in range(20)]
    _action(client, "refuse_eligibility_on_behalf", smes[:1])  # warm the per-process caches

    counts = []
    for selection in (smes[:1], smes):
        with CaptureQueriesContext(connection) as queries:
            response = _action(client, "refuse_eligibility_on_behalf", selection)
        assert response.status_code == 200
        counts.append(len(queries))

    assert counts[0] == counts[1]
    assert all(sme.name in response.content.decode() for sme in smes)
