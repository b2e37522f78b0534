"""The OpenAPI description is valid 3.1, and its docs page loads nothing from another site."""

import re

import pytest
import schemathesis
from django.contrib.staticfiles import finders

pytestmark = pytest.mark.django_db


def test_openapi_description_is_valid_openapi_3_1(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    raw = response.json()
    assert raw["openapi"].startswith("3.1")
    schema = schemathesis.openapi.from_dict(raw)
    schema.validate()  # against the OpenAPI 3.1 meta-schema
    paths = raw["paths"]
    for expected in ["/api/v1/organisations", "/api/v1/partnerships/{slug}/decisions", "/api/v1/audit-events",
                     "/api/v1/decisions/{decision_id}/position", "/api/v1/invitations/{invitation_id}/respond",
                     "/api/v1/me"]:
        assert expected in paths
    assert set(raw["components"]["securitySchemes"]) == {"TokenAuth", "SessionAuth"}
    assert raw["components"]["schemas"]["ErrorOut"]["required"] == ["detail"]


def test_docs_page_loads_its_assets_from_this_site_only(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html), "an asset from another host"
    assert "<script>" not in html and "onload=" not in html  # CSP: no inline script
    for asset in ["vendor/swagger-ui/swagger-ui-bundle.js", "vendor/swagger-ui/swagger-ui.css",
                  "api/swagger-init.js"]:
        assert f"/static/{asset}" in html
    assert finders.find("api/swagger-init.js")
    assert 'data-openapi-url="/api/v1/openapi.json"' in html
    assert "script-src 'self'" in response["Content-Security-Policy"]


def test_docs_page_assets_are_built(client):
    """`joinery build-assets` copies swagger-ui from npm; the page would be blank without it."""
    for asset in ["vendor/swagger-ui/swagger-ui-bundle.js", "vendor/swagger-ui/swagger-ui.css"]:
        assert finders.find(asset), f"{asset} is missing: run `make install` (joinery build-assets)"


def test_footer_link_reaches_the_docs(client):
    from django.urls import reverse

    assert reverse("api-1.0.0:openapi-view") == "/api/v1/docs"
