"""An RQ worker process for the tests that kill one: the app at a fixed instant, until killed.

Run as `python -m tests.worker_process`; settings come from the environment the test gives
(DATABASE_URL, REDIS_URL, TWILIO_API_BASE, TEST_CLOCK). A SimpleWorker runs each job in this
very process, so SIGKILL of this process kills the job where it stands.
"""

from __future__ import annotations

import os
from datetime import datetime

from rq import Queue, SimpleWorker


def main() -> None:
    from hotline import create_app
    from hotline.extensions import redis_store
    from workers import context

    instant = datetime.fromisoformat(os.environ["TEST_CLOCK"])
    app = create_app(
        {
            "DATABASE_URL": os.environ["DATABASE_URL"],
            "REDIS_URL": os.environ["REDIS_URL"],
            "TWILIO_API_BASE": os.environ["TWILIO_API_BASE"],
            "PUBLIC_BASE_URL": "https://hotline.test",
            "CLOCK": lambda: instant,
            "PROVIDER_HTTP_TIMEOUT": 300,  # the provider's silence outlasts the worker
        }
    )
    context._app = app
    with app.app_context():
        connection = redis_store.connection
        SimpleWorker([Queue("default", connection=connection)], connection=connection).work()


if __name__ == "__main__":
    main()
