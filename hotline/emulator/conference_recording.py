"""A conference's recording: `record="record-from-start"` on its first participant.

Rules followed (twilio.com/docs/voice/twiml/conference, see BEHAVIOUR.md): the room's
recording settings are those of its first participant, like its statusCallback; recording
starts when the conference starts (at least two participants bridged; the wait music is never
recorded) and stops when it ends; the file has one channel. Once the room ends, the recording
is stored (so the REST API serves, fetches and deletes it like any other) and, when a
recordingStatusCallback was given, its `completed` event is posted, asynchronously, with the
parameters Twilio documents for recording status callbacks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from hotline.emulator.log import RecordingLog

if TYPE_CHECKING:
    from hotline.emulator.conference import Conference, JoinSpec


@dataclass
class ConferenceRecording:
    """What the first participant asked for, and the recording once it runs."""

    callback: str | None
    method: str
    events: frozenset[str]
    started_at: float | None = None
    sid: str | None = None
    start_timestamp: str = ""


def plan(spec: JoinSpec) -> ConferenceRecording | None:
    if spec.record != "record-from-start":
        return None
    events = spec.recording_status_callback_events or frozenset({"completed"})
    return ConferenceRecording(
        spec.recording_status_callback, spec.recording_status_callback_method, events
    )


def start(room: Conference) -> None:
    """The room has started: so does its recording."""
    recording = room.recording
    if recording is None or recording.started_at is not None:
        return
    recording.started_at = room.emulator.sim.elapsed
    recording.sid = room.emulator.new_sid("RE")
    recording.start_timestamp = room.emulator.timestamp()
    room.note("note", f"recording {recording.sid} starts")


def finish(room: Conference) -> None:
    """The room has ended: keep the file and report it."""
    recording = room.recording
    if recording is None or recording.started_at is None or recording.sid is None:
        return
    emulator = room.emulator
    duration = round(emulator.sim.elapsed - recording.started_at)
    url = emulator.recording_url(recording.sid)
    stored = RecordingLog(recording.sid, url, duration, "completed", None)
    emulator.register_recording(None, stored, conference_sid=room.sid)
    room.note("note", f"recording {recording.sid} completed ({duration} s)")
    if not recording.callback or "completed" not in recording.events:
        return
    params = {
        "AccountSid": emulator.account_sid,
        "ConferenceSid": room.sid,
        "RecordingSid": recording.sid,
        "RecordingUrl": url,
        "RecordingStatus": "completed",
        "RecordingDuration": str(duration),
        "RecordingChannels": "1",
        "RecordingStartTime": recording.start_timestamp,
        "RecordingSource": "Conference",
    }
    emulator.sim.schedule(0, lambda: _send(room, recording, params), "recording callback")


def _send(room: Conference, recording: ConferenceRecording, params: dict[str, str]) -> None:
    assert recording.callback is not None
    room.post(recording.method, recording.callback, params, "recording status")
