"""Property-based: whatever a form posts (huge or negative numbers, digits of other scripts, control
and bidi characters, over-long text, fields missing or repeated), the site answers without a server
error, and a refused post stores nothing."""

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.urls import reverse
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from registration.models import SME, ParticipantProfile, Registration
from smepilot.outbox.models import OutgoingMessage
from tests.test_templates_a11y_i18n import world  # noqa: F401  (a fixture)

pytestmark = pytest.mark.django_db

HYPOTHESIS = settings(
    max_examples=40,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

NASTY_WORDS = [
    "2147483647",
    "2147483648",
    "-2147483649",
    "9223372036854775808",
    "99999999999999999999999999999999",
    "-1",
    "0",
    "²",
    "٣",
    "１２",
    "1e9",
    "NaN",
    "Infinity",
    "0x1F",
    " 12 ",
    "",
    "\x00",
    "A\r\nBcc: x@example.org",
    "\u202egnp.exe",
    "\u2066x\u2069",
    "\x1b[2J",
    "\x85",
    "x" * 5000,
    "approve",
    "reject",
    "confirm",
    "refuse",
    "KES",
    "in_person",
    "remote",
    "on",
    "en",
    "ar",
]
VALUE = st.one_of(
    st.sampled_from(NASTY_WORDS),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.text(st.characters(categories=["Nd", "No"]), min_size=1, max_size=4),  # "²", "٣", "１２"
    st.text(st.characters(codec="utf-8"), max_size=40),
)
# A field sent once, or repeated.
FIELD = st.one_of(VALUE, st.lists(VALUE, min_size=2, max_size=3))


def form_data(**valid):
    """The form's fields, valid but one hostile (so that it reaches the code behind the form), or any
    subset of them (missing fields), each valid or hostile."""
    names = sorted(valid)
    one_hostile = st.sampled_from(names).flatmap(lambda name: FIELD.map(lambda value: {**valid, name: value}))
    any_subset = st.fixed_dictionaries(
        {}, optional={name: st.one_of(st.just(value), FIELD) for name, value in valid.items()}
    )
    return st.one_of(one_hostile, one_hostile, any_subset)


def stored():
    return (
        list(get_user_model().objects.order_by("pk").values("pk", "email", "is_active")),
        list(EmailAddress.objects.order_by("pk").values()),
        list(SME.objects.order_by("pk").values()),
        list(ParticipantProfile.objects.order_by("pk").values()),
        list(Registration.objects.order_by("pk").values()),
        OutgoingMessage.objects.count(),
    )


def check(client, url, data, *, may_store=True):
    """No server error; a post that did not succeed (anything but a redirect) stored nothing."""
    before = stored()
    response = client.post(url, data)
    assert response.status_code < 500, (url, data)
    if response.status_code != 302 or not may_store:
        assert stored() == before, (url, data)


SME_VALID = {
    "name": "Mesh Kenya",
    "employees": "12",
    "annual_revenue": "250000",
    "revenue_currency": "KES",
    "website": "mesh.example",
    "address": "Ngong Road",
}


def test_sme_declaration(client, world):  # noqa: F811
    client.force_login(world["participant"].user)
    url = reverse("registration:sme_declare")

    @HYPOTHESIS
    @given(form_data(**SME_VALID))
    @example({**SME_VALID, "employees": "2147483648"})  # found by a probe: "integer out of range"
    @example({**SME_VALID, "name": "Mesh\u202e Kenya", "address": "Ngong Road\x1b[2J"})
    def run(data):
        check(client, url, data)

    run()


def test_profile(client, world):  # noqa: F811
    client.force_login(world["participant"].user)
    url = reverse("registration:profile")
    administration = str(world["participant"].administration_id)

    @HYPOTHESIS
    @given(
        form_data(given_name="Kofi", family_name="Mensah", job_title="CEO", language="fr", privacy_consent="on"),
        st.sampled_from([administration, "²", "99999999999999999999", ""]),
    )
    def run(data, administration):
        check(client, url, {**data, "administration": administration})

    run()


def test_registration_new(client, world):  # noqa: F811
    client.force_login(world["participant"].user)
    url = reverse("registration:new")
    pk = world["meeting"].pk

    @HYPOTHESIS
    @given(
        form_data(
            **{
                f"meeting_{pk}": "on",
                f"attendance_{pk}": "remote",
                "meeting_²": "on",
                "attendance_99999999999999999999": "x",
            }
        )
    )
    def run(data):
        check(client, url, data)

    run()


def test_focal_point_decision(client, world):  # noqa: F811
    client.force_login(world["focal_point"].user)
    url = reverse("focalpoints:registration", args=[world["registration"].pk])

    @HYPOTHESIS
    @given(form_data(decision="reject", registration=str(world["registration"].pk), reason="Not an SME."))
    def run(data):
        check(client, url, data)

    run()


def test_focal_point_bulk_approve_of_anything_but_ids(client, world):  # noqa: F811
    client.force_login(world["focal_point"].user)
    url = reverse("focalpoints:bulk_approve")
    own = str(world["registration"].pk)

    @HYPOTHESIS
    @given(st.lists(VALUE.filter(lambda value: value.strip().lstrip("0") != own), max_size=4))
    @example(["²"])  # found by a probe: isdigit() accepts it, int() does not
    def run(values):
        check(client, url, {"registrations": values}, may_store=False)

    run()


def test_sme_confirmation(client, world):  # noqa: F811
    client.force_login(world["focal_point"].user)
    url = reverse("focalpoints:sme", args=[world["pending_sme"].pk])

    @HYPOTHESIS
    @given(form_data(decision="refuse", reason="Too large."))
    def run(data):
        check(client, url, data)

    run()
