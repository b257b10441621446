import datetime

import pytest
from django.utils import timezone

from focalpoints import selectors
from registration.models import Eligibility, Registration, RegistrationStatus
from tests.factories import FocalPointFactory, RegistrationFactory, SMEFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_everything_is_limited_to_the_users_active_administrations():
    focal_point = FocalPointFactory()
    mine = RegistrationFactory(participant__sme__administration=focal_point.administration)
    RegistrationFactory()
    former = FocalPointFactory(is_active=False)
    RegistrationFactory(participant__sme__administration=former.administration)
    user = focal_point.user

    assert list(selectors.focal_point_administrations(user)) == [focal_point.administration]
    assert list(selectors.registrations_for_focal_point(user)) == [mine]
    assert list(selectors.smes_for_focal_point(user)) == [mine.sme]
    assert not selectors.focal_point_administrations(former.user).exists()
    assert not selectors.registrations_for_focal_point(UserFactory()).exists()


def test_smes_pending_first():
    focal_point = FocalPointFactory()
    administration = focal_point.administration
    SMEFactory(administration=administration, name="Aardvark", eligibility=Eligibility.CONFIRMED)
    SMEFactory(administration=administration, name="Zebra", eligibility=Eligibility.PENDING)
    names = [sme.name for sme in selectors.smes_for_focal_point(focal_point.user)]
    assert names == ["Zebra", "Aardvark"]


def test_overdue_is_pending_past_the_reminder_delay(settings):
    settings.VALIDATION_REMINDER_AFTER_DAYS = 3
    old, recent, decided = RegistrationFactory.create_batch(3)
    Registration.objects.filter(pk__in=[old.pk, decided.pk]).update(
        created_at=timezone.now() - datetime.timedelta(days=4)
    )
    Registration.objects.filter(pk=decided.pk).update(status=RegistrationStatus.VALIDATED, decided_at=timezone.now())
    assert list(selectors.registrations_overdue()) == [old]
    assert set(selectors.registrations_overdue(now=timezone.now() + datetime.timedelta(days=5))) == {old, recent}
