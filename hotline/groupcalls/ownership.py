"""Who owns a group-call series: the structure file that described it, or the dashboard.

A structure file is reloaded often (every `make run`, `hotline structure load`); a coordinator
who changes the file's "Café téléphonique" in the dashboard must not see the next load put the
old time back. So, as for the callback policy, the file gives a series its first form and the
dashboard owns it from its first edit there: the load leaves it alone and says so ("kept").
Both lists live in the structure's settings (a new mapping each time, so the JSON column sees
the change).
"""

from __future__ import annotations

from hotline.models import Structure

FILE_SERIES = "file_group_series"  # the series keys the file listed at its last load
EDITED_SERIES = "group_series_edited"  # the file's series a coordinator edited since


def _keys(structure: Structure, name: str) -> list[str]:
    return list((structure.settings or {}).get(name) or [])


def remember_file_series(structure: Structure, keys: list[str]) -> None:
    """Note which series the file lists now."""
    wanted = sorted(keys)
    if _keys(structure, FILE_SERIES) != wanted:
        structure.settings = {**(structure.settings or {}), FILE_SERIES: wanted}


def described_in_file(structure: Structure, key: str) -> bool:
    """The series came from the structure file (edited since or not)."""
    return key in _keys(structure, FILE_SERIES)


def edited_in_dashboard(structure: Structure, key: str) -> bool:
    """A coordinator changed this file series in the dashboard: the file no longer owns it."""
    return key in _keys(structure, EDITED_SERIES)


def take_over_from_file(structure: Structure, key: str) -> None:
    """The dashboard now owns the series `key`, if the file described it."""
    if described_in_file(structure, key) and not edited_in_dashboard(structure, key):
        edited = sorted({*_keys(structure, EDITED_SERIES), key})
        structure.settings = {**(structure.settings or {}), EDITED_SERIES: edited}
