"""How long a structure keeps personal data: read from its `retention:` settings, with defaults.

The defaults are the safe reading of the CNIL texts (conferences.md §4): a message is
deleted 30 days after its callback closes and never kept more than 90 days (the CNIL allows
recordings six months at most: 183 days is the ceiling); the calls and callbacks of a person
are kept 2 years after their last contact (référentiel 2023-095), then deleted with their
counts kept; the audit log 12 months (recommandation journalisation: 6 months to 1 year).

`voicemail_days` lives in its own column (`Structure.voicemail_retention_days`, older than
the rest); the other values in `Structure.settings["retention"]`, always normalised.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from hotline.models import Structure

DEFAULT_VOICEMAIL_DAYS = 90
MAX_VOICEMAIL_DAYS = 183  # six months (CNIL: recordings six months at most)
DEFAULT_AFTER_CLOSE_DAYS = 30
DEFAULT_PERSON_DAYS = 730  # two years after the last contact (CNIL 2023-095)
DEFAULT_AUDIT_DAYS = 365  # CNIL: access logs six months to one year
# (name in the file, default, smallest, largest): the ones stored in settings["retention"].
STORED = (
    ("voicemail_days_after_close", DEFAULT_AFTER_CLOSE_DAYS, 1, MAX_VOICEMAIL_DAYS),
    ("person_data_days", DEFAULT_PERSON_DAYS, 30, DEFAULT_PERSON_DAYS),
    ("audit_days", DEFAULT_AUDIT_DAYS, 180, 3 * 365),
)


@dataclass(frozen=True)
class RetentionSettings:
    """One structure's retention periods, in days."""

    voicemail_days: int = DEFAULT_VOICEMAIL_DAYS
    voicemail_days_after_close: int = DEFAULT_AFTER_CLOSE_DAYS
    person_data_days: int = DEFAULT_PERSON_DAYS
    audit_days: int = DEFAULT_AUDIT_DAYS

    def recording_limit(self, now: datetime) -> datetime:
        """A recording made before this instant is deleted whatever its callback."""
        return now - timedelta(days=self.voicemail_days)

    def closed_limit(self, now: datetime) -> datetime:
        """A recording whose callback closed before this instant is deleted."""
        return now - timedelta(days=self.voicemail_days_after_close)

    def person_limit(self, now: datetime) -> datetime:
        """A caller whose last contact is before this instant is forgotten."""
        return now - timedelta(days=self.person_data_days)

    def audit_limit(self, now: datetime) -> datetime:
        return now - timedelta(days=self.audit_days)

    @property
    def contact_months(self) -> int:
        """The person-level period as the caller hears it: "24 mois"."""
        return round(self.person_data_days / 30.4)


def normalise_retention(section: Mapping[str, Any]) -> dict[str, int]:
    """The stored form of a file's `retention:` section (without `voicemail_days`).

    ValueError names the field and its bounds; the schema checks them first, this is for
    callers that did not go through it.
    """
    stored = {}
    for name, default, low, high in STORED:
        value = section.get(name, default)
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            raise ValueError(f"retention.{name} must be a number of days from {low} to {high}")
        stored[name] = value
    return stored


def retention_settings(structure: Structure) -> RetentionSettings:
    """The structure's periods; a structure loaded before they existed gets the defaults."""
    stored = normalise_retention((structure.settings or {}).get("retention") or {})
    voicemail_days = structure.voicemail_retention_days or DEFAULT_VOICEMAIL_DAYS
    return RetentionSettings(voicemail_days=min(voicemail_days, MAX_VOICEMAIL_DAYS), **stored)


def stored_retention(structure: Structure) -> dict[str, int]:
    """What `settings["retention"]` means today, defaults filled in (to compare with a file)."""
    values = asdict(retention_settings(structure))
    values.pop("voicemail_days")
    return values
