"""The JSON API never answers 500: hand-picked bodies and ids, then its OpenAPI file fuzzed.

Schemathesis generates requests from hotline/api/openapi.yaml (valid ones, then invalid
ones) and sends them in-process to the Flask app through its WSGI support, with a signed-in
session and its CSRF token, as the dashboard would. Bounded so it stays a few seconds.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

pytestmark = pytest.mark.usefixtures("demo")
OPENAPI = Path(__file__).resolve().parents[1] / "hotline" / "api" / "openapi.yaml"
HUGE = 10**30
# Kept small for `make test`; HOTLINE_FUZZ_EXAMPLES=2000 for a deep run before a release.
FUZZ_EXAMPLES = int(os.environ.get("HOTLINE_FUZZ_EXAMPLES", "40"))


def test_a_json_body_that_is_not_an_object_is_a_400_in_french(sign_in: Any) -> None:
    amina = sign_in("amina")
    created = amina.post_json("/api/callbacks", {"phone": "06 12 34 56 78"}).get_json()
    amina.post_json(f"/api/callbacks/{created['id']}/claim")
    for body in ([], [["phone", "0612345678"]], "texte", 42, True):
        for path in ("/api/callbacks", f"/api/callbacks/{created['id']}/outcome"):
            response = amina.client.post(path, json=body, headers={"X-CSRF-Token": amina.csrf})
            assert response.status_code == 400, (body, path, response.status_code)
            assert response.get_json()["message"] == "Le contenu envoyé doit être un objet JSON."


def test_a_huge_id_is_a_404_in_french(sign_in: Any) -> None:
    amina = sign_in("amina")
    for action in ("claim", "release", "call", "outcome"):
        response = amina.post_json(f"/api/callbacks/{HUGE}/{action}", {"outcome": "reached"})
        assert response.status_code == 404, action
        assert response.get_json()["message"] == "Ce rappel n'existe pas."
    for page in (f"/callbacks/{HUGE}", f"/recordings/{HUGE}"):
        assert amina.get(page).status_code == 404


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_the_api_fuzzed_from_its_openapi_file_never_answers_500(
    app: Any, sign_in: Any, mode: GenerationMode
) -> None:
    amina = sign_in("amina")
    schema = schemathesis.openapi.from_path(OPENAPI)
    schema.app = app
    for phone in ("06 12 34 56 78", "06 12 34 56 79", "+33 6 12 34 56 70"):  # ids to hit
        assert amina.post_json("/api/callbacks", {"phone": phone}).status_code == 201
    csrf = {"X-CSRF-Token": amina.csrf}
    # The schema names the session cookie, so cases carry a made-up one: ours must win.
    cookies = {"session": amina.client.get_cookie("session").value}
    seen: set[int] = set()

    @settings(
        max_examples=FUZZ_EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=schema.as_strategy(generation_mode=mode))
    def fuzz(case: Any) -> None:
        response = case.call(headers=csrf, cookies=cookies)
        seen.add(response.status_code)
        case.validate_response(response, checks=[not_a_server_error])

    fuzz()
    assert seen - {401, 302}, "the fuzzed requests must reach the API signed in"
