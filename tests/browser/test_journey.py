"""The whole journey in Chromium, on both shapes of the site, as its three kinds of users live it.

An SME representative signs up, confirms by the emailed link, fills the profile, declares an SME,
registers for a study group meeting in person and two rapporteur group meetings (one remotely),
and cancels one. A focal point of the Administration opens the emailed link signed out, signs in
by an emailed code, rejects one request with a reason, confirms the SME, approves the other and
bulk-approves what else is pending. The representative sees the outcomes and receives the email
with the calendar file; the secretariat finds them in the admin, exports XLSX and opens the
pilot report. Registration and approval are done with the keyboard alone.
"""

import datetime
import re
import secrets
import string

from playwright.sync_api import expect

from tests.browser.checks import assert_fits_phone, axe_blocking_violations, focused_text_is, tab_to
from tests.browser.conftest import DESKTOP, PHONES

SG1_MEETING = "Study Group 1"
REMOTE_MEETING = "Question 1/1"
CANCELLED_MEETING = "Question 6/1"  # no remote participation: in person only
REJECTION_REASON = "The national criteria require a registered office in Kenya; please send the certificate."


def _unique_family_name() -> str:
    return "Wambui" + "".join(secrets.choice(string.ascii_lowercase) for _ in range(6))


def _meeting_row(page, title_part: str):
    return page.locator(".meeting-choice", has_text=title_part)


def test_the_whole_journey(site, new_context, mail, screenshots):
    family_name = _unique_family_name()
    email = f"amina.{family_name.lower()}@example.org"
    password = "Kilimanjaro-" + secrets.token_hex(6)
    # allauth fills Django's username from the address: it must never be shown on its own.
    username_shown = re.compile(re.escape(email.split("@")[0]) + "(?!@)")
    # The embedded shape is walked on a desktop screen, the production shape on a phone.
    viewport = PHONES["phone-390"] if site.name == "production" else DESKTOP
    problems = []

    def shot(page, step):
        """A screenshot of the step, and the page checked with axe-core (and for width on a phone)."""
        screenshots.take(page, step)
        if "/admin/" in page.url:
            return
        problems.extend(f"{step}: {line}" for line in axe_blocking_violations(page))
        if viewport != DESKTOP:
            try:
                assert_fits_phone(page, step)
            except AssertionError as error:
                problems.append(str(error))

    # --- The SME representative signs up and confirms the address ------------------------------
    registrant = new_context(viewport=viewport).new_page()
    registrant.goto(site.url + "/")
    registrant.locator("main").get_by_role("link", name="Create an account").click()
    registrant.get_by_label("Email").fill(email)
    registrant.get_by_label("Given name").fill("Amina")
    registrant.get_by_label("Family name").fill(family_name)
    registrant.get_by_label(re.compile("^Password:?$")).fill(password)
    registrant.get_by_label(re.compile("^Password \\(again\\)")).fill(password)
    registrant.get_by_label(re.compile("privacy notice")).check()
    shot(registrant, "sign-up form")
    registrant.get_by_role("button", name=re.compile("Sign up|Create", re.I)).click()
    expect(registrant.get_by_role("heading", level=1)).to_contain_text(re.compile("email", re.I))
    shot(registrant, "verify your email")

    confirmation = mail.wait_for(to=email, subject_contains="")
    assert not username_shown.search(mail.text(confirmation)), "the username appears in the email"
    link = mail.links(confirmation, containing="/accounts/confirm-email/")[0]
    assert link.startswith(site.url), f"the link names the site's real address: {link}"
    registrant.goto(link)
    shot(registrant, "confirm the address")
    registrant.get_by_role("button", name=re.compile("Confirm", re.I)).click()

    # Signed in, and led to the profile.
    expect(registrant.get_by_role("heading", level=1)).to_have_text(re.compile("profile", re.I))
    expect(registrant.locator(".messages")).to_contain_text("Amina " + family_name)
    expect(registrant.locator("body")).not_to_contain_text(username_shown)
    shot(registrant, "led to the profile")
    registrant.get_by_label("Job title").fill("Chief Executive Officer")
    registrant.get_by_label("Country").select_option(label="Kenya")
    registrant.get_by_role("button", name="Save").click()
    shot(registrant, "profile saved")

    # --- Declares the SME ---------------------------------------------------------------------
    declare = registrant.get_by_role("link", name=re.compile("Declare a new SME", re.I))
    if not declare.count():
        registrant.get_by_role("link", name=re.compile("SME", re.I)).first.click()
    registrant.get_by_role("link", name=re.compile("Declare a new SME", re.I)).click()
    sme_name = f"Rift Valley Data {family_name[-6:].title()} Ltd"
    registrant.get_by_label("Company name").fill(sme_name)
    registrant.get_by_label("Number of employees").fill("42")
    registrant.get_by_label("Annual revenue").fill("1200000")
    currency = registrant.get_by_label("Currency")
    if currency.evaluate("element => element.tagName") == "SELECT":
        currency.select_option("KES")
    else:
        currency.fill("KES")
    registrant.get_by_label("Address").fill("Kenyatta Avenue 12, Nairobi")
    shot(registrant, "declare the SME")
    registrant.locator("main").get_by_role("button").last.click()
    shot(registrant, "SME declared")

    # --- Registers for three meetings with the keyboard alone, then cancels one ----------------
    # The SME step leads straight to the registration form.
    expect(registrant.get_by_role("heading", level=1)).to_have_text(re.compile("Register for meetings"))
    registrant.locator("body").focus()
    choices = [(SG1_MEETING, None), (REMOTE_MEETING, "Remote"), (CANCELLED_MEETING, None)]
    for title_part, attendance in choices:
        checkbox_id = _meeting_row(registrant, title_part).locator("input[type=checkbox]").get_attribute("id")
        tab_to(registrant, lambda state, wanted=checkbox_id: state["id"] == wanted)
        registrant.keyboard.press("Space")
        if attendance:
            # Radio buttons: Tab reaches the chosen one, the arrow keys move the choice.
            radio_name = f"attendance_{checkbox_id.split('_')[-1]}"
            tab_to(registrant, lambda state, wanted=radio_name: state["name"] == wanted)
            registrant.keyboard.press("ArrowRight")
            expect(_meeting_row(registrant, title_part).get_by_label(attendance)).to_be_checked()
    shot(registrant, "meetings chosen with the keyboard")
    tab_to(registrant, focused_text_is("Send my registration"))
    registrant.keyboard.press("Enter")
    expect(registrant.get_by_role("heading", level=1)).to_have_text(re.compile("My registrations"))
    for title_part, _attendance in choices:
        expect(registrant.locator("tr", has_text=title_part)).to_contain_text("Pending")
    shot(registrant, "registered, pending")

    registrant.locator("tr", has_text=CANCELLED_MEETING).get_by_role("link", name=re.compile("^Cancel")).click()
    shot(registrant, "cancel, confirm")
    registrant.get_by_role("button", name=re.compile("Yes, cancel")).click()
    expect(registrant.locator("tr", has_text=CANCELLED_MEETING)).to_contain_text("Cancelled")
    shot(registrant, "one cancelled")

    # The registration form now shows the meetings already registered for as such.
    registrant.get_by_role("link", name=re.compile("Register for meetings")).first.click()
    expect(_meeting_row(registrant, SG1_MEETING)).to_contain_text(re.compile("registered", re.I))
    expect(_meeting_row(registrant, SG1_MEETING).locator("input[type=checkbox]")).to_have_count(0)
    shot(registrant, "already registered shown")

    # --- The focal point opens the emailed link, signed out, and signs in by code -------------
    focal_email = site.account("Focal point").email
    notification = mail.wait_for(to=focal_email, subject_contains=family_name)
    validation_link = mail.links(notification, containing="/validation/")[0]
    focal = new_context(viewport=viewport).new_page()
    focal.goto(validation_link)
    expect(focal.locator("main")).to_contain_text("Kenya")
    expect(focal.locator("main")).not_to_contain_text(re.compile("sign up", re.I))
    shot(focal, "focal point: sign-in page for the link")
    before_code = mail.count()
    focal.get_by_role("link", name=re.compile("code", re.I)).first.click()
    email_field = focal.get_by_label(re.compile("^Email", re.I))
    if not email_field.input_value():
        email_field.fill(focal_email)
    focal.locator("main").get_by_role("button").first.click()
    code_message = mail.wait_for(to=focal_email, subject_contains="code", after=before_code)
    code = re.search(r"^\s*([A-Z0-9-]{4,12})\s*$", mail.text(code_message), re.M).group(1)
    focal.get_by_label(re.compile("code", re.I)).fill(code)
    shot(focal, "focal point: enters the code")
    focal.locator("main").get_by_role("button").first.click()
    expect(focal.get_by_role("heading", level=1)).to_contain_text(family_name)
    shot(focal, "focal point: the request")

    # Rejects the remote one with a reason, with the keyboard alone.
    remote_card = focal.locator("section.request", has_text=REMOTE_MEETING)
    reason_id = remote_card.locator("textarea").get_attribute("id")
    focal.locator("body").focus()
    tab_to(focal, lambda state: state["id"] == reason_id)
    focal.keyboard.type(REJECTION_REASON)
    tab_to(focal, focused_text_is("Reject"))
    focal.keyboard.press("Enter")
    remote_card = focal.locator("section.request", has_text=REMOTE_MEETING)
    expect(remote_card).to_contain_text("Rejected")
    expect(focal.locator("main")).to_contain_text(re.compile("You rejected", re.I))
    expect(focal.locator("main")).not_to_contain_text(re.compile("already", re.I))
    shot(focal, "focal point: rejected with a reason")

    # Confirms the SME on its page.
    focal.goto(site.url + "/focal-point/smes/")
    focal.get_by_role("row", name=re.compile(re.escape(sme_name))).get_by_role("link").click()
    shot(focal, "focal point: the SME")
    focal.get_by_role("button", name=re.compile("^Confirm")).click()
    expect(focal.locator("main")).to_contain_text(re.compile("confirmed", re.I))
    shot(focal, "focal point: SME confirmed")

    # Approves the study group meeting, with the keyboard.
    focal.goto(validation_link)
    focal.locator("body").focus()
    sg1_card = focal.locator("section.request", has_text=SG1_MEETING)
    approve_id = sg1_card.get_by_role("button", name="Approve").evaluate(
        "element => element.id || (element.id = 'approve-under-test')"
    )
    tab_to(focal, lambda state: state["id"] == approve_id)
    focal.keyboard.press("Enter")
    sg1_card = focal.locator("section.request", has_text=SG1_MEETING)
    expect(sg1_card).to_contain_text("Validated")
    expect(focal.locator("main")).to_contain_text(re.compile("You approved", re.I))
    shot(focal, "focal point: approved")

    # Bulk-approves what else of Kenya is pending.
    focal.goto(site.url + "/focal-point/")
    boxes = focal.locator("input[name=registrations]")
    selected = boxes.count()
    for index in range(selected):
        boxes.nth(index).check()
    shot(focal, "focal point: pending list, all selected")
    if selected:
        focal.get_by_role("button", name=re.compile("Approve the selected")).click()
        expect(focal.locator(".messages")).to_contain_text(re.compile("approved", re.I))
    shot(focal, "focal point: bulk approved")

    # --- The representative sees the outcomes and receives the calendar file ------------------
    registrant.goto(site.url + "/registrations/")
    expect(registrant.locator("tr", has_text=SG1_MEETING)).to_contain_text("Validated")
    expect(registrant.locator("tr", has_text=REMOTE_MEETING)).to_contain_text(REJECTION_REASON)
    shot(registrant, "outcomes")
    validated = mail.wait_for(to=email, subject_contains="Registration validated:")
    calendar_files = {name: text for name, text in mail.attachments(validated).items() if name.endswith(".ics")}
    assert calendar_files, f"the validation email carries the meeting's calendar file: {validated.as_string()[:3000]}"
    assert all("BEGIN:VEVENT" in text for text in calendar_files.values())
    mail.wait_for(to=email, subject_contains="Registration not validated:")

    # --- The secretariat finds them in the admin, exports XLSX, opens the pilot report --------
    secretariat = site.account("Secretariat")
    officer = new_context().new_page()
    officer.goto(site.url + "/admin/")
    officer.get_by_label(re.compile("^Email", re.I)).fill(secretariat.email)
    officer.get_by_label(re.compile("^Password", re.I)).fill(secretariat.password)
    officer.get_by_role("button", name=re.compile("^Sign in", re.I)).click()
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
    shot(officer, "secretariat: the pilot report")
    assert not problems, "\n".join(problems)
