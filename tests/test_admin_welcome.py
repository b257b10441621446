import pytest
from django.urls import reverse

from tests.factories import secretariat_officer
from tests.second_factor import sign_in_with_second_factor

pytestmark = [pytest.mark.django_db, pytest.mark.both_engines]


def test_the_admin_greets_the_officer_by_name_never_by_the_made_up_username(client):
    officer = secretariat_officer(email="nadia.haddad@itu.example")
    officer.username = "nadia.haddad"  # what allauth makes up from the address
    officer.first_name, officer.last_name = "", ""
    officer.save()
    sign_in_with_second_factor(client, officer)
    content = client.get(reverse("admin:index")).content.decode()
    assert "nadia.haddad@itu.example" in content
    assert "<strong>nadia.haddad</strong>" not in content

    officer.first_name, officer.last_name = "Nadia", "Haddad"
    officer.save()
    content = client.get(reverse("admin:index")).content.decode()
    assert "<strong>Nadia Haddad</strong>" in content
