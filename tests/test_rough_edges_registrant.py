"""What an SME representative meets on the site, through the test client: meetings already registered
for are shown as such on the registration form, each step of the journey leads to the next, countries
are listed by name in the reader's language, and the SME's currency is an ISO 4217 code whose amounts
are written the reader's way."""

import datetime
import re
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from registration import services
from registration.forms import ProfileForm
from registration.models import SME, AttendanceMode, ParticipantProfile, Registration, RegistrationStatus
from smepilot.outbox.models import OutgoingMessage
from tests.factories import (
    AdministrationFactory,
    FocalPointFactory,
    MeetingFactory,
    ParticipantProfileFactory,
    RegistrationFactory,
    SMEFactory,
    UserFactory,
)
from tests.second_factor import sign_in_with_second_factor
from tests.test_accounts import confirmation_url, signup

pytestmark = pytest.mark.django_db

NOW = datetime.datetime.now(datetime.UTC)


def spaces(text: str) -> str:
    """Babel separates digits and codes with no-break spaces; compare them as plain spaces."""
    return text.replace("\u202f", " ").replace("\xa0", " ")


# --- The registration form shows the meetings the person is already registered for -------------


def meeting_block(page: str, title: str) -> str:
    """The part of the registration form about one meeting."""
    blocks = [block for block in page.split('<div class="meeting-choice">')[1:] if title in block]
    assert len(blocks) == 1, f"{title} is not listed once"
    return blocks[0]


def test_register_page_shows_active_registrations_and_offers_rejected_and_cancelled_again(
    client_of, participant, pilot, sg1
):
    pending = MeetingFactory(study_group=sg1, title="Pending one")
    validated = MeetingFactory(study_group=sg1, title="Validated one")
    rejected = MeetingFactory(study_group=sg1, title="Rejected one")
    cancelled = MeetingFactory(study_group=sg1, title="Cancelled one")
    free = MeetingFactory(study_group=sg1, title="Free one")
    RegistrationFactory(participant=participant, meeting=pending)
    RegistrationFactory(
        participant=participant, meeting=validated, status=RegistrationStatus.VALIDATED, decided_at=NOW
    )
    RegistrationFactory(
        participant=participant, meeting=rejected, status=RegistrationStatus.REJECTED, reason="Too big", decided_at=NOW
    )
    RegistrationFactory(participant=participant, meeting=cancelled, status=RegistrationStatus.CANCELLED)
    RegistrationFactory(meeting=free)  # someone else's registration marks nothing for this person

    response = client_of.get(reverse("registration:new"))
    assert response.status_code == 200
    page = response.content.decode()
    my_registrations = f'href="{reverse("registration:list")}"'

    block = meeting_block(page, "Pending one")
    assert f'name="meeting_{pending.pk}"' not in block
    assert "You are registered — pending validation" in block and my_registrations in block
    block = meeting_block(page, "Validated one")
    assert f'name="meeting_{validated.pk}"' not in block
    assert "You are registered — validated" in block and my_registrations in block

    for meeting in (rejected, cancelled, free):
        block = meeting_block(page, meeting.title)
        assert f'name="meeting_{meeting.pk}"' in block
        assert "You are registered" not in block
    assert "was rejected" in meeting_block(page, "Rejected one")
    assert "was cancelled" in meeting_block(page, "Cancelled one")


def test_a_rejected_registration_can_be_made_again_and_an_active_one_cannot(client_of, participant, pilot, sg1):
    FocalPointFactory(administration=participant.administration)
    rejected = MeetingFactory(study_group=sg1, title="Rejected one")
    pending = MeetingFactory(study_group=sg1, title="Pending one")
    RegistrationFactory(
        participant=participant, meeting=rejected, status=RegistrationStatus.REJECTED, reason="Too big", decided_at=NOW
    )
    RegistrationFactory(participant=participant, meeting=pending)
    data = {f"meeting_{rejected.pk}": "on", f"attendance_{rejected.pk}": AttendanceMode.IN_PERSON}
    assert client_of.post(reverse("registration:new"), data).status_code == 302
    assert Registration.objects.filter(participant=participant, meeting=rejected).count() == 2

    # A page loaded before the registration was made still posts the meeting: the service explains.
    data = {f"meeting_{pending.pk}": "on", f"attendance_{pending.pk}": AttendanceMode.IN_PERSON}
    response = client_of.post(reverse("registration:new"), data)
    assert response.status_code == 400
    assert "You are already registered for Pending one" in response.content.decode()


def count_register_page_queries(client):
    with CaptureQueriesContext(connection) as context:
        assert client.get(reverse("registration:new")).status_code == 200
    return len(context.captured_queries)


def test_register_page_reads_the_registrations_in_one_query_whatever_the_number_of_meetings(
    client_of, participant, pilot, sg1
):
    RegistrationFactory(participant=participant, meeting=MeetingFactory(study_group=sg1, title="First"))
    at_one = count_register_page_queries(client_of)
    statuses = [RegistrationStatus.PENDING, RegistrationStatus.VALIDATED, RegistrationStatus.CANCELLED, None]
    for index in range(12):
        meeting = MeetingFactory(study_group=sg1, title=f"Meeting {index}")
        status = statuses[index % len(statuses)]
        if status is not None:
            RegistrationFactory(
                participant=participant,
                meeting=meeting,
                status=status,
                decided_at=NOW if status == RegistrationStatus.VALIDATED else None,
            )
    page = client_of.get(reverse("registration:new")).content.decode()
    assert page.count("You are registered — pending validation") == 1 + 3
    assert count_register_page_queries(client_of) == at_one


def test_registrations_by_meeting_prefers_the_active_one(participant, sg1):
    meeting = MeetingFactory(study_group=sg1)
    other = MeetingFactory(study_group=sg1, title="Other")
    active = RegistrationFactory(participant=participant, meeting=meeting)
    RegistrationFactory(participant=participant, meeting=meeting, status=RegistrationStatus.CANCELLED)
    standing = services.registrations_by_meeting(participant=participant, meetings=[meeting, other])
    assert standing == {meeting.pk: active}
    assert services.registration_blocks_another(standing[meeting.pk])
    assert not services.registration_blocks_another(None)


# --- Each step leads to the next ---------------------------------------------------------------


def test_after_signing_up_and_confirming_the_email_the_person_lands_on_their_profile(client):
    signup(client, "wanjiru@sme.example")
    response = client.post(confirmation_url("wanjiru@sme.example"))
    assert response.status_code == 302
    assert response["Location"] == reverse("registration:profile")
    page = client.get(response["Location"])
    assert page.status_code == 200 and page.wsgi_request.user.email == "wanjiru@sme.example"


def test_after_the_profile_the_sme_step_then_register_for_meetings(client):
    user = UserFactory()
    kenya = AdministrationFactory(country="KE")
    sme = SMEFactory(administration=kenya, name="Nairobi Mesh")
    client.force_login(user)
    profile = {"given_name": "Wanjiru", "family_name": "Kamau", "job_title": "", "administration": kenya.pk}
    response = client.post(reverse("registration:profile"), {**profile, "privacy_consent": "on"})
    assert response["Location"] == reverse("registration:profile_sme")

    response = client.post(reverse("registration:profile_sme"), {"sme": sme.pk})
    assert response.status_code == 302
    assert response["Location"] == reverse("registration:new")

    # Saving the profile again, the SME being known, points to the meetings.
    response = client.post(reverse("registration:profile"), profile, follow=True)
    assert f'href="{reverse("registration:new")}"' in response.content.decode()


def test_after_declaring_an_sme_register_for_meetings(client_of, participant):
    participant.sme = None
    participant.save()
    data = {
        "name": "Lake Basin Networks",
        "employees": "12",
        "annual_revenue": "250000",
        "revenue_currency": "KES",
        "website": "",
        "address": "Kisumu",
    }
    response = client_of.post(reverse("registration:sme_declare"), data)
    assert response.status_code == 302
    assert response["Location"] == reverse("registration:new")


def next_step_of(client) -> str:
    page = client.get(reverse("home")).content.decode()
    match = re.search(r'<section[^>]*class="next-step"[^>]*>(.*?)</section>', page, re.S)
    assert match, "the home page shows no next step"
    return match.group(1)


def test_home_page_shows_the_persons_next_step(client):
    user = UserFactory()
    client.force_login(user)
    ParticipantProfile.objects.create(user=user, given_name="Wanjiru", family_name="Kamau", privacy_consent_at=NOW)
    step = next_step_of(client)
    assert f'href="{reverse("registration:profile")}"' in step and "Fill in your profile" in step

    profile = ParticipantProfile.objects.get(user=user)
    profile.administration = AdministrationFactory(country="KE")
    profile.save()
    step = next_step_of(client)
    assert f'href="{reverse("registration:profile_sme")}"' in step and "Say which SME you represent" in step

    profile.sme = SMEFactory(administration=profile.administration)
    profile.save()
    step = next_step_of(client)
    assert f'href="{reverse("registration:new")}"' in step and "Register for meetings" in step


def test_home_page_of_a_focal_point_leads_to_the_requests_not_to_a_profile(client):
    focal_point = FocalPointFactory()
    sign_in_with_second_factor(client, focal_point.user)
    step = next_step_of(client)
    assert f'href="{reverse("focalpoints:pending")}"' in step
    assert "Fill in your profile" not in step


def test_home_page_signed_out_offers_to_create_an_account(client):
    page = client.get(reverse("home")).content.decode()
    assert f'href="{reverse("account_signup")}"' in page
    assert 'class="next-step"' not in page


# --- Countries by name, in the reader's language ------------------------------------------------


def option_texts(page: str, name: str) -> list[str]:
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', page, re.S)
    assert select, f"no select named {name}"
    return [
        text.strip()
        for value, text in re.findall(r'<option value="([^"]*)"[^>]*>(.*?)</option>', select.group(1))
        if value
    ]


@pytest.fixture
def four_countries():
    return [AdministrationFactory(country=code) for code in ("BR", "CH", "DE", "EG")]


def test_profile_lists_countries_by_name_in_french(client, four_countries):
    client.force_login(UserFactory())
    page = client.get(reverse("registration:profile"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert option_texts(page, "administration") == ["Allemagne", "Brésil", "Égypte", "Suisse"]
    page = client.get(reverse("registration:profile"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert option_texts(page, "administration") == ["Brazil", "Egypt", "Germany", "Switzerland"]


def test_profile_form_sorts_countries_in_the_active_language(four_countries):
    with translation.override("fr"):
        labels = [str(label) for value, label in ProfileForm(needs_consent=False).fields["administration"].choices]
    assert labels[1:] == ["Allemagne", "Brésil", "Égypte", "Suisse"]


def test_focal_point_pages_list_their_administrations_by_name(client, four_countries):
    user = UserFactory()
    for administration in four_countries:
        FocalPointFactory(administration=administration, user=user, email=user.email)
    sign_in_with_second_factor(client, user)
    page = client.get(reverse("focalpoints:pending"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Allemagne, Brésil, Égypte, Suisse" in page


# --- The SME's currency: ISO 4217, amounts written the reader's way ----------------------------


def declare(client, currency):
    return client.post(
        reverse("registration:sme_declare"),
        {
            "name": "Lake Basin Networks",
            "employees": "12",
            "annual_revenue": "1200000",
            "revenue_currency": currency,
            "website": "",
            "address": "Kisumu",
        },
    )


@pytest.fixture
def without_sme(participant):
    participant.sme = None
    participant.save()
    return participant


def test_the_currency_is_chosen_from_iso_4217_currencies_named_in_the_readers_language(client_of, without_sme):
    page = client_of.get(reverse("registration:sme_declare")).content.decode()
    assert '<select name="revenue_currency"' in page
    assert re.search(r'<option value="KES"[^>]*>Kenyan Shilling \(KES\)</option>', page)
    assert 'value="DEM"' not in page  # the Deutsche Mark is no longer current
    page = client_of.get(reverse("registration:sme_declare"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert re.search(r'<option value="KES"[^>]*>shilling kényan \(KES\)</option>', page)


@pytest.mark.parametrize("posted", ["SHI", "12$", "shillings", "DEM", ""])
def test_a_currency_that_is_not_iso_4217_gets_a_field_error_and_nothing_is_saved(client_of, without_sme, posted):
    response = declare(client_of, posted)
    assert response.status_code == 400
    form = response.context["form"]
    assert form.errors["revenue_currency"]
    if posted:
        assert f"“{posted}” is not" in form.errors["revenue_currency"][0]
    assert not SME.objects.filter(name="Lake Basin Networks").exists()


def test_a_currency_code_in_small_letters_is_read_as_the_code(client_of, without_sme):
    assert declare(client_of, "kes").status_code == 302
    assert SME.objects.get(name="Lake Basin Networks").revenue_currency == "KES"


@pytest.mark.parametrize("code", ["SHI", "12$", "DEM", "shillings"])
def test_the_services_refuse_a_code_that_is_not_a_current_iso_4217_currency(without_sme, code):
    with pytest.raises(ValidationError) as excinfo:
        services.sme_declare(
            user=without_sme.user,
            name="X",
            employees=1,
            annual_revenue=Decimal(1),
            revenue_currency=code,
            website="",
            address="x",
        )
    assert excinfo.value.error_dict["revenue_currency"][0].code == "currency"
    sme = SMEFactory.build(administration=AdministrationFactory(), revenue_currency=code)
    with pytest.raises(ValidationError) as excinfo:
        services.sme_secretariat_save(sme=sme, saved_by=UserFactory())
    assert excinfo.value.error_dict["revenue_currency"][0].code == "currency"
    assert not SME.objects.filter(name="X").exists()


def test_an_sme_keeps_a_currency_withdrawn_since_it_was_declared(without_sme):
    sme = SMEFactory(revenue_currency="HRK")  # Croatia moved to the euro in 2023
    sme.address = "Ilica 1, Zagreb"
    services.sme_secretariat_save(sme=sme, saved_by=UserFactory())
    sme.refresh_from_db()
    assert (sme.address, sme.revenue_currency) == ("Ilica 1, Zagreb", "HRK")
    other = SMEFactory(revenue_currency="USD")
    other.revenue_currency = "HRK"
    with pytest.raises(ValidationError):
        services.sme_secretariat_save(sme=other, saved_by=UserFactory())


@pytest.fixture
def focal_client(client):
    focal_point = FocalPointFactory()
    SMEFactory(
        administration=focal_point.administration,
        name="Savannah Fibre Ltd",
        annual_revenue=Decimal("1200000.00"),
        revenue_currency="KES",
    )
    sign_in_with_second_factor(client, focal_point.user)
    return client


@pytest.mark.parametrize(("language", "amount"), [("en", "KES 1,200,000.00"), ("fr", "1 200 000,00 KES")])
def test_focal_point_pages_write_the_revenue_in_the_readers_language(focal_client, language, amount):
    sme = SME.objects.get(name="Savannah Fibre Ltd")
    for url in (reverse("focalpoints:smes"), reverse("focalpoints:sme", args=[sme.pk])):
        page = spaces(focal_client.get(url, HTTP_ACCEPT_LANGUAGE=language).content.decode())
        assert amount in page
        assert "1200000.00" not in page


def test_a_registration_request_and_its_email_write_the_revenue_the_readers_way(client, pilot, sg1):
    focal_point = FocalPointFactory()
    participant = ParticipantProfileFactory(
        sme__administration=focal_point.administration,
        sme__annual_revenue=Decimal("1200000"),
        sme__revenue_currency="KES",
    )
    client.force_login(participant.user)
    meeting = MeetingFactory(study_group=sg1)
    data = {f"meeting_{meeting.pk}": "on", f"attendance_{meeting.pk}": AttendanceMode.IN_PERSON}
    assert client.post(reverse("registration:new"), data).status_code == 302
    message = OutgoingMessage.objects.get(to=focal_point.email, template="emails/focalpoint_registration_new")
    assert "KES 1,200,000.00" in spaces(message.body_text) and "KES 1,200,000.00" in spaces(message.body_html)
    registration = Registration.objects.get(participant=participant)
    sign_in_with_second_factor(client, focal_point.user)
    page = client.get(reverse("focalpoints:registration", args=[registration.pk])).content.decode()
    assert "KES 1,200,000.00" in spaces(page)
