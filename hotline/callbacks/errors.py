"""Why a queue action was refused, in words a staff member can read (French).

Each error carries `reason`, the sentence the dashboard or the staff phone menu shows.
"""

from __future__ import annotations

from datetime import datetime

Path = tuple[str | int, ...]


class CallbackError(Exception):
    """A queue action that cannot be done; `reason` is shown to staff as is."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class NotClaimable(CallbackError):
    """The entry cannot be taken: not in the staff's structure, closed, or not claimed first."""


class UnknownCallback(NotClaimable):
    """No such entry in the staff member's structure (the API answers 404, as for a page)."""


class AlreadyClaimed(NotClaimable):
    """Someone else holds the entry; `by_name` says who, so nobody calls twice."""

    def __init__(self, by_name: str) -> None:
        super().__init__(f"Déjà pris par {by_name}.")
        self.by_name = by_name


class OutsideOutboundHours(CallbackError):
    """No caller is rung outside the structure's allowed hours; `next_allowed` says when."""

    def __init__(self, next_allowed: datetime | None, when: str = "") -> None:
        reason = "Hors des heures d'appel de la structure"
        reason += f" : possible {when}." if when else "."
        super().__init__(reason)
        self.next_allowed = next_allowed


class InvalidInput(CallbackError):
    """A value typed by staff cannot be used (a phone number, « orienté vers » left empty)."""


class NotAllowed(CallbackError):
    """The staff member's role does not allow this (the policy is a coordinator's choice)."""


class SettingsError(ValueError):
    """A callback setting is wrong; `path` names the field, from the `callbacks` section."""

    def __init__(self, path: Path, message: str) -> None:
        self.path = path
        self.message = message
        super().__init__(f"{self.field}: {message}")

    @property
    def field(self) -> str:
        out = ""
        for part in self.path:
            out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
        return out
