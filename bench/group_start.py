"""Measure the start of a 250-participant group call: `make bench`.

The demo structure on a scratch SQLite file, a group of 249 salariés with mobiles and one host
(250, the provider's limit per conference), every phone answering and pressing 1. The start
job dials through the offline emulator at the account's default 1 call per second, in
simulated time (no sleep), and the participants' webhooks run in-process. Reported:

- simulated time until the last call is placed, and until everyone is in the room (what a
  host would wait on a real account at 1 call/s: pacing dominates);
- real CPU time of the whole run, and the part spent in the app (its webhooks and the start
  job, without the emulator's own work), per participant.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BASE = "https://hotline.bench"
PEOPLE = int(os.environ.get("BENCH_GROUP_SIZE", "249"))  # + 1 host = 250


class Clock:
    """The simulated wall clock's base; the dialling loop's pauses move it (no sleep)."""

    def __init__(self) -> None:
        self.instant = datetime(2026, 3, 5, 13, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.instant


class CpuMeter:
    """CPU seconds spent inside the wrapped calls, nested calls counted once; with `outside`,
    only the calls made while that other meter is not running."""

    def __init__(self, outside: CpuMeter | None = None) -> None:
        self.seconds = 0.0
        self._depth = 0
        self._outside = outside

    def wrap(self, function: Any) -> Any:
        def measured(*args: Any, **kwargs: Any) -> Any:
            self._depth += 1
            started = time.process_time()
            try:
                return function(*args, **kwargs)
            finally:
                self._depth -= 1
                if self._depth == 0 and not (self._outside and self._outside._depth):
                    self.seconds += time.process_time() - started

        return measured


def main() -> int:
    folder = Path(tempfile.mkdtemp(prefix="hotline-bench-group-"))
    os.environ["HOTLINE_INSTANCE_PATH"] = str(folder)
    from hotline.embedded import EmbeddedRedis

    redis_server = EmbeddedRedis(folder / "redis")
    try:
        return _measure(folder, redis_server.url)
    finally:
        redis_server.close()


def _measure(folder: Path, redis_url: str) -> int:
    from hotline import create_app, gateway, groupcalls, migrate
    from hotline.cli import demo as services
    from hotline.config import DEV_ACCOUNT_SID
    from hotline.emulator import (
        Answers,
        Emulator,
        EmulatorHttpClient,
        FakeTwilio,
        PhoneBook,
        WsgiTransport,
    )
    from hotline.extensions import db

    clock = Clock()
    app = create_app(
        {
            "HOTLINE_ENV": "development",
            "DATABASE_URL": f"sqlite:///{folder / 'bench.sqlite3'}",
            "REDIS_URL": redis_url,
            "PUBLIC_BASE_URL": BASE,
        }
    )
    phones = PhoneBook()
    emulator = Emulator(
        WsgiTransport(app),
        BASE,
        app.config["TWILIO_AUTH_TOKEN"],
        account_sid=DEV_ACCOUNT_SID,
        phones=phones,
        clock=clock,
    )

    fake = FakeTwilio(emulator)

    waiting = CpuMeter()

    @waiting.wrap
    def pause(seconds: float) -> None:
        """The job's wait between two calls: the phones already called ring and answer
        meanwhile, as they would on the network."""
        fake.advance(seconds)

    app.config.update(CLOCK=emulator.now, PACE_SLEEP=pause)
    web = CpuMeter()
    app.wsgi_app = web.wrap(app.wsgi_app)  # type: ignore[method-assign]
    client = EmulatorHttpClient(fake)
    provider = CpuMeter(outside=web)  # the emulator's REST work asked by the job itself
    client.request = provider.wrap(client.request)  # type: ignore[method-assign]
    with app.app_context():
        migrate.upgrade(app)
        services.load_structure_path(ROOT / "structures" / "demo.yaml")
        gateway.init_app(app, http_client=client)
        structure_id, series_id, host_phone = _big_series(db.session, PEOPLE)
        for number in [host_phone, *(_phone(i) for i in range(PEOPLE))]:
            phones[number] = Answers(press="1 wait:3600 hangup")
        row = groupcalls.start_now(db.session, structure_id, series_id, emulator.now())
        db.session.commit()
        return _start(fake, emulator, row.id, (web, provider, waiting))


def _start(fake: Any, emulator: Any, session_id: int, meters: tuple[Any, Any, Any]) -> int:
    from hotline.extensions import db
    from hotline.models import GroupCallLeg, GroupParticipant
    from workers import group_jobs

    web, provider, waiting = meters
    began_sim, began_cpu = emulator.now(), time.process_time()
    job = CpuMeter()
    placed = job.wrap(group_jobs.start_group_session)(session_id)
    # The job's own work: not the emulator's REST answers, nor the pauses between two calls
    # (the phones' webhooks that run meanwhile are counted with the other webhooks).
    job_own = job.seconds - provider.seconds - waiting.seconds
    dialled = max(
        leg.dial_at for leg in db.session.query(GroupCallLeg).filter_by(session_id=session_id)
    )
    all_in = None
    for _ in range(600):
        fake.advance(5)
        db.session.expire_all()
        inside = (
            db.session.query(GroupParticipant)
            .filter_by(session_id=session_id, in_room=True)
            .count()
        )
        if inside >= placed:
            all_in = emulator.now()
            break
    total_cpu = time.process_time() - began_cpu
    app_cpu = job_own + web.seconds
    print(f"group call start, {placed} participants (1 host), 1 call/s, in-process, SQLite\n")
    print(f"last call placed after       {(dialled - began_sim).total_seconds():7.0f} s simulated")
    if all_in is None:
        print("everyone in the room:          not within 50 min simulated")
    else:
        print(
            f"everyone in the room after   {(all_in - began_sim).total_seconds():7.0f} s simulated"
        )
    print(f"CPU, whole run (app+emulator){total_cpu:8.2f} s")
    print(
        f"CPU in the app               {app_cpu:8.2f} s  "
        f"({1000 * app_cpu / max(placed, 1):.1f} ms per participant: start job "
        f"{job_own:.2f} s, webhooks {web.seconds:.2f} s)"
    )
    return 0 if all_in is not None else 1


def _phone(index: int) -> str:
    return f"+3361{index:07d}"


def _big_series(session: Any, people: int) -> tuple[int, int, str]:
    """A series of the demo structure inviting `people` salariés, hosted by Sophie."""
    from datetime import date
    from datetime import time as clock_time

    from hotline.groupcalls.editing import SeriesForm, save_series
    from hotline.models import Audience, Person, PersonGroup, Staff, Structure

    structure = session.query(Structure).filter_by(slug="demo").one()
    members = [
        Person(structure_id=structure.id, key=f"b-{i}", name=f"Personne {i}", phone_e164=_phone(i))
        for i in range(people)
    ]
    group = PersonGroup(structure_id=structure.id, key="bench", name="Bench", members=members)
    session.add(group)
    session.flush()
    host = session.query(Staff).filter_by(structure_id=structure.id, key="sophie").one()
    fields = SeriesForm(
        title="Grande réunion",
        audience=Audience.GROUP,
        person_group_id=group.id,
        host_ids=(host.id,),
        rrule="FREQ=WEEKLY;BYDAY=MO",
        first_day=date(2026, 1, 5),
        start_time=clock_time(10, 0),
        duration_minutes=60,
        pin="777111",
        active=False,  # started by hand below, never by the sweep
    )
    series = save_series(session, structure.id, fields, datetime(2026, 3, 5, 13, tzinfo=UTC))
    session.commit()
    return structure.id, series.id, host.phone_e164


if __name__ == "__main__":
    sys.exit(main())
