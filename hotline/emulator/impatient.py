"""A caller who hangs up while staff phones are still ringing.

Wraps any caller: it hears, gathers and records as the wrapped one does, and at a <Dial>
it waits `ring_patience` seconds, then hangs up if nobody was bridged by then. `dial.py`
then does what Twilio does when the parent call ends: the parent call completes, every
child leg still ringing is canceled (its statusCallback reports `canceled`), and the
<Dial> action is not requested, since there is no caller left to continue with.
"""

from __future__ import annotations

from dataclasses import dataclass

from hotline.emulator.callers import Caller, GatherInput, GatherPrompt, RecordInput, RecordPrompt


@dataclass
class HangsUpWhileRinging:
    """`caller`, who gives up on a <Dial> after `ring_patience` seconds of ringing."""

    caller: Caller
    ring_patience: int

    def hear(self, text: str) -> None:
        self.caller.hear(text)

    def gather(self, prompt: GatherPrompt) -> GatherInput:
        return self.caller.gather(prompt)

    def record(self, prompt: RecordPrompt) -> RecordInput:
        return self.caller.record(prompt)


def ring_patience(caller: Caller) -> int | None:
    """Seconds this caller lets staff phones ring before hanging up; None: the whole <Dial>."""
    patience = getattr(caller, "ring_patience", None)
    return patience if isinstance(patience, int) else None
