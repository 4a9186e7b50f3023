"""Run the app's queued jobs while simulated calls go on, as a worker would.

A caller who picks a theme waits in a room while the `ring_staff` job calls the staff; when
a call is simulated in-process (`hotline call`, the tests) that job, and the ones it leads
to, must run at the simulated instant they are queued, between two events of the emulator's
simulation. `run_jobs_between_events` installs such a runner on an emulator: each queued job
is taken off the RQ queue and performed in the app given, and a job that raises stops the
simulation at once (no retry hides it). REST calls the jobs create through the emulator's
`FakeTwilio` are then handed to the simulation, so they ring while the caller waits.
"""

from __future__ import annotations

from flask import Flask
from rq import Queue

from hotline import gateway
from hotline.emulator import Emulator, EmulatorHttpClient, FakeTwilio
from hotline.extensions import redis_store


def run_queued_jobs() -> list[str]:
    """Perform every job queued now (and those they queue); the ids of the jobs run."""
    queue = Queue("default", connection=redis_store.connection)
    ran: list[str] = []
    while queue.count:
        for job in queue.jobs:
            queue.remove(job)
            job.perform()
            ran.append(job.id)
    return ran


def run_jobs_between_events(app: Flask, emulator: Emulator, fake: FakeTwilio) -> list[str]:
    """From now on, run `app`'s queued jobs before each simulated event; the ids run (live)."""
    ran: list[str] = []

    def between() -> None:
        with app.app_context():
            done = run_queued_jobs()
        if done:
            ran.extend(done)
            installed = gateway.installed_client(app)  # a test may have swapped the fake
            getattr(installed, "fake", fake).dispatch()

    emulator.sim.between.append(between)
    return ran


def emulate_provider(app: Flask, emulator: Emulator) -> FakeTwilio:
    """The emulator's REST API behind `app`'s gateway, and `app`'s jobs run in step."""
    fake = FakeTwilio(emulator)
    gateway.init_app(app, http_client=EmulatorHttpClient(fake))
    run_jobs_between_events(app, emulator, fake)
    return fake
