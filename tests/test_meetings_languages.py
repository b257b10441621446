"""Study group titles, meeting titles and places in ITU's six languages, shown in the reader's, else English.

The secretariat enters them in the admin (English required, the other five optional); every page,
email, calendar file, export, report and admin list shows the reader's language, and falls back to
the English one where that language was left empty.
"""

import datetime
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from focalpoints.ics import meeting_ics
from focalpoints.notifications import registrations_notify_focal_points
from meetings.models import Meeting, StudyGroup
from meetings.report import pilot_report_figures
from meetings.services import meeting_save
from registration.exports import registration_export_rows
from registration.models import AttendanceMode, Registration, RegistrationStatus
from registration.selectors import registrations_of
from smepilot.outbox.services import mail_render
from tests import factories

pytestmark = pytest.mark.django_db

URL = reverse("meetings:list")
DAY = datetime.timedelta(days=1)

SG1_EN = "Enabling environment for the development of telecommunications/ICTs"
SG1_FR = "Environnement propice au développement des télécommunications/TIC"
SG1_EN_MEETING = "ITU-D Study Group 1, first meeting"
SG1_FR_MEETING = "Commission d'études 1 de l'UIT-D, première réunion"
GENEVA_EN = "Geneva, Switzerland"
GENEVA_FR = "Genève, Suisse"


@pytest.fixture
def sg1():
    study_group = factories.StudyGroupFactory(number=1, title_en=SG1_EN, title_fr=SG1_FR)
    factories.PilotFactory(study_groups=[study_group])
    return study_group


@pytest.fixture
def meeting(sg1):
    return factories.MeetingFactory(
        study_group=sg1, title_en=SG1_EN_MEETING, title_fr=SG1_FR_MEETING, place_en=GENEVA_EN, place_fr=GENEVA_FR
    )


def page(client, language):
    response = client.get(URL, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    assert response.headers["Content-Language"] == language
    return response.content.decode()


# --- The site's pages -----------------------------------------------------------------------------


def test_the_meetings_page_shows_the_french_title_and_place_in_french(client, meeting):
    french = page(client, "fr")
    assert SG1_FR_MEETING.replace("'", "&#x27;") in french
    assert SG1_FR in french
    assert GENEVA_FR in french
    assert SG1_EN_MEETING not in french and SG1_EN not in french and GENEVA_EN not in french


def test_the_meetings_page_shows_the_english_title_and_place_in_english(client, meeting):
    english = page(client, "en")
    assert SG1_EN_MEETING in english and SG1_EN in english and GENEVA_EN in english
    assert "première réunion" not in english and SG1_FR not in english and GENEVA_FR not in english


def test_a_language_left_empty_falls_back_to_english(client, meeting):
    meeting.title_ar = ""
    meeting.save()
    arabic = page(client, "ar")
    assert SG1_EN_MEETING in arabic and SG1_EN in arabic and GENEVA_EN in arabic


def test_the_meetings_of_a_day_are_in_the_order_of_their_titles_in_the_readers_language(client, sg1):
    starts_on = factories.today() + 40 * DAY
    same_day = {"study_group": sg1, "kind": "rapporteur_group", "starts_on": starts_on}
    factories.MeetingFactory(**same_day, title_en="A: Question 1/1", title_fr="C : Question 1/1")
    factories.MeetingFactory(**same_day, title_en="B: Question 6/1")  # no French: read, and sorted, in English
    factories.MeetingFactory(**same_day, title_en="C: Question 3/1", title_fr="A : Question 3/1")
    english, french = page(client, "en"), page(client, "fr")
    assert english.index("A: Question 1/1") < english.index("B: Question 6/1") < english.index("C: Question 3/1")
    assert french.index("A : Question 3/1") < french.index("B: Question 6/1") < french.index("C : Question 1/1")


def count_queries(client, language):
    with CaptureQueriesContext(connection) as context:
        page(client, language)
    return len(context.captured_queries)


def test_the_meetings_page_costs_the_same_queries_in_every_language_and_at_1_and_50_meetings(client, sg1):
    factories.MeetingFactory(study_group=sg1, title_fr="Réunion")
    at_one = count_queries(client, "en")
    assert count_queries(client, "fr") == count_queries(client, "ar") == at_one
    for index in range(49):
        factories.MeetingFactory(study_group=sg1, title_en=f"Meeting {index}", title_fr=f"Réunion {index}")
    assert count_queries(client, "en") == count_queries(client, "fr") == count_queries(client, "zh-hans") == at_one


def test_my_registrations_are_in_the_readers_language_and_order(sg1):
    profile = factories.ParticipantProfileFactory()
    starts_on = factories.today() + 40 * DAY
    for title_en, title_fr in (("A meeting", "Z réunion"), ("B meeting", "Y réunion")):
        meeting = factories.MeetingFactory(study_group=sg1, starts_on=starts_on, title_en=title_en, title_fr=title_fr)
        factories.RegistrationFactory(participant=profile, sme=profile.sme, meeting=meeting)
    with translation.override("fr"):
        assert [r.meeting.title for r in registrations_of(user=profile.user)] == ["Y réunion", "Z réunion"]
    with translation.override("en"):
        assert [r.meeting.title for r in registrations_of(user=profile.user)] == ["A meeting", "B meeting"]


# --- Emails and the calendar file ------------------------------------------------------------------


def test_the_focal_points_email_rendered_in_french_carries_the_french_title_and_place(meeting, focal_point):
    registration = factories.RegistrationFactory(
        meeting=meeting, participant__sme__administration=focal_point.administration
    )
    with mock.patch("focalpoints.notifications.mail_queue") as queued:
        registrations_notify_focal_points(registrations=[registration])
    context = queued.call_args.kwargs["context"]  # the email's own, rendered below as the outbox does
    with translation.override("fr"):
        _subject, text, html = mail_render(template="emails/focalpoint_registration_new", context=context)
    assert SG1_FR_MEETING in text and GENEVA_FR in text
    assert SG1_EN_MEETING not in text + html
    with translation.override("en"):
        _subject, text, _html = mail_render(template="emails/focalpoint_registration_new", context=context)
    assert SG1_EN_MEETING in text and SG1_FR_MEETING not in text


def test_the_calendar_file_in_french_names_the_meeting_and_place_in_french(meeting):
    registration = factories.RegistrationFactory(meeting=meeting, attendance_mode=AttendanceMode.IN_PERSON)
    with translation.override("fr"):
        ics = meeting_ics(registration=registration).replace("\r\n ", "")
    assert "SUMMARY:Commission d'études 1 de l'UIT-D\\, première réunion" in ics
    assert "LOCATION:Genève\\, Suisse" in ics


# --- Exports and the pilot report ------------------------------------------------------------------


def test_the_export_in_french_gives_the_french_title(meeting):
    factories.RegistrationFactory(meeting=meeting)
    with translation.override("fr"):
        _headers, row = registration_export_rows(queryset=Registration.objects.all())
    assert SG1_FR_MEETING in row


def test_the_pilot_report_names_the_meetings_in_the_readers_language(meeting):
    factories.RegistrationFactory(meeting=meeting, status=RegistrationStatus.PENDING)
    other = factories.MeetingFactory(study_group=meeting.study_group, title_en="Rapporteur Group meeting")
    factories.RegistrationFactory(meeting=other)
    pilot = meeting.study_group.pilots.get()
    period = {"pilot": pilot, "period_start": factories.today() - DAY, "period_end": factories.today() + DAY}
    for language, expected in (("fr", SG1_FR_MEETING), ("en", SG1_EN_MEETING), ("ar", SG1_EN_MEETING)):
        with translation.override(language):
            labels = [count.label for count in pilot_report_figures(**period).registrations_by_meeting]
        assert sorted(labels) == sorted([expected, "Rapporteur Group meeting"]), language


# --- The admin ------------------------------------------------------------------------------------


def changelist(client, model, term, language="en"):
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    response = client.get(url, {"q": term}, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return response.context["cl"].result_list


@pytest.mark.both_engines
@pytest.mark.parametrize("language", ["en", "fr", "ar"])
def test_the_admin_finds_a_meeting_by_its_title_or_place_in_any_language(officer_client, meeting, language):
    factories.MeetingFactory(title_en="Another meeting", place_en="Nairobi")
    for term in ("première réunion", "first meeting", "Genève", "Geneva, Switzerland", "Environnement propice"):
        assert list(changelist(officer_client, Meeting, term, language)) == [meeting], term
    assert list(changelist(officer_client, StudyGroup, "Environnement propice", language)) == [meeting.study_group]


@pytest.mark.both_engines
def test_the_admin_finds_registrations_and_decisions_by_their_meetings_title_in_french(officer_client, meeting):
    registration = factories.RegistrationFactory(meeting=meeting)
    factories.RegistrationFactory(meeting__title_en="Another meeting")
    decision = factories.DecisionFactory(meeting=meeting)
    factories.DecisionFactory(meeting__title_en="Another meeting")
    assert list(changelist(officer_client, Registration, "première réunion")) == [registration]
    assert list(changelist(officer_client, type(decision), "première réunion")) == [decision]


@pytest.mark.both_engines
def test_the_admins_list_shows_the_officers_language(officer_client, meeting):
    url = reverse("admin:meetings_meeting_changelist")
    french = officer_client.get(url, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "première réunion" in french and GENEVA_FR in french
    english = officer_client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert SG1_EN_MEETING in english and "première réunion" not in english


def meeting_form_data(study_group, **titles):
    start = factories.today() + 60 * DAY
    return {
        "study_group": study_group.pk,
        "kind": "study_group",
        "starts_on": start.isoformat(),
        "ends_on": (start + 4 * DAY).isoformat(),
        "remote_participation": "on",
        "registration_opens_on": factories.today().isoformat(),
        "registration_closes_on": (start - DAY).isoformat(),
        **titles,
    }


@pytest.mark.both_engines
def test_the_secretariat_enters_the_six_languages_on_the_meeting_form(officer_client, sg1):
    titles = {
        "title_en": "ITU-D Study Group 1 meeting",
        "title_fr": "Réunion de la Commission d'études 1 de l'UIT-D",
        "title_ar": "اجتماع لجنة الدراسات 1 لقطاع تنمية الاتصالات",
        "title_es": "Reunión de la Comisión de Estudio 1 del UIT-D",
        "title_ru": "Собрание 1-й Исследовательской комиссии МСЭ-D",
        "title_zh_hans": "ITU-D第1研究组会议",
        "place_en": "Geneva",
        "place_fr": "Genève",
        "place_ar": "جنيف",
    }
    response = officer_client.post(reverse("admin:meetings_meeting_add"), meeting_form_data(sg1, **titles))
    assert response.status_code == 302, response.context["adminform"].form.errors
    meeting = Meeting.objects.get()
    assert {name: getattr(meeting, name) for name in titles} == titles
    assert meeting.place_es in ("", None)
    with translation.override("ar"):
        assert (meeting.title, meeting.place) == (titles["title_ar"], "جنيف")
    with translation.override("es"):
        assert (meeting.title, meeting.place) == (titles["title_es"], "Geneva")


@pytest.mark.both_engines
def test_the_meeting_form_marks_each_field_with_its_language_and_writing_direction(officer_client, meeting):
    page = officer_client.get(reverse("admin:meetings_meeting_change", args=[meeting.pk])).content.decode()
    assert 'name="title_ar"' in page and 'name="place_zh_hans"' in page
    tag = {name: page.split(f'name="{name}"')[1].split(">")[0] for name in ("title_ar", "title_fr", "place_zh_hans")}
    assert 'lang="ar"' in tag["title_ar"] and 'dir="rtl"' in tag["title_ar"]
    assert 'lang="fr"' in tag["title_fr"] and 'dir="ltr"' in tag["title_fr"]
    assert 'lang="zh-hans"' in tag["place_zh_hans"]
    assert 'name="title"' not in page  # the untranslated column is never edited


@pytest.mark.both_engines
def test_the_meeting_form_requires_the_english_title_and_place_and_saves_nothing_without_them(officer_client, sg1):
    data = meeting_form_data(sg1, title_fr="Réunion", place_fr="Genève")
    response = officer_client.post(reverse("admin:meetings_meeting_add"), data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert set(errors) == {"title_en", "place_en"}
    assert not Meeting.objects.exists()


@pytest.mark.both_engines
def test_the_secretariat_enters_the_study_groups_titles(officer_client):
    data = {"sector": "ITU-D", "number": 2, "study_period_start": 2018, "study_period_end": 2021}
    data |= {"title_en": "ICT services and applications", "title_ru": "Услуги и приложения ИКТ"}
    data |= {f"meetings-{key}": value for key, value in {"TOTAL_FORMS": 0, "INITIAL_FORMS": 0}.items()}
    response = officer_client.post(reverse("admin:meetings_studygroup_add"), data)
    assert response.status_code == 302
    with translation.override("ru"):
        assert StudyGroup.objects.get().title == "Услуги и приложения ИКТ"
    with translation.override("fr"):
        assert StudyGroup.objects.get().title == "ICT services and applications"


# --- English stays required -----------------------------------------------------------------------


def test_the_service_refuses_a_meeting_without_an_english_title(sg1):
    meeting = factories.MeetingFactory.build(study_group=sg1, title_en="", title_fr="Réunion")
    with pytest.raises(ValidationError) as refused:
        meeting_save(meeting=meeting)
    assert "title_en" in refused.value.error_dict
    assert not Meeting.objects.exists()


@pytest.mark.both_engines
@pytest.mark.parametrize("empty", ["", None])
def test_the_database_refuses_to_clear_the_english_title_or_place_on_both_engines(meeting, empty):
    """CHECK constraints on PostgreSQL, triggers with the constraints' names on SQLite (migration 0007)."""
    for model, column, constraint in (
        (Meeting, "title_en", "meeting_title_in_english"),
        (Meeting, "place_en", "meeting_place_in_english"),
        (StudyGroup, "title_en", "studygroup_title_in_english"),
    ):
        with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
            model.objects.update(**{column: empty})
    with pytest.raises(IntegrityError, match="meeting_title_in_english"), transaction.atomic():
        Meeting.objects.create(**meeting_fields(meeting.study_group), title_fr="Réunion", place_en="Genève")
    meeting.refresh_from_db()
    assert (meeting.title_en, meeting.place_en) == (SG1_EN_MEETING, GENEVA_EN)


def test_a_meeting_made_in_code_while_french_is_active_still_has_its_english_title_and_place(sg1):
    """Code that gives one title (a factory, a script) gives the English one too: it is never left empty."""
    with translation.override("fr"):
        meeting = Meeting(**{**meeting_fields(sg1), "title": "Réunion", "place": "Genève"})
        meeting_save(meeting=meeting)
        meeting.place = "Genève (siège de l'UIT)"
        meeting_save(meeting=meeting)
    meeting.refresh_from_db()
    assert (meeting.title_en, meeting.title_fr) == ("Réunion", "Réunion")
    assert (meeting.place_en, meeting.place_fr) == ("Genève", "Genève (siège de l'UIT)")


def meeting_fields(study_group):
    start = factories.today() + 60 * DAY
    return {
        "study_group": study_group,
        "kind": "study_group",
        "starts_on": start,
        "ends_on": start + 4 * DAY,
        "registration_opens_on": factories.today(),
        "registration_closes_on": start - DAY,
    }


# --- The demo -------------------------------------------------------------------------------------

LANGUAGES = ["ar", "zh_hans", "en", "fr", "ru", "es"]


def demo_titles(study_group_number, kind):
    meeting = Meeting.objects.get(study_group__number=study_group_number, kind=kind)
    return meeting, {language: getattr(meeting, f"title_{language}") for language in LANGUAGES}


@pytest.mark.parametrize("today", [None, datetime.date(2027, 1, 5), datetime.date(2029, 12, 31)])
def test_the_demo_names_its_study_groups_meetings_and_place_in_the_six_languages(today):
    from smepilot.demo.seed import seed

    seed(letter_dates=today is None, today=today)
    for row in [*StudyGroup.objects.all(), *Meeting.objects.all()]:
        for language in LANGUAGES:
            assert getattr(row, f"title_{language}"), (row, language)
            if isinstance(row, Meeting):
                assert getattr(row, f"place_{language}"), (row, language)
    sg1, titles = demo_titles(1, "study_group")
    period = f"{sg1.study_group.study_period_start}-{sg1.study_group.study_period_end}"
    assert period == ("2018-2021" if today is None else f"{sg1.starts_on.year}-{sg1.starts_on.year + 3}")
    # ITU's own terms in each language, and the study period the moved dates fall in.
    assert titles["fr"] == f"Commission d'études 1 de l'UIT-D, première réunion de la période d'études {period}"
    assert titles["ar"].startswith("لجنة الدراسات 1 لقطاع تنمية الاتصالات") and period in titles["ar"]
    assert titles["es"].startswith("Comisión de Estudio 1 del UIT-D") and period in titles["es"]
    assert "1-я Исследовательская комиссия МСЭ-D" in titles["ru"] and period in titles["ru"]
    assert titles["zh_hans"].startswith("ITU-D第1研究组") and period in titles["zh_hans"]
    q61 = Meeting.objects.get(title_en__contains="Question 6/1")
    assert "Groupe du Rapporteur" in q61.title_fr and "Question 6/1" in q61.title_fr
    assert "فريق المقرر" in q61.title_ar and "المسألة 6/1" in q61.title_ar
    assert "Grupo de Relator" in q61.title_es and "Cuestión 6/1" in q61.title_es
    assert "Группы Докладчика" in q61.title_ru and "Вопрос 6/1" in q61.title_ru
    assert "报告人组" in q61.title_zh_hans and "课题6/1" in q61.title_zh_hans
    assert StudyGroup.objects.get(number=1).title_fr == SG1_FR  # the official title
    with translation.override("fr"):
        assert q61.place == "Genève, Suisse (siège de l'UIT)"
    with translation.override("ar"):
        assert q61.place == "جنيف، سويسرا (مقر الاتحاد الدولي للاتصالات)"


def test_moving_the_demos_dates_renames_its_titles_in_place_in_every_language():
    from smepilot.demo.seed import seed

    seed(letter_dates=True)
    count = Meeting.objects.count()
    seed(today=datetime.date(2031, 3, 3))
    assert Meeting.objects.count() == count
    _meeting, titles = demo_titles(1, "study_group")
    assert all("2018" not in title for title in titles.values())
    assert all("-20" in title for title in titles.values())
    seed(letter_dates=True)
    assert Meeting.objects.count() == count
    _meeting, titles = demo_titles(1, "study_group")
    assert all("2018-2021" in title for title in titles.values()), titles


def test_the_demos_meetings_page_in_french_and_arabic(client):
    from smepilot.demo.seed import seed

    seed()
    french = page(client, "fr")
    assert "Commission d&#x27;études 1 de l&#x27;UIT-D, première réunion" in french
    assert "Genève, Suisse" in french
    arabic = page(client, "ar")
    assert "لجنة الدراسات 2 لقطاع تنمية الاتصالات" in arabic and "جنيف، سويسرا" in arabic
