"""Check-in at the meeting: the badge's signed code, the desk's answers, the record kept once."""

import base64

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from focalpoints import decisions, notifications
from registration import checkin
from registration.badges import check_in_code, check_in_code_read, qr_data_uri, qr_svg
from registration.models import Attendance, AttendanceMode, Registration, RegistrationStatus
from smepilot.outbox.models import OutgoingMessage
from tests.factories import (
    FocalPointFactory,
    MeetingFactory,
    ParticipantProfileFactory,
    RegistrationFactory,
    UserFactory,
    secretariat_officer,
)
from tests.smtp_sink import run_in_threads

pytestmark = [pytest.mark.django_db, pytest.mark.both_engines]


def validated(**fields):
    fields.setdefault("participant__given_name", "Kofi")
    fields.setdefault("participant__family_name", "Mensah")
    fields.setdefault("participant__sme__name", "Accra Cloud Ltd")
    fields.setdefault("status", RegistrationStatus.VALIDATED)
    fields.setdefault("decided_at", timezone.now())
    return RegistrationFactory(**fields)


def desk_url(meeting):
    return reverse("admin:registration_checkin_meeting", args=[meeting.pk])


def forged(code: str) -> str:
    """The same signature on another registration's number: what someone typing a guess would make."""
    value, signature = code.split(":")
    meeting_id, registration_id = value.split(".")
    return f"{meeting_id}.{int(registration_id) + 1}:{signature}"


# --- The code ------------------------------------------------------------------------------------


def test_a_code_names_the_meeting_and_the_registration_and_reads_back():
    registration = validated()
    content = check_in_code_read(check_in_code(registration))
    assert (content.meeting_id, content.registration_id) == (registration.meeting_id, registration.pk)


def test_a_code_with_spaces_or_line_breaks_from_an_email_still_reads():
    registration = validated()
    code = check_in_code(registration)
    assert check_in_code_read(f"  {code[:10]}\n{code[10:]} ").registration_id == registration.pk


@pytest.mark.parametrize("code", ["", "12", "12.34", "12.34:abc", "x" * 500, "١٢.٣٤:abc"])
def test_a_code_not_made_here_reads_as_nothing(code):
    assert check_in_code_read(code) is None


def test_a_registration_number_changed_in_a_genuine_code_fails_its_signature():
    registration = validated()
    validated(meeting=registration.meeting)
    assert check_in_code_read(forged(check_in_code(registration))) is None


def test_a_code_signed_with_another_secret_key_is_refused(settings):
    registration = validated()
    code = check_in_code(registration)
    settings.SECRET_KEY = "another-deployment-another-secret-key-0123456789"
    assert check_in_code_read(code) is None


def test_the_qr_code_is_an_svg_image_without_any_script():
    svg = qr_svg("12.34:signature")
    assert svg.startswith("<svg") and "<script" not in svg
    assert base64.b64decode(qr_data_uri("12.34:signature").split(",", 1)[1]).decode() == svg


# --- The service ---------------------------------------------------------------------------------


def test_checking_in_records_the_time_and_the_officer_once_with_history():
    registration = validated()
    officer = secretariat_officer()
    attendance = checkin.attendance_check_in(
        code=check_in_code(registration), meeting=registration.meeting, checked_in_by=officer
    )
    assert (attendance.registration, attendance.checked_in_by) == (registration, officer)
    assert registration.attendance == attendance
    record = attendance.history.get()
    assert (record.history_type, record.history_user) == ("+", officer)
    assert checkin.checked_in_message(attendance) == "Checked in: Kofi Mensah (Accra Cloud Ltd), in person."


def test_a_second_check_in_is_refused_with_when_and_by_whom():
    registration = validated()
    first = secretariat_officer()
    first.first_name, first.last_name = "Grace", "Officer"
    first.save()
    checkin.attendance_check_in(code=check_in_code(registration), meeting=registration.meeting, checked_in_by=first)
    with pytest.raises(checkin.CheckInRefused) as refusal:
        checkin.attendance_check_in(
            code=check_in_code(registration), meeting=registration.meeting, checked_in_by=UserFactory(is_staff=True)
        )
    assert refusal.value.status == 409
    assert refusal.value.code == "already_checked_in"
    assert refusal.value.message.startswith("Kofi Mensah was already checked in at ")
    assert refusal.value.message.endswith("(Geneva time) by Grace Officer.")
    assert Attendance.objects.count() == 1


@pytest.mark.parametrize(
    ("fields", "code", "words"),
    [
        ({"status": RegistrationStatus.CANCELLED}, "cancelled", "was cancelled"),
        ({"status": RegistrationStatus.REJECTED, "reason": "Not an SME"}, "rejected", "was rejected"),
        ({"status": RegistrationStatus.PENDING, "decided_at": None}, "not_validated", "not validated yet"),
        ({"attendance_mode": AttendanceMode.REMOTE}, "remote", "attend remotely"),
    ],
)
def test_a_registration_not_validated_for_attending_in_person_is_refused(fields, code, words):
    registration = validated(**fields)
    with pytest.raises(checkin.CheckInRefused) as refusal:
        checkin.attendance_check_in(
            code=check_in_code(registration), meeting=registration.meeting, checked_in_by=secretariat_officer()
        )
    assert (refusal.value.status, refusal.value.code) == (409, code)
    assert words in refusal.value.message and "Kofi Mensah" in refusal.value.message
    assert not Attendance.objects.exists()


def test_a_code_of_another_meeting_is_refused_and_names_that_meeting():
    registration = validated(meeting__title="SG1 first meeting")
    desk = MeetingFactory(title="SG2 first meeting")
    with pytest.raises(checkin.CheckInRefused) as refusal:
        checkin.attendance_check_in(
            code=check_in_code(registration), meeting=desk, checked_in_by=secretariat_officer()
        )
    assert (refusal.value.status, refusal.value.code) == (400, "other_meeting")
    assert "SG1 first meeting" in refusal.value.message
    assert not Attendance.objects.exists()


@pytest.mark.parametrize("make", [forged, lambda code: code[:-3], lambda code: "hello"])
def test_a_forged_or_cut_code_is_refused(make):
    registration = validated()
    validated(meeting=registration.meeting)
    with pytest.raises(checkin.CheckInRefused) as refusal:
        checkin.attendance_check_in(
            code=make(check_in_code(registration)), meeting=registration.meeting, checked_in_by=secretariat_officer()
        )
    assert (refusal.value.status, refusal.value.code) == (400, "unreadable")
    assert not Attendance.objects.exists()


def test_a_check_in_racing_another_between_the_read_and_the_write_is_told_it_came_second(monkeypatch):
    registration = validated()
    officer = secretariat_officer()
    state_check = checkin._state_check

    def other_desk_first(locked):
        state_check(locked)
        # The other desk's row, written between this check-in's read and its write (in this
        # transaction here, so it goes when the refusal rolls the transaction back).
        Attendance.objects.create(registration=locked, checked_in_by=officer)

    monkeypatch.setattr(checkin, "_state_check", other_desk_first)
    with pytest.raises(checkin.CheckInRefused) as refusal:
        checkin.attendance_check_in(
            code=check_in_code(registration), meeting=registration.meeting, checked_in_by=UserFactory(is_staff=True)
        )
    assert (refusal.value.status, refusal.value.code) == (409, "already_checked_in")


@pytest.mark.postgresql_only
def test_two_desks_checking_the_same_badge_in_at_once_record_one_check_in(transactional_db):
    registration = validated()
    officers = iter([secretariat_officer(), secretariat_officer(email="second@itu.example")])
    outcomes = []

    def check_in():
        try:
            checkin.attendance_check_in(
                code=check_in_code(registration), meeting=registration.meeting, checked_in_by=next(officers)
            )
            outcomes.append("checked in")
        except checkin.CheckInRefused as refusal:
            outcomes.append(refusal.code)

    run_in_threads(check_in, count=2)
    assert sorted(outcomes) == ["already_checked_in", "checked in"]
    assert Attendance.objects.count() == 1


def test_undoing_a_check_in_needs_a_reason_and_the_history_keeps_both():
    registration = validated()
    officer = secretariat_officer()
    attendance = checkin.attendance_check_in(
        code=check_in_code(registration), meeting=registration.meeting, checked_in_by=officer
    )
    with pytest.raises(checkin.CheckInRefused):
        checkin.attendance_undo(attendance=attendance, undone_by=officer, reason="  ")
    assert Attendance.objects.exists()
    checkin.attendance_undo(attendance=attendance, undone_by=officer, reason="Scanned the wrong badge")
    assert not Attendance.objects.exists()
    removal = Attendance.history.filter(history_type="-").get()
    assert (removal.history_user, removal.history_change_reason) == (officer, "Scanned the wrong badge")
    # Checked in again afterwards, as any registration.
    checkin.attendance_check_in(code=check_in_code(registration), meeting=registration.meeting, checked_in_by=officer)


def test_a_checked_in_registration_cannot_be_deleted():
    from django.db.models import ProtectedError

    registration = validated()
    checkin.attendance_check_in(
        code=check_in_code(registration), meeting=registration.meeting, checked_in_by=secretariat_officer()
    )
    with pytest.raises(ProtectedError):
        Registration.objects.filter(pk=registration.pk).delete()


# --- The desk (admin) ----------------------------------------------------------------------------


def test_the_desk_offers_the_meetings_running_or_to_come_and_not_those_long_past(officer_client):
    import datetime

    today = timezone.localdate()
    MeetingFactory(title="Running now", starts_on=today - datetime.timedelta(days=1))
    MeetingFactory(title="Next year", starts_on=today + datetime.timedelta(days=300))
    MeetingFactory(
        title="Long past",
        starts_on=today - datetime.timedelta(days=60),
        registration_opens_on=today - datetime.timedelta(days=120),
    )
    page = officer_client.get(reverse("admin:registration_checkin"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Running now" in html and "Next year" in html
    assert "Long past" not in html


def test_the_desk_checks_a_typed_code_in_and_says_who(officer_client):
    registration = validated()
    page = officer_client.get(desk_url(registration.meeting))
    assert page.status_code == 200
    assert "camera=(self)" in page.headers["Permissions-Policy"]
    assert 'name="code"' in page.content.decode()
    response = officer_client.post(desk_url(registration.meeting), {"code": check_in_code(registration)})
    assert (response.status_code, response.url) == (302, desk_url(registration.meeting))
    desk = officer_client.get(response.url)
    assert "Checked in: Kofi Mensah (Accra Cloud Ltd), in person." in desk.content.decode()
    assert 'role="status"' in desk.content.decode()
    assert 'name="code"' in desk.content.decode()  # ready for the next badge
    assert Attendance.objects.get().checked_in_by.email == "officer@itu.example"


def test_the_desk_answers_409_to_a_second_check_in_and_400_to_a_forged_code(officer_client):
    registration = validated()
    code = check_in_code(registration)
    officer_client.post(desk_url(registration.meeting), {"code": code})
    again = officer_client.post(desk_url(registration.meeting), {"code": code})
    assert again.status_code == 409
    assert "Kofi Mensah was already checked in at" in again.content.decode()
    assert 'role="alert"' in again.content.decode()
    bad = officer_client.post(desk_url(registration.meeting), {"code": forged(code)})
    assert bad.status_code == 400
    assert "not issued by the SME pilot" in bad.content.decode()
    empty = officer_client.post(desk_url(registration.meeting), {"code": ""})
    assert empty.status_code == 400
    assert Attendance.objects.count() == 1


def test_the_desk_refuses_a_cancelled_registration_and_a_code_of_another_meeting(officer_client):
    cancelled = validated(status=RegistrationStatus.CANCELLED)
    response = officer_client.post(desk_url(cancelled.meeting), {"code": check_in_code(cancelled)})
    assert response.status_code == 409
    assert "was cancelled" in response.content.decode()
    other = MeetingFactory()
    foreign = officer_client.post(desk_url(other), {"code": check_in_code(validated())})
    assert foreign.status_code == 400
    assert "This badge is for another meeting" in foreign.content.decode()
    assert not Attendance.objects.exists()


def test_an_unknown_meeting_s_desk_is_not_found(officer_client):
    assert officer_client.get(reverse("admin:registration_checkin_meeting", args=["999999"])).status_code == 404
    assert officer_client.get(reverse("admin:registration_checkin_meeting", args=["x"])).status_code == 404


def test_only_the_secretariat_with_the_second_factor_reaches_the_desk(client):
    from tests.second_factor import sign_in_with_second_factor

    registration = validated()
    code = check_in_code(registration)
    client.force_login(secretariat_officer())  # no second factor in this session
    assert client.post(desk_url(registration.meeting), {"code": code}).status_code in (302, 303, 403)
    focal_point = FocalPointFactory(user__is_staff=True)
    client.force_login(focal_point.user)
    assert client.post(desk_url(registration.meeting), {"code": code}).status_code in (302, 303, 403)
    staff_without_permission = UserFactory(is_staff=True, email="intern@itu.example")
    sign_in_with_second_factor(client, staff_without_permission)
    assert client.post(desk_url(registration.meeting), {"code": code}).status_code == 403
    assert not Attendance.objects.exists()


def test_the_attendance_list_is_read_only_and_an_undo_asks_why(officer_client):
    registration = validated()
    attendance = checkin.attendance_check_in(
        code=check_in_code(registration), meeting=registration.meeting, checked_in_by=secretariat_officer("a@itu.ex")
    )
    changelist = reverse("admin:registration_attendance_changelist")
    page = officer_client.get(changelist)
    assert page.status_code == 200 and "Kofi Mensah" in page.content.decode()
    assert officer_client.get(reverse("admin:registration_attendance_add")).status_code == 403
    assert (
        officer_client.post(reverse("admin:registration_attendance_delete", args=[attendance.pk])).status_code == 403
    )
    selected = {"action": "undo_check_in", "_selected_action": [attendance.pk]}
    asked = officer_client.post(changelist, selected)
    assert asked.status_code == 200 and "Why is this check-in undone?" in asked.content.decode()
    assert Attendance.objects.exists()
    done = officer_client.post(changelist, {**selected, "post": "yes", "reason": "Wrong badge scanned"})
    assert done.status_code == 302
    assert not Attendance.objects.exists()
    assert Attendance.history.filter(history_type="-", history_change_reason="Wrong badge scanned").exists()


# --- The badge, the email and "My registrations" ---------------------------------------------------


def test_the_badges_carry_each_participant_s_qr_code_and_code(officer_client):
    registration = validated()
    remote = validated(meeting=registration.meeting, attendance_mode=AttendanceMode.REMOTE)
    page = officer_client.get(reverse("admin:meetings_meeting_badges", args=[registration.meeting.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert check_in_code(registration) in html and 'src="data:image/svg+xml;base64,' in html
    assert check_in_code(remote) not in html
    one = officer_client.get(reverse("admin:meetings_meeting_badge", args=[registration.meeting.pk, registration.pk]))
    assert one.status_code == 200 and check_in_code(registration) in one.content.decode()
    missing = reverse("admin:meetings_meeting_badge", args=[registration.meeting.pk, remote.pk])
    assert officer_client.get(missing).status_code == 404


def test_the_badges_page_costs_the_same_queries_for_one_or_many(officer_client):
    registration = validated()
    url = reverse("admin:meetings_meeting_badges", args=[registration.meeting.pk])
    officer_client.get(url)
    with CaptureQueriesContext(connection) as one:
        officer_client.get(url)
    for _ in range(5):
        validated(meeting=registration.meeting)
    with CaptureQueriesContext(connection) as six:
        officer_client.get(url)
    assert len(six) == len(one)


def _validate(registration):
    FocalPointFactory(administration=registration.sme.administration)
    focal_point = registration.sme.administration.focal_points.first()
    decisions.registration_decide(registration=registration, decided_by=focal_point.user, approve=True)


def test_the_validation_email_carries_the_qr_code_and_the_code_for_in_person_only():
    in_person = RegistrationFactory()
    remote = RegistrationFactory(attendance_mode=AttendanceMode.REMOTE)
    for registration in (in_person, remote):
        _validate(registration)
    in_person_mail = OutgoingMessage.objects.get(
        template="emails/registration_decided", to=in_person.participant.user.email
    )
    remote_mail = OutgoingMessage.objects.get(template="emails/registration_decided", to=remote.participant.user.email)
    code = check_in_code(in_person)
    qr = [a for a in in_person_mail.attachments if a["filename"] == notifications.CHECK_IN_QR_FILENAME]
    # Drawn by the worker when it sends (the sending test below): stored as what to draw, not the drawing.
    assert qr and qr[0]["mimetype"] == "image/svg+xml" and "content" not in qr[0]
    assert code in in_person_mail.body_text and code in in_person_mail.body_html
    assert not [a for a in remote_mail.attachments if a["mimetype"] == "image/svg+xml"]
    assert "check-in" not in remote_mail.body_text.lower()


def test_the_decision_does_not_draw_the_qr_code(monkeypatch):
    """Drawing it takes longer than the rest of the approval: the worker draws it when it sends."""

    def drawn_in_the_request(text):
        raise AssertionError("the QR code was drawn in the request")

    monkeypatch.setattr("registration.badges.qrcode.make", drawn_in_the_request)
    registration = RegistrationFactory()

    _validate(registration)

    assert Registration.objects.get(pk=registration.pk).status == RegistrationStatus.VALIDATED


def test_my_registrations_shows_the_code_of_a_validated_in_person_registration_only(client):
    person = ParticipantProfileFactory()
    mine = validated(participant=person)
    pending = RegistrationFactory(participant=person)
    someone_else = validated()
    client.force_login(person.user)
    html = client.get(reverse("registration:list")).content.decode()
    assert check_in_code(mine) in html
    assert check_in_code(pending) not in html and check_in_code(someone_else) not in html
    assert "Your check-in codes" in html


def test_a_rendered_email_with_the_qr_code_is_sent_as_an_svg_attachment(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    registration = RegistrationFactory()
    _validate(registration)
    from smepilot.outbox.services import outgoing_message_deliver

    message = OutgoingMessage.objects.get(template="emails/registration_decided")
    outgoing_message_deliver(message_id=message.pk)
    (sent,) = mail.outbox
    assert ("check-in-qr-code.svg", qr_svg(check_in_code(registration)), "image/svg+xml") in sent.attachments


def test_the_person_s_data_export_says_when_they_were_checked_in():
    from registration.data_export import personal_data_export

    registration = validated()
    RegistrationFactory(participant=registration.participant)
    attendance = checkin.attendance_check_in(
        code=check_in_code(registration), meeting=registration.meeting, checked_in_by=secretariat_officer()
    )
    exported = personal_data_export(user=registration.participant.user)["registrations"]
    assert sorted(row["checked_in_at"] or "" for row in exported) == ["", attendance.checked_in_at.isoformat()]


def test_a_meeting_s_page_and_its_participants_lead_to_its_desk(officer_client):
    registration = validated()
    meeting = registration.meeting
    desk = desk_url(meeting)
    assert desk in officer_client.get(reverse("admin:meetings_meeting_change", args=[meeting.pk])).content.decode()
    participants = officer_client.get(reverse("admin:meetings_meeting_participants", args=[meeting.pk]))
    html = participants.content.decode()
    assert desk in html
    assert reverse("admin:meetings_meeting_badge", args=[meeting.pk, registration.pk]) in html
