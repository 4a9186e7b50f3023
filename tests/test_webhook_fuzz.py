"""The voice webhooks under Hypothesis: odd, missing, huge, binary and repeated fields.

Every request is signed with the test auth token, as Twilio would sign it, so it gets
past the signature check and reaches the views. Whatever it carries, the answer is valid
TwiML (or an empty 204 for status callbacks) or a 4xx, never a 500 and never a failure
swallowed into an apology; a request without a CallSid or without one of our numbers
writes nothing, and the same request with a forged signature is refused and writes nothing.
"""

from __future__ import annotations

import logging
import os
from typing import Any
from urllib.parse import parse_qsl, urlencode
from xml.etree import ElementTree

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text
from twilio.request_validator import RequestValidator
from werkzeug.datastructures import MultiDict

from hotline.config import DEV_AUTH_TOKEN
from hotline.extensions import db
from hotline.models import Base, Call, Voicemail, VoicemailStatus
from hotline.telephony.args import form_sid_or_none
from tests.callback_helpers import reload_attempt, started_attempt
from tests.inbound_helpers import AMINA, CALLER, DEMO_NUMBER

pytestmark = pytest.mark.usefixtures("demo")
BASE_URL = "https://hotline.test"
FUZZ_EXAMPLES = int(os.environ.get("HOTLINE_FUZZ_EXAMPLES", "150"))

PATHS = [
    "incoming",
    "menu",
    "ring/wait",
    "ring/staff",
    "ring/answer",
    "ring/leg-status",
    "ring/done",
    "ring/nobody",
    "recorded",
    "no-message",
    "consent",
    "recording-status",
    "status",
    "staff/pin",
    "staff/menu",
    "staff/after-call",
    "staff/outcome",
    "callback/staff",
    "callback/staff-answer",
    "callback/dial-done",
    "callback/status",
    "group/screen",
    "group/screen-answer",
    "group/leg-status",
    "group/wait",
    "group/announce",
    "group/conference",
    "group/after-room",
    "group/keypad",
    "group/offer-answer",
    "group/pin",
]
QUERY_KEYS = [
    "node",
    "lang",
    "attempt",
    "theme",
    "staff",
    "try",
    "auth",
    "silent",
    "leg",
    "caller",
    "call",
    "script",
    "session",
    "host",
]
FIELDS = [
    "CallSid",
    "AccountSid",
    "From",
    "To",
    "Caller",
    "Called",
    "Direction",
    "CallStatus",
    "Digits",
    "SpeechResult",
    "RecordingSid",
    "RecordingUrl",
    "RecordingStatus",
    "RecordingDuration",
    "CallDuration",
    "SequenceNumber",
    "DialCallStatus",
    "DialCallSid",
    "ParentCallSid",
    "ConferenceSid",
    "FriendlyName",
    "StatusCallbackEvent",
    "Muted",
    "ReasonParticipantLeft",
    "ParticipantCallStatus",
    "Timestamp",
]

printable = st.characters(blacklist_categories=("Cs",))  # what a URL-encoded form can carry
odd_text = st.one_of(
    st.text(printable, max_size=40),
    st.sampled_from(["", " ", "\x00", "²", "١٢", "1" * 40, "‮+33184880000", "e\u0301", "🙂"]),
    st.integers(min_value=1, max_value=4).map(lambda n: "9" * 10**n),  # huge: see FOUND too
    st.binary(max_size=40),  # not UTF-8 at all, once decoded by the app
)
numbers = st.sampled_from([DEMO_NUMBER, CALLER, AMINA, "+33100000000", "anonymous", "client:x"])
plausible = {
    "CallSid": st.sampled_from(["CA" + "f" * 32, "CA" + "e" * 32]),
    "From": numbers,
    "To": numbers,
    "Direction": st.sampled_from(["inbound", "outbound-dial", "outbound-api"]),
    "CallStatus": st.sampled_from(["ringing", "in-progress", "completed", "busy", "no-answer"]),
    "Digits": st.sampled_from(["1", "2", "3", "9", "*", "#", "2580#", "123456"]),
}
HUGE = str(10**30)
query_values = st.one_of(
    st.sampled_from(
        [
            "1",
            "0",
            "-1",
            "fr",
            "main_menu",
            "choose_language",
            HUGE,
            "²",
            "١٢",
            "x",
            "CA" + "f" * 32,
        ]
    ),
    st.text(printable, max_size=12),
)
numeric_fields = ["Digits", "RecordingDuration", "CallDuration", "SequenceNumber"]


@st.composite
def webhook(draw: Any) -> tuple[str, list[tuple[str, Any]]]:
    path = "/voice/" + draw(st.sampled_from(PATHS))
    query = draw(st.dictionaries(st.sampled_from(QUERY_KEYS), query_values, max_size=4))
    if draw(st.booleans()):  # most views read an id or a counter from the query
        query["attempt"] = draw(st.sampled_from([HUGE, "²", "١٢", "1"]))
    url = path + ("?" + urlencode(query) if query else "")
    pairs: list[tuple[str, Any]] = []
    for field in FIELDS:
        choice = draw(st.sampled_from(["missing", "plausible", "odd"]))
        if choice == "plausible" and field in plausible:
            pairs.append((field, draw(plausible[field])))
        elif choice == "odd" and field in numeric_fields and draw(st.booleans()):
            pairs.append((field, draw(st.sampled_from([HUGE, "²", "١٢", "-1", "1.5"]))))
        elif choice == "odd":
            pairs.append((field, draw(odd_text)))
    duplicates = draw(st.lists(st.tuples(st.sampled_from(FIELDS), odd_text), max_size=2))
    return url, pairs + duplicates


def row_counts() -> int:
    tables = [table.name for table in Base.metadata.sorted_tables]
    query = " + ".join(f'(SELECT count(*) FROM "{name}")' for name in tables)
    db.session.rollback()
    return int(db.session.execute(text(f"SELECT {query}")).scalar_one())


def send(client: Any, url: str, pairs: list[tuple[str, Any]], forged: bool) -> tuple[Any, Any]:
    body = urlencode(pairs)
    parsed = MultiDict(parse_qsl(body, keep_blank_values=True, errors="replace"))
    signature = RequestValidator(DEV_AUTH_TOKEN).compute_signature(BASE_URL + url, parsed)
    response = client.post(
        BASE_URL + url,
        data=body,
        content_type="application/x-www-form-urlencoded",
        headers={"X-Twilio-Signature": "forged" + signature if forged else signature},
    )
    return response, parsed


def unexpected(record: logging.LogRecord) -> bool:
    """A failure logged by a webhook; "number not attributed" is the designed refusal."""
    return record.levelno >= logging.ERROR and "failed with LookupError" not in record.getMessage()


def writes_nothing(parsed: Any, known_sids: set[str]) -> bool:
    """No call to attach anything to: no CallSid, or neither our number nor a known call."""
    sid = parsed.get("CallSid", "")
    ours = DEMO_NUMBER in (parsed.getlist("To") + parsed.getlist("From"))
    return not sid.strip() or not (ours or sid in known_sids or parsed.get("ParentCallSid"))


def call_sids() -> set[str]:
    return set(db.session.scalars(select(Call.call_sid)))


def test_fuzzed_webhooks_answer_twiml_or_a_4xx_and_never_fail(
    app: Any, caplog: pytest.LogCaptureFixture
) -> None:
    client = app.test_client()

    @settings(
        max_examples=FUZZ_EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(request=webhook())
    def fuzz(request: tuple[str, list[tuple[str, Any]]]) -> None:
        url, pairs = request
        caplog.clear()
        before, known = row_counts(), call_sids()
        forged, _ = send(client, url, pairs, forged=True)
        assert forged.status_code == 403
        assert row_counts() == before, "a forged request wrote something"

        response, parsed = send(client, url, pairs, forged=False)
        failures = [r.getMessage().splitlines()[0] for r in caplog.records if unexpected(r)]
        assert failures == [], failures
        assert response.status_code < 500
        if response.status_code == 200:
            root = ElementTree.fromstring(response.get_data())
            assert root.tag == "Response"
            assert response.mimetype == "text/xml"
        if writes_nothing(parsed, known):
            assert row_counts() == before, "a malformed request wrote something"

    fuzz()


# Found by the fuzzing above, kept as plain cases: each was a failed webhook or a 500.
FOUND = [
    ("callback/staff?attempt=%C2%B2", DEMO_NUMBER, CALLER, {}),
    ("callback/staff?attempt=" + HUGE, DEMO_NUMBER, CALLER, {}),
    ("callback/dial-done?attempt=" + HUGE, DEMO_NUMBER, CALLER, {}),
    ("callback/status?leg=staff&attempt=" + HUGE, DEMO_NUMBER, CALLER, {"CallStatus": "completed"}),
    ("staff/outcome?attempt=" + HUGE, AMINA, DEMO_NUMBER, {"Digits": "1"}),
    ("staff/after-call?attempt=" + HUGE, AMINA, DEMO_NUMBER, {}),
    ("status", CALLER, DEMO_NUMBER, {"CallDuration": "²", "SequenceNumber": "²"}),
    ("recorded?lang=fr", CALLER, DEMO_NUMBER, {"RecordingDuration": "²"}),
    ("menu?node=choose_language&attempt=1", CALLER, DEMO_NUMBER, {"Digits": "²"}),
    ("menu?node=gone_since_the_last_deploy", CALLER, DEMO_NUMBER, {"Digits": "1"}),
    ("menu?node=welcome", CALLER, DEMO_NUMBER, {"Digits": "1"}),
    ("menu?node=main_menu&attempt=1", CALLER, DEMO_NUMBER, {"SpeechResult": "é" * 10**6}),
    ("menu?lang=f%00r", CALLER + "\x00", DEMO_NUMBER, {"Digits": "1\x00"}),  # PostgreSQL only
    ("incoming", "\x00", DEMO_NUMBER, {"CallerName": "\x00"}),
    ("incoming", "9" * 1000, DEMO_NUMBER, {}),  # longer than the column: PostgreSQL only
    ("no-message?attempt=1", "9" * 1000, DEMO_NUMBER, {}),  # an unknown call's row, written late
]


@pytest.mark.parametrize(("path", "from_", "to", "extra"), FOUND)
def test_odd_numbers_in_a_webhook_are_not_a_failure(
    app: Any, caplog: pytest.LogCaptureFixture, path: str, from_: str, to: str, extra: Any
) -> None:
    pairs = [("CallSid", "CA" + "d" * 32), ("From", from_), ("To", to), *extra.items()]
    response, _ = send(app.test_client(), "/voice/" + path, pairs, forged=False)
    assert [r.getMessage().splitlines()[0] for r in caplog.records if unexpected(r)] == []
    assert response.status_code in (200, 204)


@pytest.mark.parametrize("sid", [" ", "\x00", "9" * 1000], ids=["blank", "nul", "too-long"])
@pytest.mark.parametrize("path", ["incoming", "no-message?attempt=1", "menu?node=main_menu"])
def test_a_call_sid_no_row_can_hold_is_a_bad_request(app: Any, sid: str, path: str) -> None:
    """Found by the fuzzing above (PostgreSQL refused the row; SQLite wrote a blank one)."""
    before = row_counts()
    pairs = [("CallSid", sid), ("From", CALLER), ("To", DEMO_NUMBER), ("Digits", "1")]
    response, _ = send(app.test_client(), "/voice/" + path, pairs, forged=False)
    assert response.status_code == 400
    assert row_counts() == before


def test_a_leg_sid_no_column_can_hold_is_not_kept(app: Any, session: Any, clock: Any) -> None:
    """The status of a callback's leg with a CallSid longer than the column: the status is
    noted, the sid left out (PostgreSQL refused the whole row: a failed status callback)."""
    attempt = started_attempt(session, clock())
    pairs = [("CallSid", "9" * 1000), ("CallStatus", "ringing")]
    url = f"/voice/callback/status?leg=staff&attempt={attempt.id}"
    response, _ = send(app.test_client(), url, pairs, forged=False)
    assert response.status_code == 204
    kept = reload_attempt(session, attempt.id)
    assert (kept.staff_call_sid, kept.staff_status) == (None, "ringing")


def test_a_dialled_leg_sid_no_column_can_hold_is_not_kept(
    app: Any, session: Any, clock: Any
) -> None:
    """The person's leg of a bridged callback ended with a DialCallSid longer than the
    column: the end is noted and the person's answer counted, the sid left out."""
    attempt = started_attempt(session, clock())
    pairs = [("DialCallSid", "9" * 1000), ("DialCallStatus", "completed")]
    url = f"/voice/callback/dial-done?attempt={attempt.id}"
    response, _ = send(app.test_client(), url, pairs, forged=False)
    assert response.status_code == 200
    assert b"<Hangup" in response.data
    kept = reload_attempt(session, attempt.id)
    assert (kept.caller_call_sid, kept.caller_status) == (None, "completed")


def test_a_recording_sid_no_column_can_hold_is_not_kept(app: Any, session: Any) -> None:
    """A recording's status with a RecordingSid longer than the column: the message is kept
    as completed, with its address and length, and without the sid."""
    call_sid = "CA" + "e" * 32
    client = app.test_client()
    opening = [("CallSid", call_sid), ("From", CALLER), ("To", DEMO_NUMBER)]
    send(client, "/voice/incoming", opening, forged=False)
    pairs = [
        ("CallSid", call_sid),
        ("RecordingSid", "9" * 1000),
        ("RecordingStatus", "completed"),
        ("RecordingUrl", "https://api.twilio.com/recordings/RE1"),
        ("RecordingDuration", "12"),
    ]
    response, _ = send(client, "/voice/recording-status", pairs, forged=False)
    assert response.status_code == 204
    session.expire_all()
    call = session.scalars(select(Call).where(Call.call_sid == call_sid)).one()
    message = session.scalars(select(Voicemail).where(Voicemail.call_id == call.id)).one()
    kept = (message.recording_sid, message.status, message.recording_url, message.duration_seconds)
    assert kept == (None, VoicemailStatus.COMPLETED, "https://api.twilio.com/recordings/RE1", 12)


@pytest.mark.parametrize(
    ("sent", "read"),
    [
        ("CA" + "a" * 32, "CA" + "a" * 32),
        (" CA1 ", "CA1"),
        ("", None),
        ("  ", None),
        ("9" * 129, None),
    ],
)
def test_a_leg_sid_is_read_only_if_a_column_can_hold_it(app: Any, sent: str, read: Any) -> None:
    """What the callback and group legs' status callbacks keep of a CallSid."""
    with app.test_request_context("/voice/group/leg-status", method="POST", data={"CallSid": sent}):
        assert form_sid_or_none("CallSid") == read
