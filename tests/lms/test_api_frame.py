"""The API frame: strict JSON bodies, shared fields, 405 with ``Allow``, the documented ``X-Pagination``,
``OPTIONS`` without a token, and answers in the token owner's language."""

from __future__ import annotations

import json

import pytest
from marshmallow import Schema, ValidationError

from lms.api import fields as api_fields
from lms.api.parsing import MAX_DEPTH, UnsafeJson, loads

JSON = {"Content-Type": "application/json"}


@pytest.fixture
def admin_headers(make_user, token_for):
    return {**token_for(make_user("admin"), "read write"), **JSON}


def _user(name: str = "Kim") -> str:
    return '{"email": "new@example.org", "name": "' + name + '", "role": "trainee"}'


#: Bodies that crashed the app (or stored what later breaks): each is refused at parse time.
HOSTILE_BODIES = {
    "deep_arrays": "[" * 100_000 + "]" * 100_000,
    "deep_objects": '{"a":' * 50_000 + "1" + "}" * 50_000,
    "deep_in_a_field": '{"email": "a@example.org", "name": ' + "[" * 5_000 + "]" * 5_000 + "}",
    "lone_surrogate": _user("\\ud800"),
    "surrogate_in_key": '{"\\udfff": 1}',
    "nul_in_text": _user("Kim\\u0000"),
    "nul_in_key": '{"a\\u0000": 1}',
    "too_large_number": '{"email": "a@example.org", "name": "Kim", "role": "trainee", "x": 1e400}',
    "nan": '{"email": "a@example.org", "name": NaN}',
    "infinity": '{"name": -Infinity}',
    "not_utf8": b'{"name": "\xff"}',
    "integer_past_the_digit_limit": '{"name": ' + "9" * 5_000 + "}",
}


@pytest.mark.parametrize("body", HOSTILE_BODIES.values(), ids=HOSTILE_BODIES.keys())
def test_hostile_json_body_is_a_400_in_the_api_shape(client, admin_headers, body):
    response = client.post("/api/v1/users", data=body, headers=admin_headers)
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    answer = response.get_json()
    assert answer["code"] == 400 and answer["status"] == "Bad Request"
    assert answer["message"] and answer["errors"]["json"] == [answer["message"]]


def test_deep_nesting_names_the_limit(client, admin_headers):
    answer = client.post("/api/v1/users", data="[" * 100_000, headers=admin_headers).get_json()
    assert str(MAX_DEPTH) in answer["message"]


def test_strict_loads_keeps_what_is_fine():
    text = '{"a": [1, 2.5, -3e10, "x\\"[{y", {"b": null}], "한국어": true, "\\ud55c": "\\ud83c\\udfac"}'
    assert loads(text) == json.loads(text)
    assert loads(json.dumps([[[[1]]]] * 3)) == [[[[1]]]] * 3
    nested = "[" * MAX_DEPTH + "]" * MAX_DEPTH
    assert loads(nested) == json.loads(nested)
    with pytest.raises(UnsafeJson):
        loads("[" + nested + "]")
    brackets_in_text = json.dumps({"a": ['\\"[{' * 1000, "]" * 1000, "[" * 1000]})
    assert loads(brackets_in_text) == json.loads(brackets_in_text)


def test_a_valid_body_still_creates(client, admin_headers):
    response = client.post("/api/v1/users", data=_user(), headers=admin_headers)
    assert response.status_code == 201, response.get_json()


def test_the_apps_json_provider_is_strict_too(app):
    """``request.get_json()`` (pages, plugins) gets the same rules as the API's parser."""
    with app.test_request_context("/x", data='{"a": "\\u0000"}', content_type="application/json"):
        from flask import request

        with pytest.raises(Exception) as refused:
            request.get_json()
        assert getattr(refused.value, "code", None) == 400


class _Times(Schema):
    at = api_fields.AwareDateTime()
    naive = api_fields.DateTime()
    level = api_fields.Float()
    amount = api_fields.Decimal()
    user_id = api_fields.Id()


@pytest.mark.parametrize(
    "data",
    [
        {"at": "9999-12-31T23:00:00-05:00"},
        {"at": "0001-01-01T00:30:00+01:00"},
        {"naive": "9999-12-31T23:59:59-00:01"},
        {"level": "inf"},
        {"level": "NaN"},
        {"level": 1e308 * 10},
        {"amount": "Infinity"},
        {"amount": "nan"},
        {"user_id": 2**63},
        {"user_id": 0},
        {"user_id": "7"},
    ],
)
def test_shared_fields_refuse_out_of_range_times_and_non_finite_numbers(data):
    with pytest.raises(ValidationError) as refused:
        _Times().load(data)
    assert set(refused.value.messages) == set(data)


def test_id_field_is_documented_with_its_range(app):
    from apispec import APISpec
    from apispec.ext.marshmallow import MarshmallowPlugin

    spec = APISpec("t", "1", "3.0.3", plugins=[MarshmallowPlugin()])
    spec.components.schema("Times", schema=_Times)
    shown = spec.to_dict()["components"]["schemas"]["Times"]["properties"]["user_id"]
    assert shown["minimum"] == 1 and shown["maximum"] == api_fields.MAX_ID
    assert _Times().load({"user_id": api_fields.MAX_ID}) == {"user_id": api_fields.MAX_ID}


def test_shared_time_fields_answer_in_utc():
    loaded = _Times().load({"at": "2030-01-01T09:00:00+09:00", "naive": "2030-01-01T00:00:00"})
    assert loaded["at"].isoformat() == "2030-01-01T00:00:00+00:00"
    assert loaded["naive"].isoformat() == "2030-01-01T00:00:00+00:00"


def test_405_says_which_methods_are_allowed(client, admin_headers):
    response = client.put("/api/v1/users", data="{}", headers=admin_headers)
    assert response.status_code == 405
    assert set(response.headers["Allow"].split(", ")) >= {"GET", "POST"}
    assert response.get_json()["code"] == 405
    page = client.put("/auth/login")
    assert page.status_code == 405 and "POST" in page.headers["Allow"]


def test_x_pagination_is_documented_as_the_json_text_it_is(client, make_user, token_for):
    document = client.get("/api/v1/openapi.json").get_json()
    header = document["paths"]["/api/v1/users"]["get"]["responses"]["200"]["headers"]["X-Pagination"]
    assert header["schema"]["type"] == "string"
    headers = token_for(make_user("admin"))
    sent = client.get("/api/v1/users?page_size=1", headers=headers).headers["X-Pagination"]
    assert isinstance(sent, str) and json.loads(sent)["total"] >= 1
    import re

    assert re.fullmatch(header["schema"]["pattern"], sent)


def test_options_needs_no_token_and_reveals_no_data(client):
    response = client.options("/api/v1/users")
    assert response.status_code == 200 and "GET" in response.headers["Allow"]
    assert response.get_data() == b""
    tus = client.options("/api/v1/uploads/")
    assert tus.status_code == 204 and tus.headers["Tus-Version"] == "1.0.0"
    assert tus.headers["Tus-Resumable"] == "1.0.0" and tus.get_data() == b""
    assert client.options("/api/v1/uploads/someid").status_code == 204
    # Everything else still needs the token.
    assert client.get("/api/v1/users").status_code == 401
    assert client.post("/api/v1/uploads/", headers={"Tus-Resumable": "1.0.0"}).status_code == 401


def _korean(text: str) -> bool:
    return any("\uac00" <= c <= "\ud7a3" for c in text)


def test_api_answers_in_the_token_owners_language(client, make_user, token_for):
    korean = make_user("trainee", locale="ko")
    headers = token_for(korean)  # sends Accept-Language: en
    answer = client.get("/api/v1/users", headers=headers).get_json()
    assert answer["code"] == 403 and _korean(answer["message"]), answer
    english = make_user("trainee", locale="en")
    answer = client.get("/api/v1/users", headers={**token_for(english), "Accept-Language": "ko"}).get_json()
    assert answer["code"] == 403 and not _korean(answer["message"]), answer


def test_api_without_a_token_or_locale_follows_accept_language(client, make_user, token_for):
    unset = make_user("trainee")  # no language chosen
    answer = client.get("/api/v1/users", headers={**token_for(unset), "Accept-Language": "ko"}).get_json()
    assert _korean(answer["message"])
    anonymous = client.get("/api/v1/users", headers={"Accept-Language": "en"}).get_json()
    assert anonymous["code"] == 401 and not _korean(anonymous["message"])


def test_api_ignores_a_session_cookies_language(client, make_user, login):
    """Session cookies mean nothing on the API: a signed-in Korean page user asking for English gets it."""
    login(make_user("trainee", locale="ko"))
    answer = client.get("/api/v1/users", headers={"Accept-Language": "en"}).get_json()
    assert answer["code"] == 401 and not _korean(answer["message"])


def test_validation_errors_have_our_message_not_werkzeugs(client, make_user, token_for):
    """A 422 from a schema gets our sentence (translated once the catalogues have it), not werkzeug's."""
    for locale in ("en", "ko"):
        headers = {**token_for(make_user("admin", locale=locale), "read write"), **JSON}
        answer = client.post("/api/v1/users", data='{"email": "x"}', headers=headers).get_json()
        assert answer["code"] == 422 and answer["errors"]["json"]
        assert "semantic" not in answer["message"], answer
    assert answer["message"] != "" and (_korean(answer["message"]) or answer["message"].startswith("Some of"))


def test_marshmallows_messages_go_through_the_catalogue(client, make_user, token_for, monkeypatch):
    """Field errors pass through gettext (marshmallow words them in English only); English stays as it was."""
    import lms.api.validation_messages as words

    headers = {**token_for(make_user("admin"), "read write"), **JSON}
    body = '{"email": "x", "name": "' + "n" * 500 + '", "extra": 1}'
    english = client.post("/api/v1/users", data=body, headers=headers).get_json()["errors"]["json"]
    assert english["role"] == ["Missing data for required field."]
    assert english["name"][0] == "Length must be between 1 and 120." and english["extra"] == [
        "Unknown field."
    ]
    monkeypatch.setattr(words, "_", lambda text, **params: "T:" + (text % params if params else text))
    translated = client.post("/api/v1/users", data=body, headers=headers).get_json()["errors"]["json"]
    assert translated["role"] == ["T:Missing data for required field."]
    assert translated["name"][0] == "T:Length must be between 1 and 120." and translated["extra"] == [
        "T:Unknown field."
    ]
    paging = client.get("/api/v1/users?page_size=1000", headers=headers).get_json()["errors"]["query"]
    assert paging["page_size"][0].startswith("T:Must be greater than or equal to 1 and less than")
