"""The account's limits on calls placed through the REST API: pacing (CPS) and concurrency.

Twilio places API-created calls, conference participants included, at most `calls_per_second`
per account (default 1); extra calls wait in a queue (not refused) and the create response
says how long in `queue_time` (milliseconds). Inbound calls and <Dial> legs are not paced.
An account may also be limited in concurrent calls (2 or 3 for new accounts without an
approved Business profile): creating a participant over it fails with error 16021.
The emulator refuses a `calls.create` over the limit with the same code (stricter: Twilio
documents the code for participants only) and counts queued calls as live, so a burst of
creates cannot slip past the limit while the first ones are still waiting to be placed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hotline.emulator.errors import EmulatorError
from hotline.emulator.rest_http import ApiError

CONCURRENCY_LIMIT_EXCEEDED = 16021
DEFAULT_CALLS_PER_SECOND = 1.0
MAX_CALLS_PER_SECOND = 30.0  # the highest CPS an approved account can set in the Console


@dataclass
class Account:
    """Pacing and concurrency state of the emulated account (shared by all REST calls)."""

    calls_per_second: float = DEFAULT_CALLS_PER_SECOND
    max_concurrent_calls: int | None = None
    live: set[str] = field(default_factory=set)
    _next_slot: float = 0.0

    def __post_init__(self) -> None:
        if not 0 < self.calls_per_second <= MAX_CALLS_PER_SECOND:
            raise EmulatorError(
                f"calls_per_second must be in (0, {MAX_CALLS_PER_SECOND:g}],"
                f" got {self.calls_per_second}"
            )
        if self.max_concurrent_calls is not None and self.max_concurrent_calls < 1:
            raise EmulatorError("max_concurrent_calls must be at least 1 (or None: unlimited)")

    def check_concurrency(self, what: str = "call") -> None:
        """Refuse one more call when the account is at its concurrent-call limit."""
        limit = self.max_concurrent_calls
        if limit is not None and len(self.live) >= limit:
            raise ApiError(
                400,
                CONCURRENCY_LIMIT_EXCEEDED,
                f"Failed to create the {what}: account concurrency limit exceeded"
                f" ({len(self.live)} live calls, limit {limit})",
            )

    def admit(self, sid: str, now: float, what: str = "call") -> float:
        """Admit an API-created call at simulated time `now`; return when it may be placed."""
        self.check_concurrency(what)
        slot = max(now, self._next_slot)
        self._next_slot = slot + 1.0 / self.calls_per_second
        self.live.add(sid)
        return slot

    def enter(self, sid: str) -> None:
        """A call that is not paced (inbound) still counts toward concurrency."""
        self.live.add(sid)

    def leave(self, sid: str) -> None:
        self.live.discard(sid)
