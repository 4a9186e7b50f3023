"""`hotline call --url --keys …`: the call placed inside the running server's emulator.

`hotline run` starts its emulator paced (`hotline emulator --speed`): a caller placed there
waits in the room while the server's worker calls the staff, in the same simulated world, as
on Twilio. An emulator that does not offer `/_emulator/calls` (an older or instant one) says
404, and `hotline call` then runs the call on an emulator of its own, as before.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import click
import requests

POLL_SECONDS = 0.25
CALL_LIMIT_SECONDS = 600  # a scripted call that has not ended by then never will


@dataclass(frozen=True)
class ServerCall:
    transcript: str
    staff: list[str]


def place(
    api_base: str, auth: tuple[str, str], call: tuple[str, str, str, str], ascii_only: bool
) -> ServerCall | None:
    """Run the call (from, to, keys, staff) on the server's emulator; None without a door."""
    from_, to, keys, staff = call
    http = requests.Session()
    http.trust_env = False  # loopback only, whatever proxies the environment names
    http.auth = auth
    try:
        answer = http.post(
            f"{api_base}/_emulator/calls",
            data={"From": from_, "To": to, "Keys": keys, "Staff": staff},
            timeout=10,
        )
    except requests.RequestException:
        return None  # no emulator there: the caller's own emulator reports it clearly
    if answer.status_code == 404:
        return None
    if answer.status_code != 201:
        raise click.ClickException(f"the emulator refused the call: {answer.text[:200]}")
    sid = answer.json()["sid"]
    deadline = time.monotonic() + CALL_LIMIT_SECONDS
    while time.monotonic() < deadline:
        query = {"ascii": "1"} if ascii_only else {}
        state = http.get(f"{api_base}/_emulator/calls/{sid}", params=query, timeout=10).json()
        if state["done"]:
            return ServerCall(state["transcript"], list(state["staff"]))
        time.sleep(POLL_SECONDS)
    raise click.ClickException(f"the call {sid} had not ended after {CALL_LIMIT_SECONDS} s")
