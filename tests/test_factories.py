import pytest

from tests import factories

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "factory",
    [
        factories.UserFactory,
        factories.StudyGroupFactory,
        factories.PilotFactory,
        factories.MeetingFactory,
        factories.AdministrationFactory,
        factories.FocalPointFactory,
        factories.SMEFactory,
        factories.ParticipantProfileFactory,
        factories.RegistrationFactory,
        factories.OutgoingMessageFactory,
    ],
)
def test_factory_builds_a_valid_saved_row(factory):
    obj = factory()
    obj.full_clean()
    assert type(obj).objects.filter(pk=obj.pk).exists()
