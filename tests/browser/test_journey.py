"""The whole journey in Chromium, on both shapes of the site and in three languages, as its users live it.

An SME representative signs up, confirms by the emailed link, fills the profile, declares an SME,
registers for a study group meeting in person and two rapporteur group meetings (one remotely),
and cancels one. A focal point of the Administration opens the emailed link signed out, signs in
by an emailed code and the second factor (setting up the authenticator app the first time, its code
after that), rejects one request with a reason, confirms the SME, approves the other,
bulk-approves what else is pending and names a deputy for the coming week. The representative
sees the outcomes and receives the email with the calendar file; the secretariat signs in with the
second factor too, finds them in the admin, exports XLSX, confirms the deputy (whom the focal point
then ends early) and opens the pilot report; at the meeting, an officer checks the representative
in on a phone by the code of their badge (a second check-in is refused). Registration and approval
are done with the keyboard alone.

The representative and the focal point walk it in English, French or Arabic (the browser's
language); the words they look for come from the site's own catalogues, and no English sentence of
the catalogue may show on a French or Arabic page.
"""

import datetime
import re
import secrets
import string

import pytest
from playwright.sync_api import expect

from tests.browser.checks import assert_fits_phone, axe_blocking_violations, focused_text_is, tab_to
from tests.browser.conftest import DESKTOP, PHONES
from tests.browser.people import (
    AUTHENTICATE_PATH,
    SECOND_FACTOR_PATH,
    Words,
    assert_no_english,
    meeting_titles,
    second_factor_pass,
)

# Parts of the demo meetings' English titles.
SG1_MEETING = "Study Group 1, first meeting"
REMOTE_MEETING = "Question 1/1"
CANCELLED_MEETING = "Question 6/1"  # no remote participation: in person only
REJECTION_REASON = "The national criteria require a registered office in Kenya; please send the certificate."

# The sign-in step that asks for the app's code, or the page that has the app set up first.
SECOND_FACTOR_STEP = re.compile(f"({re.escape(AUTHENTICATE_PATH)}|{re.escape(SECOND_FACTOR_PATH)})")

# (shape, language, screen): each shape in English, and the journey again in French and in Arabic.
WALKS = [
    ("embedded", "en", "desktop"),
    ("production", "en", "phone-390"),
    ("embedded", "fr", "desktop"),
    ("production", "ar", "phone-390"),
]


def _unique_family_name() -> str:
    return "Wambui" + "".join(secrets.choice(string.ascii_lowercase) for _ in range(6))


def _meeting_row(page, title: str):
    return page.locator(".meeting-choice", has_text=title)


@pytest.mark.parametrize(("shape", "language", "screen"), WALKS)
def test_the_whole_journey(shape, language, screen, request, new_context, mail, screenshots):
    site = request.getfixturevalue(f"{shape}_site")
    words = Words(language)
    viewport = PHONES.get(screen, DESKTOP)

    def titles_in(reader_language):
        by_english = meeting_titles(site, reader_language)
        return {
            part: next(title for english, title in by_english.items() if part in english)
            for part in (SG1_MEETING, REMOTE_MEETING, CANCELLED_MEETING)
        }

    titles = titles_in(language)
    family_name = _unique_family_name()
    email = f"amina.{family_name.lower()}@example.org"
    password = "Kilimanjaro-" + secrets.token_hex(6)
    # allauth fills Django's username from the address: it must never be shown on its own.
    username_shown = re.compile(re.escape(email.split("@")[0]) + "(?!@)")
    problems = []

    def shot(page, step):
        """A screenshot of the step; the page checked with axe-core, for width on a phone, for English."""
        screenshots.take(page, step)
        if "/admin/" in page.url:
            return
        problems.extend(f"{step}: {line}" for line in axe_blocking_violations(page))
        checks = [lambda: assert_no_english(page, step)]
        if viewport != DESKTOP:
            checks.append(lambda: assert_fits_phone(page, step))
        for check in checks:
            try:
                check()
            except AssertionError as error:
                problems.append(str(error))

    def submit(page):
        page.locator("main form button[type=submit]").first.click()

    # --- The SME representative signs up and confirms the address ------------------------------
    registrant = new_context(viewport=viewport, locale=language).new_page()
    registrant.goto(site.url + "/")
    expect(registrant.locator("html")).to_have_attribute("lang", language)
    registrant.locator("main").get_by_role("link", name=words("Create an account")).click()
    registrant.locator("#id_email").fill(email)
    registrant.locator("#id_given_name").fill("Amina")
    registrant.locator("#id_family_name").fill(family_name)
    registrant.locator("#id_password1").fill(password)
    registrant.locator("#id_password2").fill(password)
    registrant.locator("#id_privacy_consent").check()
    shot(registrant, "sign-up form")
    submit(registrant)
    expect(registrant).to_have_url(re.compile("/accounts/confirm-email/"))
    shot(registrant, "verify your email")

    confirmation = mail.wait_for(to=email)
    assert not username_shown.search(mail.text(confirmation)), "the username appears in the email"
    link = mail.links(confirmation, containing="/accounts/confirm-email/")[0]
    assert link.startswith(site.url), f"the link names the site's real address: {link}"
    registrant.goto(link)
    shot(registrant, "confirm the address")
    submit(registrant)

    # Signed in, and led to the profile.
    expect(registrant).to_have_url(re.compile("/profile/$"))
    expect(registrant.locator(".messages")).to_contain_text("Amina " + family_name)
    expect(registrant.locator("body")).not_to_contain_text(username_shown)
    shot(registrant, "led to the profile")
    registrant.locator("#id_job_title").fill("Chief Executive Officer")
    registrant.locator("#id_administration").select_option(label=words.country("KE"))
    submit(registrant)
    shot(registrant, "profile saved")

    # --- Declares the SME ---------------------------------------------------------------------
    registrant.goto(site.url + "/profile/sme/new/")
    sme_name = f"Rift Valley Data {family_name[-6:].title()} Ltd"
    registrant.locator("#id_name").fill(sme_name)
    registrant.locator("#id_employees").fill("42")
    registrant.locator("#id_annual_revenue").fill("1200000")
    registrant.locator("#id_revenue_currency").select_option("KES")
    registrant.locator("#id_address").fill("Kenyatta Avenue 12, Nairobi")
    shot(registrant, "declare the SME")
    submit(registrant)

    # --- Registers for three meetings with the keyboard alone, then cancels one ----------------
    # The SME step leads straight to the registration form.
    expect(registrant).to_have_url(re.compile("/registrations/new/$"))
    shot(registrant, "led to the registration form")
    registrant.locator("body").focus()
    choices = [(titles[SG1_MEETING], None), (titles[REMOTE_MEETING], "remote"), (titles[CANCELLED_MEETING], None)]
    for title, attendance in choices:
        checkbox_id = _meeting_row(registrant, title).locator("input[type=checkbox]").get_attribute("id")
        tab_to(registrant, lambda state, wanted=checkbox_id: state["id"] == wanted)
        registrant.keyboard.press("Space")
        if attendance:
            # Radio buttons: Tab reaches the chosen one, the arrow keys move the choice (either way in RTL).
            radio_name = f"attendance_{checkbox_id.split('_')[-1]}"
            tab_to(registrant, lambda state, wanted=radio_name: state["name"] == wanted)
            radio = _meeting_row(registrant, title).locator(f"input[value={attendance}]")
            for key in ("ArrowRight", "ArrowLeft"):
                if not radio.is_checked():
                    registrant.keyboard.press(key)
            expect(radio).to_be_checked()
    shot(registrant, "meetings chosen with the keyboard")
    tab_to(registrant, focused_text_is(words("Send my registration")))
    registrant.keyboard.press("Enter")
    expect(registrant).to_have_url(re.compile("/registrations/$"))
    for title, _attendance in choices:
        expect(registrant.locator("tr", has_text=title)).to_contain_text(words("Pending validation"))
    shot(registrant, "registered, pending")

    registrant.locator("tr", has_text=titles[CANCELLED_MEETING]).locator("a[href$='/cancel/']").click()
    shot(registrant, "cancel, confirm")
    submit(registrant)
    expect(registrant.locator("tr", has_text=titles[CANCELLED_MEETING])).to_contain_text(words("Cancelled"))
    shot(registrant, "one cancelled")

    # The registration form now shows the meetings already registered for as such.
    registrant.goto(site.url + "/registrations/new/")
    expect(_meeting_row(registrant, titles[SG1_MEETING])).to_contain_text(
        words("You are registered — pending validation.")
    )
    expect(_meeting_row(registrant, titles[SG1_MEETING]).locator("input[type=checkbox]")).to_have_count(0)
    shot(registrant, "already registered shown")

    # --- The focal point opens the emailed link, signed out, and signs in by code -------------
    focal_email = site.account("Focal point").email
    notification = mail.wait_for(to=focal_email, subject_contains=family_name)
    validation_link = mail.links(notification, containing="/validation/")[0]
    focal = new_context(viewport=viewport, locale=language).new_page()
    focal.goto(validation_link)
    expect(focal.locator("main")).to_contain_text(words.country("KE"))
    expect(focal.locator("main a[href$='/accounts/signup/']")).to_have_count(0)
    shot(focal, "focal point: sign-in page for the link")
    before_code = mail.count()
    focal.locator("main a[href*='/accounts/login/code/']").first.click()
    email_field = focal.locator("main input[name=email]")
    if not email_field.input_value():
        email_field.fill(focal_email)
    submit(focal)
    code_message = mail.wait_for(to=focal_email, after=before_code)
    code = re.search(r"^\s*([A-Z0-9-]{4,12})\s*$", mail.text(code_message), re.M).group(1)
    focal.locator("main input[name=code]").fill(code)
    shot(focal, "focal point: enters the code")
    submit(focal)
    # Before deciding, the second factor: the authenticator app set up the first time (its secret read
    # from the page, the code computed as a phone would), the app's code at every sign-in after that.
    focal.wait_for_url(SECOND_FACTOR_STEP)
    shot(focal, "focal point: the second factor")
    second_factor_pass(focal, site, focal_email)
    expect(focal.get_by_role("heading", level=1)).to_contain_text(family_name)
    shot(focal, "focal point: the request")
    # Signed in, the focal point reads the site in their own language, if they chose one.
    words = Words(focal.locator("html").get_attribute("lang"))
    titles = titles_in(words.language)

    # Rejects the remote one with a reason, with the keyboard alone.
    remote_card = focal.locator("section.request", has_text=titles[REMOTE_MEETING])
    reason_id = remote_card.locator("textarea").get_attribute("id")
    focal.locator("body").focus()
    tab_to(focal, lambda state: state["id"] == reason_id)
    focal.keyboard.type(REJECTION_REASON)
    tab_to(focal, focused_text_is(words("Reject")))
    focal.keyboard.press("Enter")
    remote_card = focal.locator("section.request", has_text=titles[REMOTE_MEETING])
    expect(remote_card).to_contain_text(words("Rejected"))
    expect(remote_card).to_contain_text(words.start("You rejected this registration at %(when)s."))
    shot(focal, "focal point: rejected with a reason")

    # Confirms the SME on its page.
    focal.goto(site.url + "/focal-point/smes/")
    focal.locator("tr", has_text=sme_name).locator("a").first.click()
    shot(focal, "focal point: the SME")
    focal.get_by_role("button", name=words("Confirm: it meets the national criteria")).click()
    expect(focal.locator(".messages")).to_contain_text(words.start("Confirmed: %(sme)s meets the national criteria."))
    shot(focal, "focal point: SME confirmed")

    # Approves the study group meeting, with the keyboard.
    focal.goto(validation_link)
    focal.locator("body").focus()
    sg1_card = focal.locator("section.request", has_text=titles[SG1_MEETING])
    approve_id = sg1_card.get_by_role("button", name=words("Approve")).evaluate(
        "element => element.id || (element.id = 'approve-under-test')"
    )
    tab_to(focal, lambda state: state["id"] == approve_id)
    focal.keyboard.press("Enter")
    sg1_card = focal.locator("section.request", has_text=titles[SG1_MEETING])
    expect(sg1_card).to_contain_text(words("Validated"))
    expect(sg1_card).to_contain_text(words.start("You approved this registration at %(when)s."))
    shot(focal, "focal point: approved")

    # Bulk-approves what else of Kenya is pending.
    focal.goto(site.url + "/focal-point/")
    boxes = focal.locator("input[name=registrations]")
    selected = boxes.count()
    for index in range(selected):
        boxes.nth(index).check()
    shot(focal, "focal point: pending list, all selected")
    if selected:
        focal.locator("form[action$='/focal-point/approve/'] button[type=submit]").click()
        expect(focal.locator(".messages")).to_be_visible()
    shot(focal, "focal point: bulk approved")

    # --- The focal point names a deputy for the coming week --------------------------------------
    deputy_email = f"deputy.{family_name.lower()}@ca.example"
    focal_words = words
    focal.goto(site.url + "/focal-point/")
    focal.get_by_role("link", name=words("Your deputies")).click()
    expect(focal.get_by_role("heading", level=1)).to_have_text(words("Your deputies"))
    # A deputy an earlier walk left running would overlap this one: ended first.
    while focal.get_by_role("button", name=words("End now")).count():
        focal.get_by_role("button", name=words("End now")).first.click()
    focal.locator("#id_name").fill("Grace Otieno")
    focal.locator("#id_email").fill(deputy_email)
    first_day = datetime.date.today()
    focal.locator("#id_starts_on").fill(first_day.isoformat())
    focal.locator("#id_ends_on").fill((first_day + datetime.timedelta(days=7)).isoformat())
    shot(focal, "focal point: names a deputy")
    focal.get_by_role("button", name=words("Name this deputy")).click()
    expect(focal.locator(".messages")).to_contain_text("Grace Otieno")
    deputy_row = focal.locator("tr", has_text=deputy_email)
    # The status, shown with a capital first letter.
    expect(deputy_row).to_contain_text(words("waiting for the secretariat")[1:])
    shot(focal, "focal point: the deputy waits for the secretariat")

    # --- The representative sees the outcomes and receives the calendar file ------------------
    words, titles = Words(language), titles_in(language)
    registrant.goto(site.url + "/registrations/")
    expect(registrant.locator("tr", has_text=titles[SG1_MEETING])).to_contain_text(words("Validated"))
    expect(registrant.locator("tr", has_text=titles[REMOTE_MEETING])).to_contain_text(REJECTION_REASON)
    shot(registrant, "outcomes")
    validated = mail.wait_for(
        to=email, subject_contains=words.start("[ITU-D SME pilot] Registration validated: %(meeting)s")
    )
    calendar_files = {name: text for name, text in mail.attachments(validated).items() if name.endswith(".ics")}
    assert calendar_files, "the validation email carries the meeting's calendar file"
    assert all("BEGIN:VEVENT" in text for text in calendar_files.values())
    # In person: the badge's QR code is attached, and shown on "My registrations" with its code.
    assert mail.attachments(validated)["check-in-qr-code.svg"].startswith("<svg")
    code_shown = registrant.locator(".badge-codes li", has_text=titles[SG1_MEETING]).locator(".check-in-code")
    check_in_code = code_shown.inner_text().strip()
    assert check_in_code in mail.text(validated)
    mail.wait_for(to=email, subject_contains=words.start("[ITU-D SME pilot] Registration not validated: %(meeting)s"))

    # --- The secretariat finds them in the admin, exports XLSX, opens the pilot report --------
    secretariat = site.account("Secretariat")
    officer = new_context(locale="en-GB").new_page()
    officer.goto(site.url + "/admin/")
    officer.locator("main input[name=login]").fill(secretariat.email)
    officer.locator("main input[name=password]").fill(secretariat.password)
    submit(officer)
    officer.wait_for_url(SECOND_FACTOR_STEP)
    shot(officer, "secretariat: the second factor")
    second_factor_pass(officer, site, secretariat.email)
    expect(officer).to_have_url(re.compile("/admin/$"))
    expect(officer.get_by_role("heading", level=1)).to_be_visible()
    officer.goto(site.url + "/admin/registration/registration/")
    officer.get_by_role("textbox").first.fill(family_name)
    officer.keyboard.press("Enter")
    rows = officer.locator("#result_list tbody tr")
    expect(rows).to_have_count(3)
    shot(officer, "secretariat: the registrations found")
    officer.locator("#action-toggle").check()
    officer.locator("select[name=action]").select_option(label="Export to Excel (XLSX)")
    with officer.expect_download() as download_info:
        officer.locator("button[name=index]").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    with open(download.path(), "rb") as workbook:
        assert workbook.read(2) == b"PK", "an XLSX file is a zip archive"
    # The deputy the focal point named: confirmed, and told by email to sign in with their address.
    officer.goto(site.url + "/admin/focalpoints/deputyship/?q=" + deputy_email)
    officer.locator("#action-toggle").check()
    officer.locator("select[name=action]").select_option(label="Confirm the selected deputies")
    officer.locator("button[name=index]").click()
    expect(officer.locator(".messagelist")).to_contain_text("1 deputy confirmed")
    shot(officer, "secretariat: the deputy confirmed")
    mail.wait_for(to=deputy_email)
    focal.goto(site.url + "/focal-point/deputies/")
    deputy_row = focal.locator("tr", has_text=deputy_email)
    expect(deputy_row).to_contain_text(focal_words("deciding now"))
    shot(focal, "focal point: the deputy decides now")
    # Back early: the focal point ends the deputyship.
    deputy_row.get_by_role("button", name=focal_words("End now")).click()
    expect(focal.locator(".messages")).to_contain_text("Grace Otieno")
    expect(focal.locator("tr", has_text=deputy_email).get_by_role("button")).to_have_count(0)
    shot(focal, "focal point: the deputyship ended")

    # A progress report to Council: the figures come from the data, the narrative from the officer.
    officer.goto(site.url + "/admin/meetings/pilotreport/add/")
    officer.locator("#id_pilot").select_option(index=1)
    officer.locator("#id_title").fill("Progress report on the SME pilot")
    officer.locator("#id_addressed_to").fill("Council 2027")
    today = datetime.date.today()
    officer.locator("#id_period_start").fill(f"{today.year - 1}-01-01")
    officer.locator("#id_period_end").fill(f"{today.year + 1}-12-31")
    officer.locator("input[name=_save]").click()
    officer.get_by_role("link", name=re.compile("View the report")).first.click()
    expect(officer.get_by_role("heading", level=1)).to_be_visible()
    expect(officer.locator("#content")).to_contain_text("Kenya")
    # The figures for Council: each a table and charts named for screen readers, readable without script.
    expect(officer.get_by_role("heading", name="Figures for Council", level=2)).to_be_visible()
    expect(officer.get_by_role("img", name=re.compile("^Time from registration to decision"))).to_have_count(2)
    expect(officer.get_by_role("table", name="Approval and rejection rates")).to_contain_text("All Administrations")
    expect(officer.get_by_role("table", name="Repeat participation across meetings")).to_be_visible()
    shot(officer, "secretariat: the pilot report")

    # --- At the meeting, the secretariat checks the participant in, on a phone ----------------
    # The desk: the meeting chosen, then the badge's code typed (the camera needs a real badge).
    sg1_in_english = titles_in("en")[SG1_MEETING]
    officer.goto(site.url + "/admin/registration/attendance/check-in/")
    officer.get_by_role("link", name=re.compile(re.escape(sg1_in_english))).click()
    desk = officer.url
    # The printable badge carries the same code under its QR code.
    officer.goto(
        desk.replace("/admin/registration/attendance/check-in/", "/admin/meetings/meeting/") + "participants/"
    )
    officer.locator("tr", has_text=family_name).get_by_role("link", name=re.compile("Badge")).click()
    expect(officer.locator(".badge")).to_contain_text(check_in_code)
    expect(officer.locator(".badge img.badge-qr")).to_be_visible()
    shot(officer, "secretariat: the badge")
    phone = new_context(viewport=PHONES["phone-360"], storage_state=officer.context.storage_state()).new_page()
    phone.goto(desk)
    phone.get_by_label("Check-in code").fill(check_in_code)
    phone.get_by_role("button", name="Check in").click()
    expect(phone.locator(".check-in-outcome")).to_contain_text(f"Checked in: Amina {family_name} ({sme_name})")
    assert_fits_phone(phone, "secretariat: checked in on a phone")
    shot(phone, "secretariat: checked in on a phone")
    phone.get_by_label("Check-in code").fill(check_in_code)
    phone.get_by_role("button", name="Check in").click()
    expect(phone.locator(".check-in-outcome")).to_contain_text(f"Amina {family_name} was already checked in at")
    assert_fits_phone(phone, "secretariat: a second check-in refused")
    shot(phone, "secretariat: a second check-in refused")
    assert not problems, "\n".join(problems)
