"""Explore API errors: a bad term is a clear 400, every error is declared with the one error shape."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db
TERM_API = "/api/v1/explore/trending/tweets"


@pytest.mark.parametrize(
    ("term", "says"),
    [
        ("", "may not be blank"),
        ("   ", "may not be blank"),
        ("x" * 61, "no more than 60 characters"),
        ("chess\x00final", "Null characters are not allowed"),
    ],
)
def test_a_bad_term_is_a_400_naming_term(api_client, term, says):
    response = api_client.get(TERM_API, {"term": term})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid" and list(error["fields"]) == ["term"]
    assert says in error["fields"]["term"][0] and says in error["message"]
    assert b"\x00" not in response.content and b"\\u0000" not in response.content


def test_a_missing_term_is_a_400_and_a_good_one_is_normalised(api_client):
    error = api_client.get(TERM_API).json()["error"]
    assert error["fields"] == {"term": ["This field is required."]}
    body = api_client.get(TERM_API, {"term": "  #ChessFinal "}).json()
    assert body == {"term": "#chessfinal", "results": [], "next_cursor": None}


def test_a_bad_token_is_a_401_in_the_error_shape(api_client):
    for path in ("/api/v1/explore/popular", "/api/v1/explore/trending", f"{TERM_API}?term=chess"):
        response = api_client.get(path, HTTP_AUTHORIZATION="Bearer nope")
        assert response.status_code == 401 and response.json()["error"]["message"], path


def test_schema_declares_term_limits_and_errors(api_client):
    schema = api_client.get("/api/schema/?format=json").json()
    declared = {
        "/api/v1/explore/popular": {"400", "401"},
        "/api/v1/explore/trending": {"401"},
        TERM_API: {"400", "401"},
    }
    for path, errors in declared.items():
        responses = schema["paths"][path]["get"]["responses"]
        assert {code for code in responses if code >= "400"} == errors, path
        for code in errors:
            assert responses[code]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorOut")
    (term,) = schema["paths"][TERM_API]["get"]["parameters"]
    assert term["name"] == "term" and term["in"] == "query" and term["required"] is True
    assert term["schema"] == {"type": "string", "minLength": 1, "maxLength": 60}
