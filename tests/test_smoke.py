def test_home_page_renders_with_secretariat_contact(client):
    response = client.get("/")
    assert response.status_code == 200
    assert b"devsg@itu.int" in response.content
