"""Each person's language, stored with their account, and every email written in its recipient's.

A person's language is stored when they sign up (the language they signed up in) and changed on
their profile page or with the footer's switcher (a POST, never a GET); signed in, the site shows
it. A focal point has the language the secretariat gave them (English by default) until they
choose one themselves. Every email goes in its recipient's language, whoever's action sends it:
three focal points who read French, English and Arabic get three emails in three languages, and a
registrant learns a French-speaking focal point's decision in their own language. The catalogues
are not translated yet, so the tests look at what the language changes besides sentences: the
message's language, the HTML's lang and dir, and dates written the language's way.
"""

import datetime
import importlib
import io
import re
import uuid

import pytest
from allauth.account.models import EmailAddress
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format

from focalpoints import decisions, notifications
from focalpoints.models import FocalPoint
from registration import services as registration_services
from registration.models import AttendanceMode, ParticipantProfile
from smepilot.languages import recipient_language
from smepilot.models import AccountPreferences
from smepilot.outbox.models import OutgoingMessage
from tests.factories import (
    AccountPreferencesFactory,
    AdministrationFactory,
    FocalPointFactory,
    MeetingFactory,
    OutgoingMessageFactory,
    ParticipantProfileFactory,
    RegistrationFactory,
    UserFactory,
    secretariat_officer,
)
from tests.second_factor import sign_in_with_second_factor

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-pass-phrase-for-the-pilot"
NEW = "emails/focalpoint_registration_new"
DECIDED = "emails/registration_decided"
User = get_user_model()


def stored(user) -> str | None:
    """The language stored for the account, read from the database."""
    return AccountPreferences.objects.filter(user=user).values_list("language", flat=True).first()


def html_lang_dir(message: OutgoingMessage) -> tuple[str, str]:
    match = re.search(r'<html lang="([^"]+)" dir="(ltr|rtl)">', message.body_html)
    assert match, message.body_html[:300]
    return match.group(1), match.group(2)


def written_in(language: str, day) -> str:
    """``day`` as an email in ``language`` writes it (smepilot/formats): "8 février 2027" in French."""
    with translation.override(language):
        return date_format(day, "DATE_FORMAT")


def page_lang(response) -> str:
    return re.search(r'<html lang="([^"]+)"', response.content.decode()).group(1)


def signup(client, email, language):
    return client.post(
        reverse("account_signup"),
        {
            "email": email,
            "password1": PASSWORD,
            "password2": PASSWORD,
            "given_name": "Awa",
            "family_name": "Ndiaye",
            "privacy_consent": "on",
        },
        headers={"accept-language": language},
    )


# --- Stored: at sign-up, on the profile page, with the switcher -----------------------------------


def test_signing_up_stores_the_language_in_use_and_confirms_the_address_in_it(client):
    response = signup(client, "awa@sme.example", "fr")

    assert response.status_code == 302
    user = User.objects.get(email="awa@sme.example")
    assert stored(user) == "fr"
    [confirmation] = OutgoingMessage.objects.filter(to="awa@sme.example")
    assert confirmation.template == "account/email/email_confirmation_signup"
    assert confirmation.language == "fr"
    assert html_lang_dir(confirmation) == ("fr", "ltr")


def test_signing_up_in_arabic_stores_arabic(client):
    signup(client, "layla@sme.example", "ar")
    assert stored(User.objects.get(email="layla@sme.example")) == "ar"


def profile_data(profile, **changes):
    return {
        "given_name": profile.given_name,
        "family_name": profile.family_name,
        "job_title": profile.job_title,
        "administration": profile.administration_id,
        **changes,
    }


def test_the_profile_page_offers_the_language_and_changes_it(client, participant):
    AccountPreferencesFactory(user=participant.user, language="en")
    client.force_login(participant.user)
    page = client.get(reverse("registration:profile")).content.decode()
    assert '<label for="id_language">Language for the site and emails:</label>' in page
    # Each language in its own name, marked as such for screen readers; the stored one chosen.
    assert re.search(r'<option value="fr" lang="fr">\s*français\s*</option>', page)
    assert re.search(r'<option value="en" lang="en" selected>', page)

    response = client.post(reverse("registration:profile"), profile_data(participant, language="ar"))

    assert response.status_code == 302
    assert stored(participant.user) == "ar"
    # The next page is in it, whatever the browser asks for.
    response = client.get(reverse("registration:profile"), headers={"accept-language": "en"})
    assert re.search(r'<html lang="ar" dir="rtl">', response.content.decode())


def test_the_profile_service_refuses_a_language_the_site_does_not_offer(participant):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as error:
        registration_services.profile_save(
            user=participant.user,
            given_name="A",
            family_name="B",
            job_title="",
            administration=participant.administration,
            language="de",
        )
    assert "language" in error.value.message_dict
    assert not AccountPreferences.objects.filter(user=participant.user).exists()


def test_a_profile_posted_without_a_language_keeps_the_stored_one(client, participant):
    AccountPreferencesFactory(user=participant.user, language="ru")
    client.force_login(participant.user)
    response = client.post(reverse("registration:profile"), profile_data(participant))
    assert response.status_code == 302
    assert stored(participant.user) == "ru"


def test_the_switcher_stores_a_signed_in_persons_choice_on_post_only(participant):
    client = Client(enforce_csrf_checks=True)
    client.force_login(participant.user)
    url = reverse("meetings:list")
    client.get(url)
    token = client.cookies[settings.CSRF_COOKIE_NAME].value

    # A GET (a link, a prefetch) changes nothing; a POST without the token neither.
    assert client.get(reverse("set_language"), {"language": "es", "next": url}).status_code == 405
    assert client.post(reverse("set_language"), {"language": "es", "next": url}).status_code == 403
    assert stored(participant.user) is None

    response = client.post(reverse("set_language"), {"language": "es", "next": url, "csrfmiddlewaretoken": token})

    assert response.status_code == 302
    assert stored(participant.user) == "es"
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "es"


def test_the_switcher_ignores_a_language_the_site_does_not_offer(client, participant):
    AccountPreferencesFactory(user=participant.user, language="fr")
    client.force_login(participant.user)
    response = client.post(reverse("set_language"), {"language": "xx", "next": "/"})
    assert response.status_code == 302
    assert stored(participant.user) == "fr"


def test_the_switcher_stores_nothing_for_someone_signed_out(client):
    response = client.post(reverse("set_language"), {"language": "fr", "next": "/"})
    assert response.status_code == 302
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "fr"
    assert not AccountPreferences.objects.exists()


def test_signed_in_the_site_shows_the_stored_language_whatever_the_browser_asks(client, participant):
    AccountPreferencesFactory(user=participant.user, language="ar")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(participant.user)

    response = client.get(reverse("meetings:list"), headers={"accept-language": "fr"})

    assert re.search(r'<html lang="ar" dir="rtl">', response.content.decode())
    assert response["Content-Language"] == "ar"
    # Signed out, the browser's choice again.
    client.post(reverse("account_logout"))
    assert page_lang(client.get(reverse("meetings:list"), headers={"accept-language": "fr"})) == "en"


def test_signed_in_without_a_stored_language_the_browser_decides(client, participant):
    client.force_login(participant.user)
    assert page_lang(client.get(reverse("meetings:list"), headers={"accept-language": "fr"})) == "fr"


# --- The one rule: whose language an email is in --------------------------------------------------


def test_the_persons_own_choice_wins_over_the_secretariats():
    focal_point = FocalPointFactory(language="fr")
    assert recipient_language(user=focal_point.user, designated=focal_point.language) == "fr"
    AccountPreferencesFactory(user=focal_point.user, language="es")
    focal_point = FocalPoint.objects.select_related("user__preferences").get(pk=focal_point.pk)
    assert recipient_language(user=focal_point.user, designated=focal_point.language) == "es"


def test_without_a_stored_language_the_fallback_else_the_sites_default(settings):
    user = UserFactory()
    assert recipient_language(user=user) == settings.LANGUAGE_CODE
    assert recipient_language(user=user, fallback="ru") == "ru"
    assert recipient_language(user=None, fallback="zh-hans") == "zh-hans"
    AccountPreferencesFactory(user=user, language="ar")
    user = User.objects.get(pk=user.pk)
    assert recipient_language(user=user, fallback="ru") == "ar"


def test_an_address_is_read_as_its_accounts_language():
    user = UserFactory(email="Owner@SME.example")
    AccountPreferencesFactory(user=user, language="ru")
    assert recipient_language(email="owner@sme.example", fallback="en") == "ru"
    assert recipient_language(email="nobody@sme.example", fallback="es") == "es"


def test_a_focal_point_reads_english_unless_the_secretariat_says_otherwise():
    focal_point = FocalPoint.objects.create(
        administration=AdministrationFactory(), name="Jean Dupont", email="jean@arcep.example"
    )
    assert focal_point.language == "en"


# --- Focal points: each in their language ---------------------------------------------------------


@pytest.fixture
def three_readers(registration, focal_point):
    """The Administration's three focal points: French (the secretariat's choice), English (the default)
    and Arabic (their own choice, over the secretariat's French)."""
    focal_point.language = "fr"
    focal_point.save()
    english = FocalPointFactory(administration=focal_point.administration)
    arabic = FocalPointFactory(administration=focal_point.administration, language="fr")
    AccountPreferencesFactory(user=arabic.user, language="ar")
    return {"fr": focal_point, "en": english, "ar": arabic}


def test_three_focal_points_get_three_emails_in_three_languages(registration, three_readers):
    assert notifications.registrations_notify_focal_points(registrations=[registration]) == 3

    starts_on = registration.meeting.starts_on
    for language, focal_point in three_readers.items():
        [message] = OutgoingMessage.objects.filter(template=NEW, to=focal_point.email)
        assert message.language == language
        assert html_lang_dir(message) == (language, "rtl" if language == "ar" else "ltr")
        # Rendered with the language active: the meeting's date written its way, in both parts.
        assert written_in(language, starts_on) in message.body_text
        assert written_in(language, starts_on) in message.body_html
    assert written_in("en", starts_on) != written_in("fr", starts_on) != written_in("ar", starts_on)


def test_a_focal_point_given_french_in_the_admin_gets_french(officer_client, focal_point):
    url = reverse("admin:focalpoints_focalpoint_change", args=[focal_point.pk])
    page = officer_client.get(url).content.decode()
    assert 'name="language"' in page
    response = officer_client.post(
        url,
        {
            "administration": focal_point.administration_id,
            "name": focal_point.name,
            "email": focal_point.email,
            "language": "fr",
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    focal_point.refresh_from_db()
    assert focal_point.language == "fr"


def test_the_admin_refuses_a_language_the_site_does_not_offer(officer_client, focal_point):
    url = reverse("admin:focalpoints_focalpoint_change", args=[focal_point.pk])
    response = officer_client.post(
        url,
        {
            "administration": focal_point.administration_id,
            "name": focal_point.name,
            "email": focal_point.email,
            "language": "de",
            "is_active": "on",
        },
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    focal_point.refresh_from_db()
    assert focal_point.language == "en"


def test_a_new_registration_tells_each_focal_point_in_their_language(client, pilot, three_readers):
    participant = ParticipantProfileFactory(sme__administration=three_readers["fr"].administration)
    meeting = MeetingFactory(study_group=pilot.study_groups.get())
    AccountPreferencesFactory(user=participant.user, language="ru")
    client.force_login(participant.user)

    response = client.post(
        reverse("registration:new"),
        {f"meeting_{meeting.pk}": "on", f"attendance_{meeting.pk}": AttendanceMode.IN_PERSON},
        headers={"accept-language": "es"},
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    languages = dict(OutgoingMessage.objects.filter(template=NEW).values_list("to", "language"))
    assert languages == {fp.email: language for language, fp in three_readers.items()}
    # The registrant's acknowledgement in the language they chose (the site shows it too).
    [acknowledgement] = OutgoingMessage.objects.filter(template="emails/registration_acknowledgement")
    assert acknowledgement.language == "ru"


def test_the_reminder_digest_goes_to_each_focal_point_in_their_language(registration, three_readers):
    registration.created_at = timezone.now() - datetime.timedelta(days=10)
    registration.save(update_fields=["created_at"])

    assert notifications.focal_point_reminders_queue() == 3

    digests = OutgoingMessage.objects.filter(template="emails/focalpoint_reminder")
    assert dict(digests.values_list("to", "language")) == {fp.email: lang for lang, fp in three_readers.items()}
    for digest in digests:
        assert html_lang_dir(digest)[0] == digest.language


def test_a_cancellation_tells_each_focal_point_in_their_language(registration, three_readers):
    decisions.registration_decide(registration=registration, decided_by=three_readers["en"].user, approve=True)
    registration_services.registration_cancel(registration=registration, cancelled_by=registration.participant.user)
    cancelled = OutgoingMessage.objects.filter(template="emails/focalpoint_registration_cancelled")
    assert dict(cancelled.values_list("to", "language")) == {fp.email: lang for lang, fp in three_readers.items()}


def test_a_focal_point_account_linked_at_the_first_email_brings_its_own_choice(registration):
    """Designated by an address that already has an account (they signed up in Spanish): their choice."""
    owner = UserFactory(email="ines@mintel.example")
    AccountPreferencesFactory(user=owner, language="es")
    FocalPoint.objects.create(
        administration=registration.sme.administration, name="Inés", email="ines@mintel.example", language="fr"
    )
    notifications.registrations_notify_focal_points(registrations=[registration])
    assert OutgoingMessage.objects.get(template=NEW, to="ines@mintel.example").language == "es"


# --- The registrant: their language, whoever decides ----------------------------------------------


def test_the_outcome_goes_in_the_registrants_language_when_a_french_focal_point_decides_in_french(
    client, registration, focal_point
):
    focal_point.language = "fr"
    focal_point.save()
    AccountPreferencesFactory(user=focal_point.user, language="fr")
    AccountPreferencesFactory(user=registration.participant.user, language="ar")
    sign_in_with_second_factor(client, focal_point.user)

    response = client.post(
        reverse("focalpoints:registration", args=[registration.pk]),
        {"registration": registration.pk, "decision": "approve"},
        headers={"accept-language": "fr"},
    )

    assert response.status_code == 302
    follow = client.get(response["Location"])
    assert page_lang(follow) == "fr"  # the focal point's session is French
    [outcome] = OutgoingMessage.objects.filter(template=DECIDED)
    assert outcome.language == "ar"
    assert html_lang_dir(outcome) == ("ar", "rtl")
    assert written_in("ar", registration.meeting.starts_on) in outcome.body_text
    # The calendar file is written in it too.
    attachment, _check_in_qr_code = outcome.attachments  # in person: the calendar, then the badge's QR code
    assert written_in("ar", registration.meeting.starts_on) in attachment["content"].replace("\r\n ", "")


def test_a_registrant_without_a_stored_language_hears_in_the_sites_default_not_the_deciders(registration, focal_point):
    with translation.override("fr"):
        decisions.registration_decide(registration=registration, decided_by=focal_point.user, approve=True)
    assert OutgoingMessage.objects.get(template=DECIDED).language == settings.LANGUAGE_CODE


def test_refusing_an_sme_tells_each_registrant_in_their_own_language(focal_point):
    from registration.models import Eligibility

    sme_registrations = [
        RegistrationFactory(participant__sme__administration=focal_point.administration) for _ in range(2)
    ]
    sme = sme_registrations[0].sme
    sme.eligibility = Eligibility.PENDING
    sme.save()
    other = RegistrationFactory(participant__sme=sme)
    for registration, language in zip([sme_registrations[0], other], ["zh-hans", "ru"], strict=True):
        AccountPreferencesFactory(user=registration.participant.user, language=language)

    with translation.override("fr"):
        decisions.sme_eligibility_decide(sme=sme, decided_by=focal_point.user, confirm=False, reason="Too large.")

    told = dict(OutgoingMessage.objects.filter(template=DECIDED).values_list("to", "language"))
    assert told == {
        sme_registrations[0].participant.user.email: "zh-hans",
        other.participant.user.email: "ru",
    }


def test_the_secretariat_registering_someone_acknowledges_in_the_registrants_language(pilot, participant):
    AccountPreferencesFactory(user=participant.user, language="es")
    FocalPointFactory(administration=participant.sme.administration)
    meeting = MeetingFactory(study_group=pilot.study_groups.get())

    with translation.override("fr"):
        registration_services.registration_create(
            participant=participant, choices=[(meeting, AttendanceMode.REMOTE)], added_by=secretariat_officer()
        )

    assert OutgoingMessage.objects.get(template="emails/registration_acknowledgement").language == "es"


def test_reopening_tells_the_registrant_in_their_language(registration, focal_point):
    AccountPreferencesFactory(user=registration.participant.user, language="ru")
    decisions.registration_decide(registration=registration, decided_by=focal_point.user, approve=True)
    with translation.override("en"):
        decisions.registration_reopen(registration=registration, reopened_by=secretariat_officer(), reason="Error.")
    reopened = OutgoingMessage.objects.get(template="emails/registration_reopened")
    assert reopened.language == "ru"
    assert html_lang_dir(reopened) == ("ru", "ltr")


# --- allauth's emails: the address's account, else the language in use ----------------------------


def test_a_confirmation_resent_from_an_english_browser_goes_in_the_accounts_language(client):
    user = UserFactory(email="amal@sme.example", verified_email=False, password=PASSWORD)
    EmailAddress.objects.create(user=user, email=user.email, verified=False, primary=True)
    AccountPreferencesFactory(user=user, language="ar")

    client.post(
        reverse("account_login"),
        {"login": "amal@sme.example", "password": PASSWORD},
        headers={"accept-language": "en"},
    )

    [confirmation] = OutgoingMessage.objects.filter(to="amal@sme.example", template__startswith="account/email/")
    assert confirmation.template == "account/email/email_confirmation"
    assert confirmation.language == "ar"
    assert html_lang_dir(confirmation) == ("ar", "rtl")


def test_a_sign_in_code_goes_in_the_accounts_language(client):
    user = UserFactory(email="olga@sme.example")
    AccountPreferencesFactory(user=user, language="ru")
    client.post(
        reverse("account_request_login_code"), {"email": "olga@sme.example"}, headers={"accept-language": "fr"}
    )
    [code] = OutgoingMessage.objects.filter(to="olga@sme.example")
    assert (code.template, code.language) == ("account/email/login_code", "ru")
    assert html_lang_dir(code) == ("ru", "ltr")


def test_a_password_reset_goes_in_the_accounts_language_and_an_unknown_address_in_the_language_in_use(client):
    user = UserFactory(email="chen@sme.example")
    AccountPreferencesFactory(user=user, language="zh-hans")
    for address in ("chen@sme.example", "stranger@sme.example"):
        client.post(reverse("account_reset_password"), {"email": address}, headers={"accept-language": "es"})
    assert OutgoingMessage.objects.get(to="chen@sme.example").language == "zh-hans"
    assert OutgoingMessage.objects.get(to="stranger@sme.example").language == "es"


def test_an_account_without_a_stored_language_gets_allauths_emails_in_the_language_in_use(client):
    UserFactory(email="nolang@sme.example")
    client.post(
        reverse("account_request_login_code"), {"email": "nolang@sme.example"}, headers={"accept-language": "fr"}
    )
    assert OutgoingMessage.objects.get(to="nolang@sme.example").language == "fr"


# --- Query counts stay flat -----------------------------------------------------------------------


def _queries(callable_):
    with CaptureQueriesContext(connection) as captured:
        callable_()
    return [query["sql"] for query in captured]


def _reads(queries):
    return [sql for sql in queries if sql.lstrip().upper().startswith("SELECT")]


def test_the_focal_points_languages_are_read_with_the_focal_points(registration, focal_point):
    AccountPreferencesFactory(user=focal_point.user, language="fr")
    one = _queries(lambda: notifications.registrations_notify_focal_points(registrations=[registration]))
    for language in ("ar", "es", "ru", None):
        colleague = FocalPointFactory(administration=focal_point.administration, language="fr")
        if language:
            AccountPreferencesFactory(user=colleague.user, language=language)
    five = _queries(lambda: notifications.registrations_notify_focal_points(registrations=[registration]))

    assert len(_reads(five)) == len(_reads(one))
    # Read with the focal points, and with the running deputies: never one query per person.
    assert sum("accountpreferences" in sql for sql in five) == 2


def test_the_reminder_reads_the_focal_points_languages_with_them(registration, focal_point):
    registration.created_at = timezone.now() - datetime.timedelta(days=10)
    registration.save(update_fields=["created_at"])
    one = _queries(notifications.focal_point_reminders_queue)
    FocalPoint.objects.update(last_reminder_at=None)
    for language in ("ar", "es", None):
        colleague = FocalPointFactory(administration=focal_point.administration)
        if language:
            AccountPreferencesFactory(user=colleague.user, language=language)
    four = _queries(notifications.focal_point_reminders_queue)

    assert len(_reads(four)) == len(_reads(one))
    assert sum("accountpreferences" in sql for sql in four) == 1


def test_refusing_an_sme_reads_its_registrants_languages_with_their_registrations(focal_point):
    from registration.models import SME, Eligibility

    def refuse(count):
        sme = SME.objects.create(
            administration=focal_point.administration,
            name=f"SME {uuid.uuid4()}",
            employees=5,
            annual_revenue=1,
            revenue_currency="USD",
            address="Somewhere",
            eligibility=Eligibility.PENDING,
        )
        for _ in range(count):
            registration = RegistrationFactory(participant__sme=sme)
            AccountPreferencesFactory(user=registration.participant.user, language="ar")
        return _queries(
            lambda: decisions.sme_eligibility_decide(sme=sme, decided_by=focal_point.user, confirm=False, reason="No")
        )

    one, four = refuse(1), refuse(4)
    assert sum("accountpreferences" in sql for sql in four) == sum("accountpreferences" in sql for sql in one) == 1


# --- Accounts from before languages were stored ---------------------------------------------------


def test_accounts_that_registered_before_keep_the_language_of_their_acknowledgement():
    migration = importlib.import_module("smepilot.migrations.0002_languages_from_acknowledgements")
    registrant = ParticipantProfileFactory(user__email="Old@SME.example").user
    chose = AccountPreferencesFactory(language="es").user
    OutgoingMessageFactory(to="old@sme.example", template="emails/registration_acknowledgement", language="fr")
    OutgoingMessageFactory(to="old@sme.example", template="emails/registration_acknowledgement", language="ar")
    OutgoingMessageFactory(to=chose.email, template="emails/registration_acknowledgement", language="ru")
    OutgoingMessageFactory(to="gone@sme.example", template="emails/registration_acknowledgement", language="ru")
    never = UserFactory()

    migration.preferences_from_acknowledgements(apps, connection.schema_editor())

    assert stored(User.objects.get(pk=registrant.pk)) == "ar"  # the latest
    assert stored(User.objects.get(pk=chose.pk)) == "es"  # their own choice stays
    assert stored(User.objects.get(pk=never.pk)) is None
    assert AccountPreferences.objects.count() == 2
    assert ParticipantProfile.objects.filter(user=registrant).exists()


# --- The demo -------------------------------------------------------------------------------------


def test_the_demo_has_focal_points_who_read_french_and_arabic(settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=io.StringIO())
    languages = dict(FocalPoint.objects.values_list("email", "language"))
    assert languages["focal.sn@artp.example"] == "fr"  # Senegal
    assert languages["focal.eg@ntra.example"] == languages["focal.jo@trc.example"] == "ar"  # Egypt, Jordan
    assert languages["focal@smepilot.example"] == "en"  # Kenya's, the demo account
    # The secretariat's choice only: the demo accounts chose no language of their own.
    assert not AccountPreferences.objects.exists()


def test_an_arabic_reading_focal_point_gets_an_arabic_email_for_an_english_speakers_registration(
    client, pilot, focal_point
):
    """Written in Arabic from the catalogue, not merely marked so: subject, text and HTML parts."""
    from django.utils import translation

    focal_point.language = "ar"
    focal_point.save()
    participant = ParticipantProfileFactory(sme__administration=focal_point.administration)
    AccountPreferencesFactory(user=participant.user, language="en")
    meeting = MeetingFactory(study_group=pilot.study_groups.get())
    client.force_login(participant.user)

    response = client.post(
        reverse("registration:new"),
        {f"meeting_{meeting.pk}": "on", f"attendance_{meeting.pk}": AttendanceMode.IN_PERSON},
        headers={"accept-language": "en"},
    )

    assert response.status_code == 302
    [message] = OutgoingMessage.objects.filter(template=NEW, to=focal_point.email)
    with translation.override("ar"):
        subject_start = translation.gettext("[ITU-D SME pilot] To validate: %(name)s (%(sme)s)").split("%(")[0]
        approve_or_reject = translation.gettext("Approve or reject (you will be asked to sign in):")
    assert subject_start.strip() and subject_start != "[ITU-D SME pilot] To validate: "
    assert message.subject.startswith(subject_start.strip())
    assert re.search("[\u0600-\u06ff]{3}", message.body_text)
    assert html_lang_dir(message) == ("ar", "rtl")
    assert approve_or_reject != "Approve or reject (you will be asked to sign in):"
    assert approve_or_reject in message.body_text and "Approve or reject" not in message.body_text
    assert "To validate" not in message.subject
    [acknowledgement] = OutgoingMessage.objects.filter(template="emails/registration_acknowledgement")
    assert acknowledgement.language == "en" and "We received your registration" in acknowledgement.body_text
