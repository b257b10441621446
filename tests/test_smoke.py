def test_home_page_renders_with_secretariat_contact(client):
    response = client.get("/")
    assert response.status_code == 200
    assert b"devsg@itu.int" in response.content


def test_favicon_ico_answers_with_the_site_icon_not_a_404(client):
    from django.contrib.staticfiles import finders
    from django.templatetags.static import static

    response = client.get("/favicon.ico")

    assert response.status_code in (301, 302)
    assert response["Location"] == static("favicon.svg")
    icon = finders.find("favicon.svg")
    assert icon, "static/favicon.svg is missing"
    with open(icon, encoding="utf-8") as svg:
        content = svg.read()
    assert content.lstrip().startswith("<svg") and "</svg>" in content
    assert (
        '<link rel="icon" href="' + static("favicon.svg") + '" type="image/svg+xml">'
        in client.get("/").content.decode()
    )
