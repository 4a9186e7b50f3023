"""Conference rooms: who is in, when a room starts and ends, and the status callbacks it sends.

Rules followed (twilio.com/docs/voice/twiml/conference, /docs/voice/conference; see
BEHAVIOUR.md): a room is created by its first participant (TwiML or Participants API) with
status `init`; it starts (`in-progress`, `conference-start`) once at least two participants
are in and one of them has startConferenceOnEnter=true; until then everyone hears the wait
music. It ends (`completed`) when its status is set to completed through the API, when a
participant with endConferenceOnExit leaves, or when the last participant leaves.
statusCallback, its method and events are taken from the first participant only.

Rooms are test-facing: `emulator.conferences.get("name")` returns the latest room of that name
(or sid), with `participants` (active), `history` (everyone who was ever in, with join/leave
times and reasons), `events` (what happened, with simulated times) and `transcript()`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from hotline.emulator import conference_recording
from hotline.emulator.conference_recording import ConferenceRecording
from hotline.emulator.errors import EmulatorError
from hotline.emulator.log import CallLog, WebhookCall
from hotline.emulator.rest_http import ApiError
from hotline.emulator.sim import Signal

if TYPE_CHECKING:
    from hotline.emulator.call import Emulator
    from hotline.emulator.outbound import OutboundCall

MAX_PARTICIPANTS = 250
CONFERENCE_FULL = 16020
UNKNOWN_CONFERENCE = 16003
DUPLICATE_LABEL = 16025
# statusCallbackEvent names -> the StatusCallbackEvent values they subscribe to.
EVENT_GROUPS: Mapping[str, frozenset[str]] = {
    "start": frozenset({"conference-start"}),
    "end": frozenset({"conference-end"}),
    "join": frozenset({"participant-join"}),
    "leave": frozenset({"participant-leave"}),
    "mute": frozenset({"participant-mute", "participant-unmute"}),
    "hold": frozenset({"participant-hold", "participant-unhold"}),
    "modify": frozenset({"participant-modify"}),
    "speaker": frozenset({"participant-speech-start", "participant-speech-stop"}),
    "announcement": frozenset({"announcement-end", "announcement-fail"}),
}


@dataclass(frozen=True)
class JoinSpec:
    """How one participant joins: the <Conference> attributes or the Participants API params."""

    name: str
    muted: bool = False
    beep: str = "true"
    start_on_enter: bool = True
    end_on_exit: bool = False
    wait_url: str | None = None  # None: Twilio's default music (emulated as silence)
    wait_method: str = "POST"
    max_participants: int = MAX_PARTICIPANTS
    status_callback: str | None = None
    status_callback_method: str = "POST"
    status_callback_events: frozenset[str] = frozenset()
    label: str | None = None
    hangup_on_star: bool = False
    time_limit: int = 14400
    record: str = "do-not-record"
    recording_status_callback: str | None = None
    recording_status_callback_method: str = "POST"
    recording_status_callback_events: frozenset[str] = frozenset()


@dataclass
class Participant:
    """One call in a room (or being dialled into it through the Participants API)."""

    call_sid: str
    number: str
    spec: JoinSpec
    log: CallLog
    date_created: datetime
    status: str = "connected"  # queued, connecting, ringing, connected, complete, failed
    muted: bool = False
    hold: bool = False
    end_on_exit: bool = False
    joined_at: float | None = None
    left_at: float | None = None
    leave_reason: str | None = None
    call_status_at_leave: str | None = None
    call: OutboundCall | None = None  # set for Participants API calls
    queue_time: int = 0
    wake: Signal | None = None
    date_updated: datetime | None = None

    @property
    def label(self) -> str | None:
        return self.spec.label

    @property
    def gone(self) -> bool:
        return self.leave_reason is not None

    def notify(self) -> None:
        """Wake the participant's call if it is waiting in the room."""
        if self.wake is not None:
            self.wake.fire()

    def hear(self, kind: str, text: str) -> None:
        """Something played to this participant only (a beep, an announcement)."""
        self.log.add(kind, text)


@dataclass(frozen=True)
class RoomEvent:
    at: float
    kind: str  # start, end, join, leave, mute, unmute, hold, unhold, modify, announce, note
    text: str
    call_sid: str | None = None


@dataclass
class Conference:
    """One conference room."""

    emulator: Emulator
    sid: str
    friendly_name: str
    date_created: datetime
    status: str = "init"
    date_updated: datetime | None = None
    participants: dict[str, Participant] = field(default_factory=dict)
    history: list[Participant] = field(default_factory=list)
    events: list[RoomEvent] = field(default_factory=list)
    requests: list[WebhookCall] = field(default_factory=list)
    status_callback: str | None = None
    status_callback_method: str = "POST"
    subscribed: frozenset[str] = frozenset()
    max_participants: int = MAX_PARTICIPANTS
    started: Signal | None = None
    end_reason: str | None = None
    recording: ConferenceRecording | None = None  # see conference_recording
    _sequence: int = 0
    _configured: bool = False

    @property
    def is_started(self) -> bool:
        return self.started is not None and self.started.fired

    @property
    def connected(self) -> list[Participant]:
        return [p for p in self.participants.values() if p.joined_at is not None]

    def note(self, kind: str, text: str, call_sid: str | None = None) -> None:
        self.events.append(RoomEvent(self.emulator.sim.elapsed, kind, text, call_sid))

    def who(self, p: Participant) -> str:
        return p.label or p.number

    # -- membership ----------------------------------------------------------------------------
    def admit(self, p: Participant) -> None:
        """Add a participant (not yet in the room), or refuse it as Twilio would."""
        if self.status == "completed":
            raise ApiError(404, UNKNOWN_CONFERENCE, f"Conference {self.sid} is not active")
        if p.label is not None and any(o.label == p.label for o in self.participants.values()):
            raise ApiError(409, DUPLICATE_LABEL, f"Participant label {p.label!r} already in use")
        if len(self.participants) >= self.max_participants:
            raise ApiError(400, CONFERENCE_FULL, f"Conference {self.friendly_name} is full")
        if not self._configured:
            self._configured = True
            self.status_callback = p.spec.status_callback
            self.status_callback_method = p.spec.status_callback_method
            self.subscribed = frozenset().union(
                *(EVENT_GROUPS[e] for e in p.spec.status_callback_events)
            )
            self.max_participants = p.spec.max_participants
            self.recording = conference_recording.plan(p.spec)
        elif p.spec.status_callback and p.spec.status_callback != self.status_callback:
            self.note("note", "statusCallback of a later participant ignored (first one wins)")
        p.muted = p.spec.muted
        p.end_on_exit = p.spec.end_on_exit
        self.participants[p.call_sid] = p
        self.history.append(p)

    def join(self, p: Participant) -> None:
        """The participant's call is now in the room."""
        p.joined_at = self.emulator.sim.elapsed
        p.status = "connected"
        self.note("join", f"{self.who(p)} joins{' (muted)' if p.muted else ''}", p.call_sid)
        self.callback("participant-join", p)
        if p.spec.beep in ("true", "onEnter"):
            self._beep(p, "arrivée")
        self._maybe_start()

    def _maybe_start(self) -> None:
        connected = self.connected
        if self.is_started or len(connected) < 2:
            return
        if not any(p.spec.start_on_enter for p in connected):
            return
        self.status = "in-progress"
        self.date_updated = self.emulator.now()
        self.note("start", f"the conference starts ({len(connected)} participants)")
        self.callback("conference-start")
        conference_recording.start(self)
        assert self.started is not None
        self.started.fire()
        for p in connected:
            p.notify()

    def _beep(self, about: Participant, what: str) -> None:
        for other in self.connected:
            if other is not about:
                other.hear("beep", f"[bip : {what} dans la conférence]")

    def leave(self, p: Participant, reason: str, call_status: str, *, kicked: bool = False) -> None:
        """Take `p` out of the room; end the room if the rules say so."""
        if p.gone:
            return
        p.leave_reason = reason
        p.call_status_at_leave = call_status
        p.left_at = self.emulator.sim.elapsed
        p.status = "complete" if p.joined_at is not None else "failed"
        self.participants.pop(p.call_sid, None)
        was_in = p.joined_at is not None
        if was_in:
            self.note("leave", f"{self.who(p)} leaves ({reason})", p.call_sid)
        else:
            self.note("leave", f"{self.who(p)} never joined ({call_status})", p.call_sid)
        self.callback(
            "participant-leave",
            p,
            {"ReasonParticipantLeft": reason, "ParticipantCallStatus": call_status},
        )
        p.notify()
        if was_in and p.spec.beep in ("true", "onExit"):
            self._beep(p, "départ")
        if self.status == "completed":
            return
        if was_in and p.end_on_exit:
            how = "kicked" if kicked else "left"
            self.end(f"participant-with-end-conference-on-exit-{how}", p)
        elif not self.participants:
            self.end("last-participant-kicked" if kicked else "last-participant-left", p)

    def end(self, reason: str, by: Participant | None = None) -> None:
        """End the room: everyone still in it is dropped."""
        if self.status == "completed":
            return
        was_started = self.is_started
        self.status = "completed"
        self.end_reason = reason
        self.date_updated = self.emulator.now()
        leave = "conference_ended_via_api" if by is None else "moderator_ended_conference"
        for other in list(self.participants.values()):
            if other.joined_at is None and other.call is not None:
                other.call.hangup_requested = True  # still being dialled: the call is dropped
                if other.call.interrupt is not None:
                    other.call.interrupt.fire()
            self.leave(other, leave, "completed" if other.call else "in-progress")
        self.note("end", f"the conference ends ({reason})")
        conference_recording.finish(self)
        if was_started:
            extra = {"ReasonConferenceEnded": reason, "Reason": _reason_text(reason)}
            if by is not None:
                extra["CallSidEndingConference"] = by.call_sid
                if by.label:
                    extra["ParticipantLabelEndingConference"] = by.label
            self.callback("conference-end", None, extra)

    # -- live changes (Participants API) -------------------------------------------------------
    def set_muted(self, p: Participant, muted: bool) -> None:
        if p.muted == muted:
            return
        p.muted = muted
        self.note("mute" if muted else "unmute", f"{self.who(p)} {'muted' if muted else 'unmuted'}")
        self.callback("participant-mute" if muted else "participant-unmute", p)

    def set_hold(self, p: Participant, hold: bool) -> None:
        if p.hold == hold:
            return
        p.hold = hold
        self.note("hold" if hold else "unhold", f"{self.who(p)} {'on hold' if hold else 'back'}")
        if hold:
            p.hear("play", "[musique d'attente]")
        self.callback("participant-hold" if hold else "participant-unhold", p)

    def set_end_on_exit(self, p: Participant, value: bool) -> None:
        if p.hold:  # Twilio accepts the update but does not apply it (see BEHAVIOUR.md)
            self.note("note", f"endConferenceOnExit of {self.who(p)} unchanged: on hold")
            return
        if p.end_on_exit != value:
            p.end_on_exit = value
            self.note("modify", f"{self.who(p)} endConferenceOnExit={str(value).lower()}")
            self.callback("participant-modify", p)

    # -- status callbacks ----------------------------------------------------------------------
    def callback(
        self, event: str, p: Participant | None = None, extra: Mapping[str, str] | None = None
    ) -> None:
        """Send one conference status callback if the first participant subscribed to it."""
        if not self.status_callback or event not in self.subscribed:
            return
        params = {
            "ConferenceSid": self.sid,
            "FriendlyName": self.friendly_name,
            "AccountSid": self.emulator.account_sid,
            "SequenceNumber": str(self._sequence),
            "Timestamp": self.emulator.timestamp(),
            "StatusCallbackEvent": event,
        }
        self._sequence += 1
        if p is not None:
            params.update(participant_params(p))
        params.update(extra or {})
        # Delivered asynchronously, as Twilio does: never inside the request that caused it.
        self.emulator.sim.schedule(0, lambda: self._send(params), f"callback {event}")

    def _send(self, params: dict[str, str]) -> None:
        assert self.status_callback is not None
        self.post(self.status_callback_method, self.status_callback, params, "conference status")

    def post(self, method: str, url: str, params: dict[str, str], what: str) -> None:
        """Deliver one of the room's callbacks (status, recording) and keep it in `requests`;
        an answer other than 2xx fails a strict emulator, else it is noted."""
        sent_url, response = self.emulator.send(method, url, params)
        self.requests.append(WebhookCall(sent_url, params, response.status))
        if not 200 <= response.status < 300:
            err = EmulatorError(f"{what} callback answered HTTP {response.status}", url=sent_url)
            if self.emulator.strict:
                raise err
            self.note("note", f"{what} callback error: HTTP {response.status}")

    def callbacks(self, event: str | None = None) -> list[dict[str, str]]:
        """The status callbacks sent (their parameters), optionally of one event only.

        `requests` also holds the recording status callbacks (`recording_callbacks`)."""
        sent = [r.params for r in self.requests if "StatusCallbackEvent" in r.params]
        return [p for p in sent if event in (None, p["StatusCallbackEvent"])]

    def recording_callbacks(self) -> list[dict[str, str]]:
        """The recordingStatusCallback requests sent (their parameters), in order."""
        return [r.params for r in self.requests if "RecordingSid" in r.params]

    def transcript(self) -> str:
        from hotline.emulator.transcript import conference_transcript

        return conference_transcript(self)


def participant_params(p: Participant) -> dict[str, str]:
    params = {
        "CallSid": p.call_sid,
        "Muted": _flag(p.muted),
        "Hold": _flag(p.hold),
        "Coaching": "false",
        "EndConferenceOnExit": _flag(p.end_on_exit),
        "StartConferenceOnEnter": _flag(p.spec.start_on_enter),
    }
    if p.label:
        params["ParticipantLabel"] = p.label
    return params


def _flag(value: bool) -> str:
    return "true" if value else "false"


def _reason_text(reason: str) -> str:
    return {
        "conference-ended-via-api": "Conference ended via API",
        "last-participant-left": "Last participant left",
        "last-participant-kicked": "Last participant kicked",
        "participant-with-end-conference-on-exit-left": "Participant with end on exit left",
        "participant-with-end-conference-on-exit-kicked": "Participant with end on exit kicked",
    }.get(reason, reason)


class Conferences:
    """All rooms of the emulated account, by sid; at most one active room per name."""

    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator
        self.by_sid: dict[str, Conference] = {}

    def active(self, name: str) -> Conference | None:
        return next(
            (
                c
                for c in reversed(self.by_sid.values())
                if c.friendly_name == name and c.status != "completed"
            ),
            None,
        )

    def open(self, name: str) -> Conference:
        """The active room called `name`, or a new one."""
        room = self.active(name)
        if room is None:
            sid, now = self.emulator.new_sid("CF"), self.emulator.now()
            room = Conference(self.emulator, sid, name, now, date_updated=now)
            room.started = Signal(self.emulator.sim, f"conference {name} started")
            self.by_sid[sid] = room
        return room

    def get(self, sid_or_name: str) -> Conference:
        """A room by sid, else the latest room with that friendly name (KeyError if none)."""
        if sid_or_name in self.by_sid:
            return self.by_sid[sid_or_name]
        for room in reversed(self.by_sid.values()):
            if room.friendly_name == sid_or_name:
                return room
        raise KeyError(sid_or_name)

    def find_participant(self, call_sid: str) -> tuple[Conference, Participant] | None:
        for room in self.by_sid.values():
            if call_sid in room.participants:
                return room, room.participants[call_sid]
        return None

    def notify_call(self, call_sid: str) -> None:
        """A REST update reached this call: wake it if it waits in a room."""
        found = self.find_participant(call_sid)
        if found is not None:
            found[1].notify()

    def call_ended(self, call: OutboundCall) -> None:
        """A Participants API call ended: if it never got in, the add failed."""
        found = self.find_participant(call.sid)
        if found is None:
            return
        room, p = found
        if p.joined_at is None:
            room.leave(p, "participant_add_failed", call.status)
        else:
            room.leave(p, "participant_hung_up", "completed")

    def __iter__(self) -> Any:
        return iter(self.by_sid.values())
