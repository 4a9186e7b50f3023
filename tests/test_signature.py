"""The webhook signature check: one HMAC in the common case, same verdicts as Twilio's validator."""

from __future__ import annotations

import pytest
from twilio.request_validator import RequestValidator

from hotline.config import DEV_AUTH_TOKEN
from hotline.emulator import compute_signature
from hotline.telephony.signature import is_valid_signature

PARAMS = {"CallSid": "CA" + "1" * 32, "From": "+33600000999", "To": "+33184880000", "Digits": "1"}


@pytest.mark.parametrize(
    ("signed_as", "checked_as"),
    [
        (
            "https://hotline.test/voice/menu?node=main_menu",
            "https://hotline.test/voice/menu?node=main_menu",
        ),
        ("https://hotline.test:443/voice/menu", "https://hotline.test/voice/menu"),
        ("https://hotline.test/voice/menu", "https://hotline.test:443/voice/menu"),
        (
            "https://hotline.test/voice/menu?x=%C3%A9t%C3%A9",
            "https://hotline.test/voice/menu?x=%C3%A9t%C3%A9",
        ),
    ],
)
def test_valid_signatures_agree_with_twilio(signed_as: str, checked_as: str) -> None:
    signature = compute_signature(DEV_AUTH_TOKEN, signed_as, PARAMS)
    validator = RequestValidator(DEV_AUTH_TOKEN)
    assert validator.validate(checked_as, PARAMS, signature)
    assert is_valid_signature(validator, checked_as, PARAMS, signature)


@pytest.mark.parametrize(
    "tamper",
    [
        lambda url, params: (url, {**params, "Digits": "2"}),
        lambda url, params: (url + "&lang=en", params),
        lambda url, params: (url.replace("https", "http"), params),
        lambda url, params: (url.replace("%C3%A9", "é"), params),
    ],
)
def test_tampered_requests_are_refused_like_twilio_would(tamper) -> None:  # type: ignore[no-untyped-def]
    url = "https://hotline.test/voice/menu?x=%C3%A9"
    signature = compute_signature(DEV_AUTH_TOKEN, url, PARAMS)
    bad_url, bad_params = tamper(url, PARAMS)
    validator = RequestValidator(DEV_AUTH_TOKEN)
    assert not validator.validate(bad_url, bad_params, signature)
    assert not is_valid_signature(validator, bad_url, bad_params, signature)


def test_empty_signature_is_refused() -> None:
    assert not is_valid_signature(RequestValidator(DEV_AUTH_TOKEN), "https://h.test/", PARAMS, "")
