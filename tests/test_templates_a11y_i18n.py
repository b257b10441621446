"""Accessibility and languages of the pages and emails, checked on the rendered HTML.

Project standard: plain, accessible HTML (labels, headings, keyboard) that works without
JavaScript, emails with a text and an HTML part, errors saying what to do next, and the six
official languages of ITU with Arabic right to left. Each page of the site is rendered through the
test client and parsed with html.parser: one <html lang dir>, one h1, every control labelled,
every aria-describedby pointing at something, tables with a caption and scoped headers, links and
buttons with text, and the footer's language switcher a plain POST form to set_language.
"""

import datetime
import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import translation
from django.views.defaults import server_error

from focalpoints import links
from focalpoints.models import DeputyshipStatus
from registration import services as registration_services
from registration.models import AttendanceMode, Eligibility
from smepilot.outbox.models import OutgoingMessage
from tests.factories import (
    DeputyshipFactory,
    FocalPointFactory,
    MeetingFactory,
    ParticipantProfileFactory,
    PilotFactory,
    RegistrationFactory,
    SMEFactory,
    StudyGroupFactory,
    today,
)
from tests.second_factor import sign_in_with_second_factor

pytestmark = pytest.mark.django_db

LABELLED_ELSEWHERE = {"hidden", "submit", "button", "reset", "image"}


class Page(HTMLParser):
    """What the checks need from one HTML document."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.html_attrs: dict = {}
        self.ids: list[str] = []
        self.id_text: dict[str, str] = {}
        self.headings: list[tuple[int, str]] = []
        self.controls: list[tuple[str, dict, bool]] = []  # tag, attributes, inside a <label>
        self.label_for: set[str] = set()
        self.described: list[tuple[str, str]] = []  # (element id or tag, referenced ids)
        self.clickables: list[tuple[str, dict, str]] = []
        self.nested_clickables: list = []  # a link or button inside another: invalid, read as one
        self.tables: list[dict] = []
        self.forms: list[dict] = []
        self._open: list[tuple[str, dict]] = []
        self._text_of: list[list] = []  # [id, text] of elements with an id still open
        self._label_depth = 0
        self._heading = None
        self._clickable = None
        self.feed(html)
        self.close()

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

    def handle_starttag(self, tag, attrs):
        a = {name: (value if value is not None else "") for name, value in attrs}
        if tag == "html":
            self.html_attrs = a
        if "id" in a:
            self.ids.append(a["id"])
        if a.get("aria-describedby"):
            self.described.append((a.get("id", tag), a["aria-describedby"]))
        if tag == "label":
            self._label_depth += 1
            if a.get("for"):
                self.label_for.add(a["for"])
        if tag in ("input", "select", "textarea"):
            if tag != "input" or a.get("type", "text") not in LABELLED_ELSEWHERE:
                self.controls.append((tag, a, self._label_depth > 0))
            if self.forms:
                self.forms[-1]["fields"].append((tag, a))
        if tag == "option" and self.forms:
            self.forms[-1]["options"].append(a)
        if tag == "form":
            self.forms.append({"attrs": a, "fields": [], "options": [], "buttons": []})
        if re.fullmatch(r"h[1-6]", tag):
            self._heading = [int(tag[1]), ""]
        if tag in ("a", "button"):
            if self._clickable:
                self.nested_clickables.append((self._clickable[0], tag, a))
            self._clickable = [tag, a, ""]
            if tag == "button" and self.forms:
                self.forms[-1]["buttons"].append(self._clickable)
        if tag == "table":
            self.tables.append({"attrs": a, "caption": False, "th": []})
        if tag == "caption" and self.tables:
            self.tables[-1]["caption"] = True
        if tag == "th" and self.tables:
            self.tables[-1]["th"].append(a)
        if tag not in self.VOID:
            self._open.append((tag, a))
            if "id" in a:
                self._text_of.append([a["id"], "", len(self._open)])

    def handle_endtag(self, tag):
        if tag == "label":
            self._label_depth -= 1
        if re.fullmatch(r"h[1-6]", tag) and self._heading:
            self.headings.append((self._heading[0], " ".join(self._heading[1].split())))
            self._heading = None
        if tag in ("a", "button") and self._clickable:
            self.clickables.append(tuple(self._clickable))
            self._clickable = None
        if tag in self.VOID:
            return
        while self._open:
            open_tag, _attrs = self._open.pop()
            depth = len(self._open) + 1
            while self._text_of and self._text_of[-1][2] == depth:
                element_id, text, _depth = self._text_of.pop()
                self.id_text[element_id] = " ".join(text.split())
            if open_tag == tag:
                break

    def handle_data(self, data):
        if self._heading:
            self._heading[1] += data
        if self._clickable:
            self._clickable[2] += data
        for entry in self._text_of:
            entry[1] += data

    # --- Checks ---------------------------------------------------------------------------------

    def h1s(self):
        return [text for level, text in self.headings if level == 1]

    def unlabelled_controls(self):
        return [
            (tag, a.get("name"))
            for tag, a, inside_label in self.controls
            if not (inside_label or a.get("id") in self.label_for or a.get("aria-label") or a.get("aria-labelledby"))
        ]

    def dangling_descriptions(self):
        known = set(self.ids)
        return [(owner, ref) for owner, refs in self.described for ref in refs.split() if ref not in known]

    def language_form(self):
        return next(
            (form for form in self.forms if any(a.get("name") == "language" for _tag, a in form["fields"])),
            None,
        )


def parse(response) -> Page:
    return Page(response.content.decode())


def assert_accessible(page: Page, where: str):
    assert page.html_attrs.get("lang"), f"{where}: <html> has no lang"
    assert page.html_attrs.get("dir") in ("ltr", "rtl"), f"{where}: <html> has no dir"
    assert len(page.h1s()) == 1, f"{where}: h1s {page.h1s()}"
    levels = [level for level, _text in page.headings]
    assert levels[0] == 1, f"{where}: the first heading is h{levels[0]}"
    for previous, level in zip(levels, levels[1:], strict=False):
        assert level <= previous + 1, f"{where}: heading level jumps from h{previous} to h{level}"
    assert page.unlabelled_controls() == [], f"{where}: controls without a label"
    assert page.dangling_descriptions() == [], f"{where}: aria-describedby names no element"
    duplicates = {element_id for element_id in page.ids if page.ids.count(element_id) > 1}
    assert not duplicates, f"{where}: duplicate ids {duplicates}"
    assert page.nested_clickables == [], f"{where}: a link or button inside another"
    for tag, attrs, text in page.clickables:
        assert text.strip() or attrs.get("aria-label"), f"{where}: {tag} without text {attrs}"
    for table in page.tables:
        assert table["caption"] or table["attrs"].get("aria-labelledby"), f"{where}: a table has no caption"
        assert all(th.get("scope") in ("col", "row") for th in table["th"]), f"{where}: <th> without scope"
    skip = next((attrs for tag, attrs, text in page.clickables if "skip-link" in attrs.get("class", "")), None)
    assert skip is not None and skip["href"].startswith("#"), f"{where}: no skip link"
    assert skip["href"][1:] in page.ids, f"{where}: the skip link's target is missing"


# --- The pages ----------------------------------------------------------------------------------


@pytest.fixture
def world():
    """A running pilot with a meeting open for registration, a representative and a focal point."""
    study_group = StudyGroupFactory(number=1, title="Enabling environment")
    PilotFactory(study_groups=[study_group])
    meeting = MeetingFactory(study_group=study_group, title="SG1 first meeting")
    MeetingFactory(study_group=study_group, title="Rapporteur group Q1/1", remote_participation=False)
    focal_point = FocalPointFactory(name="Amina Diallo")
    participant = ParticipantProfileFactory(
        sme__administration=focal_point.administration, given_name="Kofi", family_name="Mensah"
    )
    registration = RegistrationFactory(participant=participant, meeting=meeting)
    pending_sme = SMEFactory(administration=focal_point.administration, eligibility=Eligibility.PENDING)
    return {
        "meeting": meeting,
        "focal_point": focal_point,
        "participant": participant,
        "registration": registration,
        "pending_sme": pending_sme,
    }


def as_representative(client, world):
    client.force_login(world["participant"].user)
    return client


def as_focal_point(client, world):
    sign_in_with_second_factor(client, world["focal_point"].user)
    return client


def as_focal_point_with_a_deputy(client, world):
    """The focal point, who named a deputy confirmed from today and another still waiting."""
    focal_point = world["focal_point"]
    DeputyshipFactory(focal_point=focal_point, name="Grace Otieno")
    DeputyshipFactory(
        focal_point=focal_point,
        status=DeputyshipStatus.PROPOSED,
        starts_on=today() + datetime.timedelta(days=30),
        ends_on=today() + datetime.timedelta(days=40),
    )
    return as_focal_point(client, world)


def link_url(world):
    focal_point = world["focal_point"]
    token = links.link_token_make(
        registration_ids=[world["registration"].pk],
        focal_point_id=focal_point.pk,
        administration_id=focal_point.administration_id,
    )
    return reverse("focalpoints:link", kwargs={"token": token})


# name: (who, url, expected status)
PAGES = {
    "home": (None, lambda w: reverse("home"), 200),
    "meetings (visitor)": (None, lambda w: reverse("meetings:list"), 200),
    "meetings": (as_representative, lambda w: reverse("meetings:list"), 200),
    "sign in": (None, lambda w: reverse("account_login"), 200),
    "sign up": (None, lambda w: reverse("account_signup"), 200),
    "password reset": (None, lambda w: reverse("account_reset_password"), 200),
    "privacy notice": (None, lambda w: reverse("registration:privacy"), 200),
    "profile": (as_representative, lambda w: reverse("registration:profile"), 200),
    "profile: SME": (as_representative, lambda w: reverse("registration:profile_sme"), 200),
    "declare an SME": (as_representative, lambda w: reverse("registration:sme_declare"), 200),
    "register": (as_representative, lambda w: reverse("registration:new"), 200),
    "my registrations": (as_representative, lambda w: reverse("registration:list"), 200),
    "cancel a registration": (
        as_representative,
        lambda w: reverse("registration:cancel", args=[w["registration"].pk]),
        200,
    ),
    "close my account": (as_representative, lambda w: reverse("registration:account_close"), 200),
    "account closed": (None, lambda w: reverse("registration:account_closed"), 200),
    "focal point: pending": (as_focal_point, lambda w: reverse("focalpoints:pending"), 200),
    "focal point: a request": (
        as_focal_point,
        lambda w: reverse("focalpoints:registration", args=[w["registration"].pk]),
        200,
    ),
    "focal point: the emailed link": (as_focal_point, link_url, 200),
    "focal point: SMEs": (as_focal_point, lambda w: reverse("focalpoints:smes"), 200),
    "focal point: an SME": (as_focal_point, lambda w: reverse("focalpoints:sme", args=[w["pending_sme"].pk]), 200),
    "focal point: a bad link": (as_focal_point, lambda w: reverse("focalpoints:link", args=["tampered"]), 400),
    "focal point: deputies": (as_focal_point_with_a_deputy, lambda w: reverse("focalpoints:deputies"), 200),
    "not found": (None, lambda w: "/no-such-page/", 404),
    "not found (signed in)": (as_representative, lambda w: "/no-such-page/", 404),
}


def get(client, world, name, language=None):
    who, url, status = PAGES[name]
    if who:
        who(client, world)
    if language:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(url(world))
    assert response.status_code == status, name
    return response


@pytest.mark.parametrize("name", list(PAGES))
def test_every_page_is_accessible_in_english(client, world, name):
    page = parse(get(client, world, name))
    assert page.html_attrs["lang"] == "en"
    assert page.html_attrs["dir"] == "ltr"
    assert_accessible(page, name)


@pytest.mark.parametrize("name", list(PAGES))
def test_every_page_is_right_to_left_in_arabic(client, world, name):
    page = parse(get(client, world, name, language="ar"))
    assert page.html_attrs["lang"] == "ar"
    assert page.html_attrs["dir"] == "rtl"
    assert_accessible(page, f"{name} (ar)")


@pytest.mark.parametrize("language", ["zh-hans", "fr", "ru", "es"])
def test_the_other_languages_are_left_to_right(client, world, language):
    page = parse(get(client, world, "meetings", language=language))
    assert page.html_attrs == {**page.html_attrs, "lang": language, "dir": "ltr"}


def test_the_not_found_page_says_what_to_do_next(client, world):
    response = get(client, world, "not found")
    page = parse(response)
    assert page.h1s() == ["Page not found"]
    hrefs = [attrs.get("href") for tag, attrs, text in page.clickables]
    assert reverse("home") in hrefs and reverse("meetings:list") in hrefs
    assert settings.SECRETARIAT_EMAIL in response.content.decode()


def test_the_server_error_page_needs_nothing_but_the_language():
    # Django renders 500.html without the request's context: no user, no session, no database.
    request = RequestFactory().get("/")
    with translation.override("ar"):
        response = server_error(request)
    page = Page(response.content.decode())
    assert response.status_code == 500
    assert (page.html_attrs["lang"], page.html_attrs["dir"]) == ("ar", "rtl")
    assert_accessible(page, "500")
    assert page.forms == []


def test_a_form_sent_without_its_csrf_token_gets_a_page_saying_what_to_do(world):
    client = Client(enforce_csrf_checks=True)
    as_representative(client, world)
    response = client.post(reverse("registration:profile"), {"given_name": "Kofi"})
    assert response.status_code == 403
    page = parse(response)
    assert page.h1s() == ["The form could not be sent"]
    assert "reload the page and send the form again" in response.content.decode()
    assert_accessible(page, "403 CSRF")


# --- Forms with errors: a summary at the top, each error beside its field ----------------------


def error_summary_links(page: Page) -> list[str]:
    return [
        attrs["href"][1:] for tag, attrs, text in page.clickables if tag == "a" and attrs.get("href", "")[:1] == "#"
    ]


FORMS_WITH_ERRORS = {
    # name: (who, url, data, ids of the fields in error)
    "sign in": (
        None,
        lambda w: reverse("account_login"),
        lambda w: {"login": "", "password": ""},
        lambda w: ["id_login"],
    ),
    "sign up": (
        None,
        lambda w: reverse("account_signup"),
        lambda w: {"email": "not an address"},
        lambda w: ["id_email", "id_given_name", "id_family_name", "id_privacy_consent", "id_password1"],
    ),
    "profile": (
        as_representative,
        lambda w: reverse("registration:profile"),
        lambda w: {},
        lambda w: ["id_given_name", "id_family_name", "id_administration"],
    ),
    "declare an SME": (
        as_representative,
        lambda w: reverse("registration:sme_declare"),
        lambda w: {},
        lambda w: ["id_name"],
    ),
    "close my account: wrong password": (
        as_representative,
        lambda w: reverse("registration:account_close"),
        lambda w: {"password": "not the password"},
        lambda w: ["id_password"],
    ),
    "focal point: reject without a reason": (
        as_focal_point,
        lambda w: reverse("focalpoints:registration", args=[w["registration"].pk]),
        lambda w: {"registration": w["registration"].pk, "decision": "reject", "reason": ""},
        lambda w: [f"r{w['registration'].pk}-reason"],
    ),
    "focal point: name oneself as deputy": (
        as_focal_point,
        lambda w: reverse("focalpoints:deputies"),
        lambda w: {
            "name": "Amina",
            "email": w["focal_point"].email,
            "starts_on": today().isoformat(),
            "ends_on": today().isoformat(),
            "language": "en",
            "focal_point": w["focal_point"].pk,
        },
        lambda w: ["id_email"],
    ),
    "focal point: name a deputy with nothing filled in": (
        as_focal_point,
        lambda w: reverse("focalpoints:deputies"),
        lambda w: {"focal_point": w["focal_point"].pk, "language": "en"},
        lambda w: ["id_name", "id_email", "id_starts_on", "id_ends_on"],
    ),
    "focal point: refuse an SME without a reason": (
        as_focal_point,
        lambda w: reverse("focalpoints:sme", args=[w["pending_sme"].pk]),
        lambda w: {"decision": "refuse", "reason": ""},
        lambda w: ["id_reason"],
    ),
}


@pytest.mark.parametrize("name", list(FORMS_WITH_ERRORS))
def test_errors_are_summarised_at_the_top_and_described_beside_each_field(client, world, name):
    who, url, data, fields = FORMS_WITH_ERRORS[name]
    if who:
        who(client, world)
    response = client.post(url(world), data(world))
    assert response.status_code in (200, 400), name
    html = response.content.decode()
    page = parse(response)
    assert_accessible(page, name)

    # The summary comes before the first field, and links to each field in error.
    main = html[html.index("<main") :]
    assert main.index('class="error-summary"') < main.index("<label")
    assert page.id_text["error-summary-title"] == "There is a problem"
    links_to = error_summary_links(page)
    for field in fields(world):
        assert field in links_to, f"{name}: the summary does not link to {field}"
        control = next(attrs for tag, attrs, inside in page.controls if attrs.get("id") == field)
        described = control.get("aria-describedby", "").split()
        errors = [ref for ref in described if ref.endswith(("_error", "_errors"))]
        assert errors, f"{name}: {field} is not described by its error"
        assert all(page.id_text.get(ref) for ref in errors), f"{name}: {field}'s error element is empty"
        assert control.get("aria-invalid") == "true", f"{name}: {field} is not marked invalid"


def test_a_refused_registration_says_what_to_do_at_the_top_of_the_form(client, world):
    as_representative(client, world)
    meeting = world["meeting"]  # already registered for it
    response = client.post(
        reverse("registration:new"),
        {f"meeting_{meeting.pk}": "on", f"attendance_{meeting.pk}": AttendanceMode.IN_PERSON},
    )
    assert response.status_code == 400
    page = parse(response)
    assert_accessible(page, "register (refused)")
    summary = page.id_text["error-summary-title"]
    assert summary == "There is a problem"
    assert "cancel that registration first" in response.content.decode()


def test_meeting_choices_are_labelled_and_attendance_is_a_named_group(client, world):
    as_representative(client, world)
    meeting = MeetingFactory(study_group=world["meeting"].study_group, title="SG1 second meeting")
    html = client.get(reverse("registration:new")).content.decode()
    page = Page(html)
    assert f"id_meeting_{meeting.pk}" in page.label_for
    assert {f"id_attendance_{meeting.pk}_0", f"id_attendance_{meeting.pk}_1"} <= page.label_for
    assert re.search(r'role="radiogroup" aria-label="Attendance at SG1 second meeting"', html)
    # The meeting the person is already registered for is shown as such, with no choice to make.
    assert f"id_meeting_{world['meeting'].pk}" not in page.label_for


# --- The language switcher ---------------------------------------------------------------------


def test_the_footer_offers_the_six_languages_in_a_plain_post_form(client, world):
    response = get(client, world, "meetings")
    page = parse(response)
    form = page.language_form()
    assert form is not None, "no language switcher"
    assert form["attrs"]["action"] == reverse("set_language")
    assert form["attrs"]["method"].lower() == "post"
    fields = {a.get("name"): a for _tag, a in form["fields"]}
    assert fields["csrfmiddlewaretoken"]["value"]
    assert fields["next"]["type"] == "hidden" and fields["next"]["value"] == reverse("meetings:list")
    assert fields["language"]["id"] in page.label_for
    assert [option["value"] for option in form["options"]] == [code for code, _name in settings.LANGUAGES]
    assert all(option["lang"] == option["value"] for option in form["options"])
    assert [" ".join(text.split()) for _tag, _attrs, text in form["buttons"]] == ["Change language"]
    # Each language in its own name, so that a reader of Arabic finds Arabic on an English page.
    html = response.content.decode()
    for name in ("العربيّة", "简体中文", "English", "français", "Русский", "español"):
        assert name in html
    assert "<script" not in html


def test_the_switcher_changes_the_language_and_keeps_the_page(world):
    client = Client(enforce_csrf_checks=True)
    as_representative(client, world)
    url = reverse("registration:list")
    form = parse(client.get(url)).language_form()
    token = next(a["value"] for _tag, a in form["fields"] if a.get("name") == "csrfmiddlewaretoken")

    assert client.post(form["attrs"]["action"], {"language": "ar", "next": url}).status_code == 403  # no token

    response = client.post(form["attrs"]["action"], {"language": "ar", "next": url, "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert urlsplit(response["Location"]).path == url
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ar"
    page = parse(client.get(url))
    assert (page.html_attrs["lang"], page.html_attrs["dir"]) == ("ar", "rtl")
    selected = [option["value"] for option in page.language_form()["options"] if "selected" in option]
    assert selected == ["ar"]

    token = next(a["value"] for _tag, a in page.language_form()["fields"] if a.get("name") == "csrfmiddlewaretoken")
    client.post(reverse("set_language"), {"language": "en", "next": url, "csrfmiddlewaretoken": token})
    page = parse(client.get(url))
    assert (page.html_attrs["lang"], page.html_attrs["dir"]) == ("en", "ltr")


# --- Emails: a text and an HTML part, the HTML in the language's direction ---------------------


def test_registration_emails_have_both_parts_in_the_language_and_its_direction(world):
    participant = world["participant"]
    other = MeetingFactory(study_group=world["meeting"].study_group, starts_on=world["meeting"].starts_on)
    with translation.override("ar"):
        registration_services.registration_create(participant=participant, choices=[(other, AttendanceMode.REMOTE)])
    messages = {m.template: m for m in OutgoingMessage.objects.filter(template__startswith="emails/")}
    # The registrant's acknowledgement in the language they registered in; focal points have no
    # recorded preference and get the site's default language.
    assert messages["emails/registration_acknowledgement"].language == "ar"
    assert messages["emails/focalpoint_registration_new"].language == settings.LANGUAGE_CODE
    for template, message in messages.items():
        direction = "rtl" if translation.get_language_info(message.language)["bidi"] else "ltr"
        assert message.body_text.strip(), template
        page = Page(message.body_html)
        assert (page.html_attrs.get("lang"), page.html_attrs.get("dir")) == (message.language, direction), template
        assert f'<div lang="{message.language}" dir="{direction}">' in message.body_html, template
        assert re.search(r"<title>[^<]+</title>", message.body_html), template


def test_focal_point_email_counts_employees_with_a_plural(world):
    world["participant"].sme.employees = 1
    world["participant"].sme.save()
    other = MeetingFactory(study_group=world["meeting"].study_group)
    registration_services.registration_create(
        participant=world["participant"], choices=[(other, AttendanceMode.IN_PERSON)]
    )
    message = OutgoingMessage.objects.get(template="emails/focalpoint_registration_new")
    assert "1 employee," in message.body_text and "1 employee," in message.body_html


def test_account_emails_have_an_html_part_too(client):
    client.post(reverse("account_request_login_code"), {"email": "newcomer@example.org"})
    client.post(reverse("account_reset_password"), {"email": "nobody@example.org"})
    messages = OutgoingMessage.objects.filter(template__startswith="account/")
    assert messages.exists()
    for message in messages:
        assert message.body_text.strip(), message.template
        page = Page(message.body_html)
        assert (page.html_attrs.get("lang"), page.html_attrs.get("dir")) == ("en", "ltr"), message.template
        assert "<p>" in message.body_html
