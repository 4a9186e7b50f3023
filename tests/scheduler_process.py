"""A scheduler process for the start-once test: the group-call sweep, tick after tick.

Run as `python -m tests.scheduler_process`; settings come from the environment the test gives
(DATABASE_URL, REDIS_URL, TEST_CLOCK, TICKS, GO_FILE). It waits for GO_FILE so two processes
tick together, runs the sweep each tick (as a scheduler whose Redis slot guard is gone would)
and prints how many sessions it claimed in all.
"""

from __future__ import annotations

import os
import time
from datetime import datetime
from pathlib import Path


def main() -> None:
    from hotline import create_app
    from workers import context, sweeps

    instant = datetime.fromisoformat(os.environ["TEST_CLOCK"])
    app = create_app(
        {
            "DATABASE_URL": os.environ["DATABASE_URL"],
            "REDIS_URL": os.environ["REDIS_URL"],
            "PUBLIC_BASE_URL": "https://hotline.test",
            "CLOCK": lambda: instant,
        }
    )
    context._app = app
    go = Path(os.environ["GO_FILE"])
    while not go.exists():
        time.sleep(0.01)
    claimed = 0
    with app.app_context():
        for _ in range(int(os.environ.get("TICKS", "3"))):
            claimed += sweeps.run_group_calls()
    print(claimed, flush=True)


if __name__ == "__main__":
    main()
