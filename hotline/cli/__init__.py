"""The `hotline` command, one module per subcommand group.

`main` holds the group and the small commands (db, structure, scripts, worker, scheduler,
demo); `run`, `call`, `emulator` and `staff` their own groups; `demo` prepares the demo data.
`run_guard` keeps one `hotline run` per instance and `children` stops what it started.
A command that needs the app takes it from `app.with_app`, which builds one per invocation.
Only this package and the tests import the emulator; the web app never imports this package.
"""

from hotline.cli.main import main

__all__ = ["main"]
