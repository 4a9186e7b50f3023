"""Retention and rights: the daily purge, a person's export and erasure, the audit log.

Public verbs: `purge_all` (what the retention settings say must go), `find_subject`,
`export_subject`, `erase_subject` (a person's rights), `audit.record` (the append-only log)
and `retention_settings` (a structure's periods, with the safe defaults).
"""

from hotline.retention import audit
from hotline.retention.forget import Forgotten
from hotline.retention.purge import PurgeReport, purge_all, purge_structure
from hotline.retention.rights import (
    Subject,
    SubjectNotFound,
    erase_subject,
    export_subject,
    find_subject,
    to_csv,
    to_json,
)
from hotline.retention.settings import (
    RetentionSettings,
    normalise_retention,
    retention_settings,
    stored_retention,
)

__all__ = [
    "Forgotten",
    "PurgeReport",
    "RetentionSettings",
    "Subject",
    "SubjectNotFound",
    "audit",
    "erase_subject",
    "export_subject",
    "find_subject",
    "normalise_retention",
    "purge_all",
    "purge_structure",
    "retention_settings",
    "stored_retention",
    "to_csv",
    "to_json",
]
