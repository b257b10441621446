"""The retention purge beside concurrent transactions: PostgreSQL's row locks (SKIP LOCKED), so these run
on PostgreSQL only (the purge's other tests run on both databases)."""

import threading

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, transaction

from registration import retention
from registration.models import ParticipantProfile
from tests.test_registration_retention import _backdate, _old_registration


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("held", ["profile", "account"])
def test_a_person_being_written_by_another_transaction_is_left_for_the_next_run(held):
    """A registration being made locks the profile; a sign-in writes the account's last_login."""
    busy = _old_registration().participant
    _old_registration()
    _backdate()
    locked, release = threading.Event(), threading.Event()
    row = ParticipantProfile.objects.filter(pk=busy.pk)
    if held == "account":
        row = get_user_model().objects.filter(pk=busy.user_id)

    def hold_the_row():
        with transaction.atomic():
            row.select_for_update().get()
            locked.set()
            release.wait(10)
        connection.close()

    holder = threading.Thread(target=hold_the_row)
    holder.start()
    try:
        assert locked.wait(10)
        first = retention.personal_data_purge()
    finally:
        release.set()
        holder.join()
    assert first.people == 1
    busy.refresh_from_db()
    assert busy.anonymised_at is None
    assert retention.personal_data_purge().people == 1
