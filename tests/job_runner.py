"""The in-process job runner of `hotline call`, for tests (see `hotline.cli.inline_jobs`)."""

from __future__ import annotations

from hotline.cli.inline_jobs import emulate_provider, run_jobs_between_events, run_queued_jobs

__all__ = ["emulate_provider", "run_jobs_between_events", "run_queued_jobs"]
