"""The home timeline API's errors: the one error shape, and each one declared in the schema."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db
API = "/api/v1/timelines/home"


def test_bad_since_is_a_400_naming_since(person):
    client = APIClient()
    client.force_authenticate(user=person("viewer"))
    error = client.get(API, {"since": "not-a-cursor"}).json()["error"]
    assert error["code"] == "invalid" and list(error["fields"]) == ["since"]


def test_signed_out_and_bad_token_are_401_in_the_error_shape():
    anonymous = APIClient().get(API)
    assert anonymous.status_code == 401 and anonymous.json()["error"]["code"] == "not_authenticated"
    bad_token = APIClient().get(API, HTTP_AUTHORIZATION="Bearer nope")
    assert bad_token.status_code == 401 and bad_token.json()["error"]["message"]


def test_schema_declares_the_errors_with_the_error_shape(api_client):
    schema = api_client.get("/api/schema/?format=json").json()
    responses = schema["paths"][API]["get"]["responses"]
    assert {"200", "400", "401"} <= set(responses)
    for code in ("400", "401"):
        assert responses[code]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorOut")
