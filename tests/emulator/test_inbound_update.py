"""A REST update reaches an inbound call: redirected out of a conference, or hung up.

Twilio's "modify a live call" applies to any call of the account, the inbound ones included;
the app uses it to take a caller out of the waiting room when no staff member took the call.
"""

from __future__ import annotations

import pytest
from twilio.base.exceptions import TwilioRestException

from hotline.emulator import ScriptedCaller, emulator_client

from .conftest import BASE_URL, CALLER, HOTLINE, twiml

ROUTES = {
    "/voice/incoming": twiml(
        "<Say>Merci de patienter.</Say>",
        '<Dial action="/voice/after"><Conference waitUrl="/voice/wait" beep="false">'
        "attente-1</Conference></Dial>",
    ),
    "/voice/wait": twiml('<Play loop="3">https://hotline.test/tone.wav</Play>'),
    "/voice/after": twiml("<Say>Fin de la conférence.</Say>", "<Hangup/>"),
    "/voice/elsewhere": twiml("<Say>Personne n'est libre. Laissez un message.</Say>", "<Hangup/>"),
}


def test_a_caller_waiting_in_a_room_is_redirected_by_a_rest_update(make_app, make_fake):
    app = make_app(ROUTES)
    fake = make_fake(app, seed=2)
    call = fake.emulator.start_call(CALLER, HOTLINE, ScriptedCaller("wait:300 hangup"))
    fake.emulator.sim.advance(20)

    client = emulator_client(fake)
    updated = client.calls(call.sid).update(url=f"{BASE_URL}/voice/elsewhere", method="POST")
    fake.emulator.sim.run_until_idle()

    assert updated.direction == "inbound"
    assert call.done
    assert call.log.heard[-1] == "Personne n'est libre. Laissez un message."
    assert "Fin de la conférence." not in call.log.heard  # the <Dial> action is not requested
    assert app.paths().count("/voice/after") == 0
    room = fake.emulator.conferences.get("attente-1")
    assert [p.number for p in room.history] == [CALLER]
    assert fake.emulator.live_inbound[call.sid].status == "completed"


def test_an_inbound_call_hung_up_by_a_rest_update(make_app, make_fake):
    app = make_app(ROUTES)
    fake = make_fake(app, seed=2)
    call = fake.emulator.start_call(CALLER, HOTLINE, ScriptedCaller("wait:300 hangup"))
    fake.emulator.sim.advance(10)

    emulator_client(fake).calls(call.sid).update(status="completed")
    fake.emulator.sim.run_until_idle()

    assert call.log.ended_by == "api-hangup"
    assert app.paths().count("/voice/after") == 0


def test_redirecting_an_ended_inbound_call_is_refused(make_app, make_fake):
    app = make_app(ROUTES)
    fake = make_fake(app, seed=2)
    call = fake.emulator.start_call(CALLER, HOTLINE, ScriptedCaller("wait:5 hangup"))
    fake.emulator.sim.run_until_idle()

    with pytest.raises(TwilioRestException) as refused:
        emulator_client(fake).calls(call.sid).update(url=f"{BASE_URL}/voice/elsewhere")
    assert refused.value.status == 400


def test_a_caller_redirected_before_reaching_the_room_never_joins_it(make_app, make_fake):
    app = make_app(ROUTES)
    fake = make_fake(app, seed=2)
    call = fake.emulator.start_call(CALLER, HOTLINE, ScriptedCaller("wait:300 hangup"))
    fake.emulator.sim.advance(0.5)  # still hearing "Merci de patienter."

    emulator_client(fake).calls(call.sid).update(url=f"{BASE_URL}/voice/elsewhere")
    fake.emulator.sim.run_until_idle()

    assert call.log.heard == ["Merci de patienter.", "Personne n'est libre. Laissez un message."]
    assert list(fake.emulator.conferences) == []
