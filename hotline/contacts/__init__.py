"""The contact record, check-ins, the persons followed, and the activity reports.

Public verbs: `record_contact` (the one writer of the record, idempotent on its source key),
`record_inbound_contact` / `record_callback_contact` (what the webhooks observed),
`link_number` (back-fill an unknown number's contacts to a person), `add_person`,
`update_person`, `preview_import` / `import_persons` (coordinators' persons),
`sweep_check_ins` (the daily check-ins), `follow_up` (the Suivi page) and the reports.
Services flush; the request or the job commits.
"""

from hotline.contacts.checkins import (
    CheckInSettings,
    check_in_settings,
    contracts_ending,
    create_check_ins,
    normalise_check_ins,
    sweep_check_ins,
)
from hotline.contacts.followup import KIND_LABELS, FollowUpRow, follow_up
from hotline.contacts.person_import import COLUMNS as IMPORT_COLUMNS
from hotline.contacts.person_import import (
    ImportPreview,
    decode,
    import_persons,
    preview_import,
)
from hotline.contacts.persons import (
    PersonInvalid,
    add_person,
    person_form,
    read_person,
    update_person,
)
from hotline.contacts.record import (
    link_number,
    record_callback_contact,
    record_contact,
    record_group_call_attendance,
    record_group_call_attendances,
    record_inbound_contact,
    unlinked_numbers,
)

__all__ = [
    "IMPORT_COLUMNS",
    "KIND_LABELS",
    "CheckInSettings",
    "FollowUpRow",
    "ImportPreview",
    "PersonInvalid",
    "add_person",
    "check_in_settings",
    "contracts_ending",
    "create_check_ins",
    "decode",
    "follow_up",
    "import_persons",
    "link_number",
    "normalise_check_ins",
    "person_form",
    "preview_import",
    "read_person",
    "record_callback_contact",
    "record_contact",
    "record_group_call_attendance",
    "record_group_call_attendances",
    "record_inbound_contact",
    "sweep_check_ins",
    "unlinked_numbers",
    "update_person",
]
