"""RQ jobs and periodic sweeps.

Jobs are plain functions that take ids, run inside an app context and are
safe to run twice. The app is built once per worker process, on first use,
never at import.
"""
