"""Helpers for the API tests: a client that speaks JSON and authenticates with a token."""

import json

import pytest
from django.test import Client

from joinery.accounts.services import api_token_create

BASE = "/api/v1"


def token_for(person, scope: str = "read_write") -> str:
    """A personal API token for `person`, made through the service as the account page does."""
    _token, key = api_token_create(actor=person, name=f"test {scope}", scope=scope)
    return key


class ApiClient:
    """Calls /api/v1 with JSON bodies; `as_(person)` authenticates with a fresh token."""

    def __init__(self, key: str | None = None):
        self.client = Client()
        self.key = key

    def as_(self, person, scope: str = "read_write") -> "ApiClient":
        return ApiClient(token_for(person, scope))

    def request(self, method: str, path: str, body=None, **query):
        headers = {"Authorization": f"Bearer {self.key}"} if self.key else {}
        url = path if path.startswith("/") and path.startswith(BASE) else f"{BASE}{path}"
        kwargs = {"headers": headers}
        if body is not None:
            kwargs.update(data=json.dumps(body), content_type="application/json")
        elif query:
            kwargs["data"] = query
        return getattr(self.client, method.lower())(url, **kwargs)

    def get(self, path, **query):
        return self.request("GET", path, **query)

    def post(self, path, body=None):
        return self.request("POST", path, body if body is not None else {})

    def patch(self, path, body):
        return self.request("PATCH", path, body)

    def put(self, path, body):
        return self.request("PUT", path, body)

    def delete(self, path):
        return self.request("DELETE", path)


@pytest.fixture
def api(db):
    """An anonymous API client; `api.as_(person)` for one with a read-write token."""
    return ApiClient()
