import pytest
from django.core import signing

from focalpoints import links


def test_round_trip_is_bound_to_registrations_focal_point_and_administration():
    token = links.link_token_make(registration_ids=[5, 3], focal_point_id=7, administration_id=11)
    link = links.link_token_read(token)
    assert link == links.ValidationLink(registration_ids=(3, 5), focal_point_id=7, administration_id=11)


def test_changed_payload_other_salt_and_wrong_shape_are_invalid():
    token = links.link_token_make(registration_ids=[1], focal_point_id=2, administration_id=3)
    value, _sep, signature = token.rpartition(":")
    forged = signing.dumps({"r": [2], "f": 2, "a": 3}, salt=links.SALT).rsplit(":", 1)[0] + ":" + signature
    for bad in (
        forged,
        token[:-1],
        token[:10],
        "",
        signing.dumps({"r": [1], "f": 2, "a": 3}, salt="another.purpose"),
        signing.dumps({"r": [], "f": 2, "a": 3}, salt=links.SALT),
        signing.dumps({"r": ["x"], "f": 2, "a": 3}, salt=links.SALT),
        signing.dumps(["not", "a", "dict"], salt=links.SALT),
    ):
        with pytest.raises(links.LinkInvalid):
            links.link_token_read(bad)


def test_expiry_follows_the_setting(settings):
    token = links.link_token_make(registration_ids=[1], focal_point_id=2, administration_id=3)
    settings.VALIDATION_LINK_MAX_AGE_DAYS = 0
    with pytest.raises(links.LinkExpired):
        links.link_token_read(token)
