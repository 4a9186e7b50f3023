"""The Conferences and Participants endpoints of `FakeTwilio` (validation: rest_conferences).

Changes to a live room are scheduled on the simulation rather than applied inside the request,
as Twilio applies them asynchronously: the response shows the requested values.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hotline.emulator.call import API_VERSION
from hotline.emulator.conference import Participant
from hotline.emulator.rest_conferences import (
    check_label,
    conference_resource,
    find_participant,
    find_room,
    new_participant_call,
    page,
    participant_resource,
    participant_spec,
    update_params,
)
from hotline.emulator.rest_http import ApiError, RestRequest, RestResponse

if TYPE_CHECKING:
    from hotline.emulator.call import Emulator
    from hotline.emulator.outbound import OutboundCall


class ConferenceEndpoints:
    """Mixed into `FakeTwilio`: the handlers of the conference routes."""

    emulator: Emulator

    @property
    def account_sid(self) -> str:
        return self.emulator.account_sid

    def _queue(self, call: OutboundCall, what: str) -> None:
        raise NotImplementedError

    # -- conferences --------------------------------------------------------------------------
    def _room_json(self, room: Any) -> dict[str, Any]:
        return conference_resource(room, self.account_sid, API_VERSION)

    def _list_conferences(self, request: RestRequest, match: dict[str, str]) -> RestResponse:
        unknown = set(request.form) - {"FriendlyName", "Status", "PageSize", "Page"}
        if unknown:
            raise ApiError(400, 20001, f"Unsupported Conferences filter(s): {sorted(unknown)}")
        name, status = request.get("FriendlyName"), request.get("Status")
        rooms = [
            self._room_json(room)
            for room in self.emulator.conferences
            if name in (None, room.friendly_name) and status in (None, room.status)
        ]
        return RestResponse.json(page("conferences", rooms, request.path))

    def _fetch_conference(self, request: RestRequest, match: dict[str, str]) -> RestResponse:
        room = self.emulator.conferences.by_sid.get(match["conf"])
        if room is None:
            raise ApiError(404, 20404, f"The requested resource {request.path} was not found")
        return RestResponse.json(self._room_json(room))

    def _update_conference(self, request: RestRequest, match: dict[str, str]) -> RestResponse:
        from hotline.emulator.conference_leg import announce

        room = self.emulator.conferences.by_sid.get(match["conf"])
        if room is None:
            raise ApiError(404, 20404, f"The requested resource {request.path} was not found")
        status, url = request.get("Status"), request.get("AnnounceUrl")
        if status not in (None, "completed") or (status is None and url is None):
            raise ApiError(400, 20001, "Give Status=completed or AnnounceUrl")
        sim = self.emulator.sim
        override: dict[str, Any] = {}
        if status == "completed" and room.status != "completed":
            sim.schedule(0, lambda: room.end("conference-ended-via-api"), "end conference")
            override["status"] = "completed"
        if url is not None:
            method = request.get("AnnounceMethod") or "POST"
            targets = room.connected
            sim.schedule(0, lambda: announce(room, targets, url, method), "announce")
        return RestResponse.json({**self._room_json(room), **override})

    def _list_participants(self, request: RestRequest, match: dict[str, str]) -> RestResponse:
        room = find_room(self.emulator.conferences, match["conf"], create=False)
        muted, hold = request.get("Muted"), request.get("Hold")
        items = [
            self._participant_json(p, room)
            for p in room.participants.values()
            if muted in (None, str(p.muted).lower()) and hold in (None, str(p.hold).lower())
        ]
        return RestResponse.json(page("participants", items, request.path))

    def _participant_json(self, p: Participant, room: Any, **override: Any) -> dict[str, Any]:
        return participant_resource(p, room, self.account_sid, API_VERSION, **override)

    def _create_participant(self, request: RestRequest, match: dict[str, str]) -> RestResponse:
        conferences = self.emulator.conferences
        key = match["conf"]
        existing = key in conferences.by_sid or conferences.active(key) is not None
        spec = participant_spec(
            request, conferences.by_sid[key].friendly_name if key in conferences.by_sid else key
        )
        call = new_participant_call(request, self.emulator.new_sid("CA"), self.emulator.now(), spec)
        room = find_room(conferences, key, create=False) if existing else None
        if room is not None:
            check_label(room, spec.label)
        self.emulator.account.check_concurrency("conference participant")
        room = room or find_room(conferences, key, create=True)
        log = self.emulator.new_log(call.sid, call.from_, call.to)
        call.log = log
        p = Participant(call.sid, call.to, spec, log, call.created_at, status="queued", call=call)
        room.admit(p)
        self._queue(call, "conference participant")
        p.queue_time = call.queue_time
        return RestResponse.json(self._participant_json(p, room), 201)

    def _live_participant(self, match: dict[str, str]) -> tuple[Any, Participant]:
        room = find_room(self.emulator.conferences, match["conf"], create=False)
        return room, find_participant(room, match["key"])

    def _fetch_participant(self, request: RestRequest, match: dict[str, str]) -> RestResponse:
        room, p = self._live_participant(match)
        return RestResponse.json(self._participant_json(p, room))

    def _update_participant(self, request: RestRequest, match: dict[str, str]) -> RestResponse:
        from hotline.emulator.conference_leg import announce

        room, p = self._live_participant(match)
        changes = update_params(request)
        sim = self.emulator.sim
        override: dict[str, Any] = {}
        if "muted" in changes:
            sim.schedule(0, lambda: room.set_muted(p, changes["muted"]), "mute")
            override["muted"] = changes["muted"]
        if "hold" in changes:
            sim.schedule(0, lambda: room.set_hold(p, changes["hold"]), "hold")
            override["hold"] = changes["hold"]
        if "eoe" in changes:
            sim.schedule(0, lambda: room.set_end_on_exit(p, changes["eoe"]), "modify")
        if changes.get("AnnounceUrl"):
            url, method = changes["AnnounceUrl"], changes["AnnounceMethod"]
            sim.schedule(0, lambda: announce(room, [p], url, method), "announce")
        p.date_updated = self.emulator.now()
        return RestResponse.json(self._participant_json(p, room, **override))

    def _delete_participant(self, request: RestRequest, match: dict[str, str]) -> RestResponse:
        room, p = self._live_participant(match)
        self.emulator.sim.schedule(0, lambda: kick(room, p), "kick")
        return RestResponse(204)


def kick(room: Any, p: Participant) -> None:
    """Remove a participant through the API; a call still being dialled is hung up."""
    if p.joined_at is None and p.call is not None:
        p.call.hangup_requested = True
        if p.call.interrupt is not None:
            p.call.interrupt.fire()
        return
    room.leave(
        p,
        "participant_updated_via_api",
        "in-progress" if p.call is None else "completed",
        kicked=True,
    )
