"""meetings.selectors: the current pilot and the registration-window rule (one place)."""

import datetime

import pytest

from meetings.selectors import WindowState, meeting_registration_state, pilot_current, pilot_has_ended
from tests.factories import MeetingFactory, PilotFactory, today

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


def test_pilot_current_prefers_the_latest_started_then_the_next():
    assert pilot_current() is None
    upcoming = PilotFactory(name="next", starts_on=today() + 10 * DAY, ends_on=today() + 100 * DAY)
    assert pilot_current() == upcoming
    running = PilotFactory(name="running", starts_on=today() - 10 * DAY, ends_on=today() + 100 * DAY)
    assert pilot_current() == running


def test_pilot_has_ended_only_after_its_last_day():
    pilot = PilotFactory(starts_on=today() - 10 * DAY, ends_on=today())
    assert not pilot_has_ended(pilot=pilot)
    assert pilot_has_ended(pilot=pilot, today=today() + DAY)


@pytest.mark.parametrize(
    ("opens", "closes", "expected"),
    [
        (-5, 10, WindowState.OPEN),
        (0, 0, WindowState.OPEN),
        (1, 10, WindowState.NOT_YET_OPEN),
        (-10, -1, WindowState.CLOSED),
    ],
)
def test_window_state_follows_its_dates(opens, closes, expected):
    pilot = PilotFactory()
    meeting = MeetingFactory.build(
        registration_opens_on=today() + opens * DAY, registration_closes_on=today() + closes * DAY
    )
    assert meeting_registration_state(meeting=meeting, pilot=pilot) == expected


def test_window_is_closed_after_the_pilot_end_and_for_meetings_ending_after_it():
    pilot = PilotFactory(starts_on=today() - 100 * DAY, ends_on=today() + 30 * DAY)
    after_end = MeetingFactory.build(starts_on=today() + 28 * DAY, ends_on=today() + 32 * DAY)
    assert meeting_registration_state(meeting=after_end, pilot=pilot) == WindowState.CLOSED
    within = MeetingFactory.build(starts_on=today() + 20 * DAY, ends_on=today() + 24 * DAY)
    assert meeting_registration_state(meeting=within, pilot=pilot) == WindowState.OPEN
    assert meeting_registration_state(meeting=within, pilot=pilot, today=today() + 31 * DAY) == WindowState.CLOSED
    assert meeting_registration_state(meeting=within, pilot=None) == WindowState.CLOSED
