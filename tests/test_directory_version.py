"""The structures' snapshot is looked at with one statement and rebuilt only when it changed.

Every process checks its snapshot when it is due (every STRUCTURE_CACHE_SECONDS, inside
whatever webhook comes then). It used to rebuild it each time — seven statements; now it reads
the directory's version and rebuilds only when a flush that touched a structure, a number, a
theme, a staff member or their hours bumped it (issue 11).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event, select

from hotline import directory_version
from hotline.directory import Directory
from hotline.extensions import db
from hotline.models import Callback, Staff

pytestmark = [pytest.mark.commits, pytest.mark.usefixtures("demo")]


@pytest.fixture
def statements(app: Any) -> Iterator[list[str]]:
    seen: list[str] = []
    with app.app_context():
        engine = db.engine

    def count(*args: Any) -> None:
        seen.append(args[2].split()[0])

    event.listen(engine, "before_cursor_execute", count)
    yield seen
    event.remove(engine, "before_cursor_execute", count)


def test_an_unchanged_directory_costs_one_statement(app: Any, statements: list[str]) -> None:
    snapshot = Directory(max_age_seconds=0)  # due at every look, to count what a look costs
    with app.app_context():
        assert snapshot.by_number(db.session, "+33184880000") is not None  # built
        statements.clear()
        assert snapshot.by_number(db.session, "+33184880000") is not None
    assert statements == ["SELECT"]


def test_a_change_in_another_process_is_seen_at_the_next_look(app: Any) -> None:
    snapshot = Directory(max_age_seconds=0)
    with app.app_context():
        demo = snapshot.by_number(db.session, "+33184880000")
        assert demo is not None
        before = directory_version.current(db.session)
        other = db.session.get_bind()  # another session: what another process would write
        from sqlalchemy.orm import Session

        with Session(other) as writer:
            camille = writer.scalar(select(Staff).where(Staff.key == "camille"))
            camille.phone_e164 = "+33600000033"  # her new phone
            writer.commit()
        db.session.rollback()  # the request's own transaction ends, as between two requests
        assert before is not None
        assert directory_version.current(db.session) == before + 1
        changed = snapshot.by_number(db.session, "+33184880000")
    assert changed is not None
    assert "+33600000033" in changed.staff_phones.values()


def test_writing_calls_and_callbacks_does_not_touch_the_directory(app: Any, clock: Any) -> None:
    with app.app_context():
        before = directory_version.current(db.session)
        structure_id = db.session.scalar(select(Staff.structure_id).limit(1))
        db.session.add(
            Callback(
                structure_id=structure_id,
                source="manual",
                status="waiting",
                phone_e164="+33612345678",
                created_at=clock(),
                attempts=0,
                version=0,
            )
        )
        db.session.commit()
        assert directory_version.current(db.session) == before


def test_the_greeting_is_rendered_once_per_snapshot_and_anew_after_a_change(
    app: Any, load_structure: Any
) -> None:
    """The same TwiML for every new caller, from the snapshot's memo; a reload starts anew."""
    from tests.test_round_trips import params, post

    first = post(app, "/voice/incoming", params(101, From="+33611111101"))
    second = post(app, "/voice/incoming", params(102, From="+33611111102"))
    assert first.get_data(as_text=True) == second.get_data(as_text=True)
    with app.app_context():
        info = app.extensions["hotline.directory"].by_number(db.session, "+33184880000")
        assert len(info.rendered) == 1

    load_structure(lambda data: data.update(name="Atelier Renommé"))
    third = post(app, "/voice/incoming", params(103, From="+33611111103")).get_data(as_text=True)
    assert "Atelier Renommé" in third
    assert "Atelier Renommé" not in first.get_data(as_text=True)


def test_the_ringing_answer_is_rendered_once_per_theme_each_caller_in_their_own_room(
    app: Any,
) -> None:
    """The wait for staff is kept rendered with a mark for the room; each caller gets theirs,
    and the kept answer says exactly what rendering it anew says."""
    from twilio.twiml.voice_response import VoiceResponse

    from hotline.directory import directory
    from hotline.telephony.context import voice_for
    from hotline.voice import render_ring
    from tests.test_round_trips import params, post

    menu = "/voice/menu?attempt=1&lang=fr&node=main_menu"
    answers = []
    for sid in (201, 202):
        post(app, "/voice/incoming", params(sid))
        answers.append(post(app, menu, params(sid, Digits="3")).get_data(as_text=True))
    first, second = answers
    assert f"accueil-{params(201)['CallSid']}</Conference>" in first
    assert f"accueil-{params(202)['CallSid']}</Conference>" in second
    with app.app_context():
        info = directory().by_number(db.session, "+33184880000")
        assert info is not None
        kept = [key for key in info.rendered if key[0] == "wait_for_staff"]
        assert kept == [("wait_for_staff", "numerique", "default", "fr", kept[0][-1])]
        theme = next(theme for theme in info.themes if theme.key == "numerique")
        voice = voice_for(info, "fr")
        room = f"accueil-{params(202)['CallSid']}"
        fresh = render_ring.wait_for_staff(voice, VoiceResponse(), theme, room)
    assert second == fresh
