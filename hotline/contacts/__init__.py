"""The contact record, check-ins, the persons followed, and the activity reports.

Public verbs: `record_contact` (the one writer of the record, idempotent on its source key),
`record_inbound_contact` / `record_callback_contact` (what the webhooks observed),
`link_number` (back-fill an unknown number's contacts to a person). Services flush; the
request or the job commits.
"""

from hotline.contacts.record import (
    link_number,
    record_callback_contact,
    record_contact,
    record_inbound_contact,
    unlinked_numbers,
)

__all__ = [
    "link_number",
    "record_callback_contact",
    "record_contact",
    "record_inbound_contact",
    "unlinked_numbers",
]
