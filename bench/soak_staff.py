"""Staff members working the callback queue through the JSON API, as the dashboard does.

Each takes the first entry due, presses "Rappeler", waits for the call to end (the worker
places it, the emulator rings their phone and the person's), and records the outcome. A
person whose number ends in 7 never answers (the emulator's phone book says so, and the
staff member, who hears it ring out, records "pas de réponse"); after the one retry the
entry is abandoned and the last-attempt SMS goes. A call that never comes (its job lost
with Redis, its worker killed) is cancelled with "Annuler la tentative" after a while and
started again, as a staff member would.
"""

from __future__ import annotations

import re
import threading
import time
from collections import Counter
from datetime import UTC, datetime

import requests

PASSWORD = "accueil-demo-2026"  # the demo's, set outside production only
# Staff who never take inbound calls in the soak (callers choose numérique: Camille's).
WORKERS = ("amina@demo.example", "karim@demo.example")
WAIT_FOR_CALL_SECONDS = 30  # then "Annuler la tentative" and try again
HTTP_TIMEOUT = 15


def unreachable(masked_phone: str) -> bool:
    """The soak's rule for who never answers, readable on the masked number staff see."""
    return masked_phone.strip().endswith("7")


class StaffMember:
    """One staff member, signed in, working the queue on a thread until told to stop."""

    def __init__(self, web: str, email: str, stop: threading.Event) -> None:
        self.web, self.email, self.stop = web, email, stop
        self.http = requests.Session()
        self.http.trust_env = False  # loopback only, whatever the environment's proxies
        self.csrf = ""
        self.actions: Counter[str] = Counter()
        self.thread = threading.Thread(target=self.work, name=f"staff-{email}", daemon=True)

    def sign_in(self) -> None:
        page = self.http.get(f"{self.web}/login", timeout=HTTP_TIMEOUT).text
        self.csrf = _token(r'name="csrf_token" value="([^"]+)"', page)
        form = {"email": self.email, "password": PASSWORD, "csrf_token": self.csrf}
        self.http.post(f"{self.web}/login", data=form, timeout=HTTP_TIMEOUT)
        page = self.http.get(f"{self.web}/queue", timeout=HTTP_TIMEOUT).text
        self.csrf = _token(r'name="csrf-token" content="([^"]+)"', page)

    def post(self, path: str, body: dict[str, str] | None = None) -> requests.Response:
        headers = {"X-CSRF-Token": self.csrf}
        return self.http.post(
            f"{self.web}{path}", json=body or {}, headers=headers, timeout=HTTP_TIMEOUT
        )

    def get(self, path: str) -> dict[str, object]:
        found: dict[str, object] = self.http.get(f"{self.web}{path}", timeout=HTTP_TIMEOUT).json()
        return found

    def work(self) -> None:
        while not self.stop.is_set():
            try:
                if not self.work_one():
                    self.stop.wait(0.5)
            except (requests.RequestException, ValueError) as error:
                self.actions[f"error {type(error).__name__}"] += 1
                self.stop.wait(1.0)

    def queue(self) -> list[dict[str, object]]:
        entries = self.get("/api/queue").get("entries", [])
        return entries if isinstance(entries, list) else []

    def work_one(self) -> bool:
        """Take, call and close the first entry due; False when there was none to take."""
        now = datetime.now(UTC).isoformat()
        due = [
            entry
            for entry in self.queue()
            if entry.get("status") in ("waiting", "retry_scheduled")
            and str(entry.get("due_at") or "") <= now  # a retry is not taken before its time
        ]
        for entry in due:
            claim = self.post(f"/api/callbacks/{entry['id']}/claim")
            self.actions[f"claim {claim.status_code}"] += 1
            if claim.status_code == 200:
                self.call_and_close(int(str(entry["id"])), str(entry.get("phone", "")))
                return True
        return False

    def call_and_close(self, callback_id: int, masked_phone: str) -> None:
        while not self.stop.is_set():
            called = self.post(f"/api/callbacks/{callback_id}/call")
            self.actions[f"call {called.status_code}"] += 1
            if called.status_code != 200:  # e.g. a call already made: its outcome is due
                break
            state = self.follow_call(callback_id)
            if state == "ended":
                break
            if state == "stuck":  # never rang: cancel, as the page offers after a while
                cancel = self.post(f"/api/callbacks/{callback_id}/cancel-call")
                self.actions[f"cancel {cancel.status_code}"] += 1
            self.actions[f"call {state}"] += 1
            self.stop.wait(1.0)
        outcome = "no_answer" if unreachable(masked_phone) else "reached"
        done = self.post(f"/api/callbacks/{callback_id}/outcome", {"outcome": outcome})
        self.actions[f"{outcome} {done.status_code}"] += 1

    def follow_call(self, callback_id: int) -> str:
        """How the attempt ended: "ended" (outcome to record), "failed" (the page says why
        and "Rappeler" works again) or "stuck" (still "Appel en cours" after a while)."""
        deadline = time.monotonic() + WAIT_FOR_CALL_SECONDS
        while time.monotonic() < deadline and not self.stop.is_set():
            progress = self.get(f"/api/callbacks/{callback_id}/progress")
            if not progress.get("live"):
                return "ended" if progress.get("outcome_allowed") else "failed"
            time.sleep(0.3)
        return "stuck"


def _token(pattern: str, page: str) -> str:
    found = re.search(pattern, page)
    if found is None:
        raise SystemExit("the soak could not sign in (no CSRF token on the page)")
    return found[1]
