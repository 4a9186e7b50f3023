"""A structure's callback settings: policy, outbound hours, attempts, lease, SMS, missed calls.

Stored in `Structure.settings["callbacks"]`, always in the normalised form that
`normalise_callback_settings` returns (every key present, days written shortest), so the
structure file, the dashboard and a dump all compare equal when they mean the same thing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hotline.callbacks.errors import SettingsError
from hotline.callbacks.hours import OutboundHours, normalise_outbound_hours, outbound_hours
from hotline.callbacks.policy import Policy, normalise_policy, parse_policy
from hotline.models import Structure

DEFAULT_DELAYS = (60, 240, 1440)
DEFAULT_LEASE_MINUTES = 15
MAX_DELAY_MINUTES = 14 * 24 * 60
MAX_RETRIES = 10
MAX_LEASE_MINUTES = 240
_FLAGS = ("sms_after_last_attempt", "missed_call_callbacks")
FIELDS = (
    "policy",
    "outbound_hours",
    "attempt_delays_minutes",
    "claim_lease_minutes",
    *_FLAGS,
    "sms_sender",
)
# Who a French SMS may come from (twilio.com/en/guidelines/fr/sms): an alphanumeric sender ID
# registered for the account (3 to 11 of A-Z a-z 0-9 space + - _ &, at least one letter), or
# a messaging service (its SID, MG + 32 hex). Never a landline: Twilio refuses it (21606).
ALPHANUMERIC_SENDER = re.compile(r"^(?=.*[A-Za-z])[A-Za-z0-9 +_&-]{3,11}$")
MESSAGING_SERVICE_SID = re.compile(r"^MG[0-9a-fA-F]{32}$")


@dataclass(frozen=True)
class CallbackSettings:
    """How one structure runs its queue, read from its settings with defaults."""

    policy: Policy
    outbound_hours: OutboundHours
    attempt_delays_minutes: tuple[int, ...] = DEFAULT_DELAYS
    claim_lease_minutes: int = DEFAULT_LEASE_MINUTES
    sms_after_last_attempt: bool = False
    missed_call_callbacks: bool = False
    sms_sender: str = ""  # "" when the structure registered none: no SMS is sent

    @property
    def max_attempts(self) -> int:
        """The first call plus one retry per delay."""
        return 1 + len(self.attempt_delays_minutes)


def _whole_minutes(value: Any, path: tuple[str | int, ...], top: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= top:
        raise SettingsError(path, f"must be a whole number of minutes from 1 to {top}")
    return value


def _delays(raw: Any) -> list[int]:
    path: tuple[str | int, ...] = ("attempt_delays_minutes",)
    if not isinstance(raw, list) or len(raw) > MAX_RETRIES:
        raise SettingsError(path, f"must be a list of at most {MAX_RETRIES} delays in minutes")
    return [
        _whole_minutes(value, (*path, index), MAX_DELAY_MINUTES) for index, value in enumerate(raw)
    ]


def _sms_sender(raw: Any) -> str:
    if raw is None or raw == "":
        return ""
    if isinstance(raw, str) and (
        ALPHANUMERIC_SENDER.fullmatch(raw) or MESSAGING_SERVICE_SID.fullmatch(raw)
    ):
        return raw
    raise SettingsError(
        ("sms_sender",),
        "must be an alphanumeric sender ID (3 to 11 letters, digits, spaces or + - _ &, at "
        "least one letter) or a messaging service SID (MG followed by 32 hex digits); "
        "a phone number cannot send SMS in France",
    )


def normalise_callback_settings(raw: Mapping[str, Any] | None) -> dict[str, Any]:
    """Check the `callbacks` section and return its stored form; SettingsError names the field."""
    raw = raw or {}
    if not isinstance(raw, Mapping):
        raise SettingsError((), "callbacks must be a mapping")
    for name in raw:
        if name not in FIELDS:
            raise SettingsError((str(name),), f"unknown field (known: {', '.join(FIELDS)})")
    stored: dict[str, Any] = {
        "policy": normalise_policy(raw.get("policy")),
        "outbound_hours": normalise_outbound_hours(raw.get("outbound_hours")),
        "attempt_delays_minutes": _delays(raw.get("attempt_delays_minutes", list(DEFAULT_DELAYS))),
        "claim_lease_minutes": _whole_minutes(
            raw.get("claim_lease_minutes", DEFAULT_LEASE_MINUTES),
            ("claim_lease_minutes",),
            MAX_LEASE_MINUTES,
        ),
    }
    for flag in _FLAGS:
        value = raw.get(flag, False)
        if not isinstance(value, bool):
            raise SettingsError((flag,), "must be true or false")
        stored[flag] = value
    stored["sms_sender"] = _sms_sender(raw.get("sms_sender"))
    return stored


def callback_settings(structure: Structure) -> CallbackSettings:
    """The structure's settings, defaults filled in (a structure that set nothing gets them all)."""
    data = normalise_callback_settings((structure.settings or {}).get("callbacks"))
    return CallbackSettings(
        policy=parse_policy(data["policy"]),
        outbound_hours=outbound_hours(data["outbound_hours"], structure),
        attempt_delays_minutes=tuple(data["attempt_delays_minutes"]),
        claim_lease_minutes=data["claim_lease_minutes"],
        sms_after_last_attempt=data["sms_after_last_attempt"],
        missed_call_callbacks=data["missed_call_callbacks"],
        sms_sender=data["sms_sender"],
    )
