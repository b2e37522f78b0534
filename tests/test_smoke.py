import pytest

from tests.conftest import make_partnership


@pytest.mark.django_db
def test_home_page_lists_public_partnerships(client):
    make_partnership(name="Open Streets", visibility="public")
    make_partnership(name="Closed Room", visibility="private")
    page = client.get("/").content.decode()
    assert "Open Streets" in page
    assert "Closed Room" not in page
