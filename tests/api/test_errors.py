"""One error shape everywhere: {"detail": str, "errors": {field: [messages]}}."""

import pytest

from joinery.organisations.models import Organisation
from tests.api.conftest import ApiClient, token_for
from tests.conftest import admin_of, make_organisation

pytestmark = pytest.mark.django_db


def assert_error_shape(response, status):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"detail", "errors"}
    assert isinstance(body["detail"], str) and body["detail"]
    assert all(isinstance(v, list) and all(isinstance(m, str) for m in v) for v in body["errors"].values())
    return body


@pytest.fixture
def writer(db):
    org = make_organisation(name="Error Testers")
    return ApiClient(token_for(admin_of(org))), org


def test_request_that_does_not_match_the_schema_is_422_with_field_errors(writer):
    client, _org = writer
    body = assert_error_shape(client.post("/organisations", {"name": "X", "sector": "nonsense"}), 422)
    assert list(body["errors"]) == ["sector"]
    body = assert_error_shape(client.post("/organisations", {}), 422)
    assert set(body["errors"]) == {"name", "sector"}


def test_bad_query_parameters_are_422_with_field_errors(api):
    body = assert_error_shape(api.get("/organisations", limit=1000), 422)
    assert "limit" in body["errors"]
    body = assert_error_shape(api.get("/organisations", sector="nowhere"), 422)
    assert "sector" in body["errors"]


def test_business_rule_is_400_with_the_services_field_error(writer):
    client, _org = writer
    body = assert_error_shape(client.post("/organisations", {"name": "Ministry", "sector": "public"}), 400)
    assert body["errors"] == {"level": ["Choose the level of government for a public body."]}
    assert body["detail"] == "Choose the level of government for a public body."
    assert not Organisation.objects.filter(name="Ministry").exists()


def test_model_validation_is_a_field_error_too(writer):
    client, _org = writer
    body = assert_error_shape(client.post("/organisations", {"name": "Webbed", "sector": "community",
                                                             "website": "not a url"}), 400)
    assert "website" in body["errors"]


def test_unknown_organisation_named_in_the_body_is_a_field_error(writer):
    client, _org = writer
    body = assert_error_shape(client.post("/partnerships", {"acting_for": "no-such-org", "name": "P",
                                                           "purpose": "Q"}), 400)
    assert list(body["errors"]) == ["acting_for"]


def test_unparseable_body_is_400(writer):
    client, org = writer
    response = client.client.patch(f"/api/v1/organisations/{org.slug}", data="{not json",
                                   content_type="application/json",
                                   headers={"Authorization": f"Bearer {client.key}"})
    body = assert_error_shape(response, 400)
    assert "__all__" in body["errors"]


def test_text_no_database_could_store_is_refused(writer):
    client, _org = writer
    body = assert_error_shape(client.post("/organisations", {"name": "Nul\x00Org", "sector": "community"}), 422)
    assert "name" in body["errors"]
    body = assert_error_shape(client.get("/organisations", q="a\x00b"), 422)
    assert "q" in body["errors"]


def test_not_found_and_forbidden_have_the_same_shape(writer, api):
    client, org = writer
    assert_error_shape(api.get("/organisations/no-such-organisation"), 404)
    assert_error_shape(api.get("/decisions/999999"), 404)
    outsider = make_organisation(name="Outsiders")
    body = assert_error_shape(ApiClient(token_for(admin_of(outsider))).get(
        f"/organisations/{org.slug}/representatives"), 403)
    assert body["errors"] == {}
