"""The fake Twilio REST API over HTTP on 127.0.0.1, for when web and workers are separate processes.

`make run` starts a web process and workers: a worker places a call through the gateway, the
web process must receive its webhooks. Both share one emulator by talking to this server: the
gateway's twilio client points at it (`TWILIO_API_BASE`, see `http_client`), and a runner thread
places queued calls right after the request that queued them, reaching the web app over HTTP
(`HttpTransport`, which itself only talks to localhost).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from hotline.emulator.call import Emulator
from hotline.emulator.control import Control
from hotline.emulator.errors import EmulatorError
from hotline.emulator.live import PacedRunner
from hotline.emulator.phones import PhoneBehaviour, PhoneBook
from hotline.emulator.rest import FakeTwilio
from hotline.emulator.rest_faults import Unanswered
from hotline.emulator.rest_http import RestRequest
from hotline.emulator.transport import LOCAL_HOSTS, HttpTransport

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication

logger = logging.getLogger(__name__)

DEFAULT_PORT = 8790
SHUTDOWN_POLL_SECONDS = 0.05  # how fast stop() returns
HOLD_SECONDS = 300  # a request the fake never answers is dropped after this (or at stop())


def rest_wsgi_app(fake: FakeTwilio, control: Control | None = None) -> WSGIApplication:
    """A WSGI app answering every request with `fake.handle` (`/_emulator/` with `control`)."""

    @Request.application
    def app(request: Request) -> Response:
        auth = request.authorization
        credentials = None
        if auth is not None and auth.type == "basic":
            credentials = (auth.username or "", auth.password or "")
        form = {name: request.values.getlist(name) for name in request.values}
        rest = RestRequest(request.method, request.path, form, credentials)
        controlled = control.handle(rest) if control is not None else None
        if controlled is not None:
            return Response(
                controlled.body, controlled.status, content_type=controlled.content_type
            )
        try:
            answer = fake.handle(rest)
        except Unanswered as held:  # hold the connection: the client's timeout decides
            held.released.wait(HOLD_SECONDS)
            return Response(status=504)
        if answer.status == 204:
            return Response(status=204)
        return Response(answer.body, status=answer.status, content_type=answer.content_type)

    return app


class Runner:
    """Places pending calls on a background thread, woken after each REST request."""

    def __init__(self, fake: FakeTwilio) -> None:
        self.fake = fake
        self._wake = threading.Event()
        self._stopping = False
        self._thread = threading.Thread(target=self._loop, name="twilio-emulator-runner")
        self._thread.daemon = True

    def start(self) -> None:
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()
        self._thread.join(timeout=30)

    def _loop(self) -> None:
        while not self._stopping:
            self._wake.wait()
            self._wake.clear()
            if not self._stopping:
                self._run_once()

    def _run_once(self) -> None:
        """One pass; an app error is logged and the next call still runs (the server lives on)."""
        try:
            placed = self.fake.run_pending()
        except Exception:
            logger.exception("emulated call failed")
            self._wake.set()  # other calls may still be pending
            return
        for call in placed:
            if call.log is not None:
                logger.info("%s", call.log.transcript(ascii_only=True))


def serve(
    fake: FakeTwilio,
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    paced: PacedRunner | None = None,
) -> tuple[str, Callable[[], None]]:
    """Serve `fake` on host:port (0 = any free port); return its base URL and a stop function.

    The emulator's `api_base` becomes this URL, so the `RecordingUrl`s it hands the app point
    here and can be downloaded. Only loopback hosts are accepted: the emulator is no network
    service. Without `paced`, queued calls run at once in simulated time (each to its end);
    with a `PacedRunner`, simulated time follows the wall clock (see `live`), so a worker's
    staff legs meet the caller waiting for them, and `/_emulator/calls` places scripted
    inbound calls into that world (`control`, used by `hotline call --url`).
    """
    if host not in LOCAL_HOSTS:
        raise EmulatorError(f"the emulator only listens on 127.0.0.1/localhost/::1, not {host!r}")
    control = Control(paced) if paced is not None else None
    server = make_server(host, port, rest_wsgi_app(fake, control), threaded=True)
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{server.server_port}"
    fake.emulator.api_base = url
    runner: Runner | PacedRunner = paced or Runner(fake)
    fake.on_queued = runner.wake
    thread = threading.Thread(
        target=server.serve_forever,
        kwargs={"poll_interval": SHUTDOWN_POLL_SECONDS},
        name="twilio-emulator-http",
    )
    thread.daemon = True
    thread.start()
    runner.start()

    def stop() -> None:
        fake.faults.released.set()
        server.shutdown()
        thread.join(timeout=30)
        server.server_close()
        fake.on_queued = None
        runner.stop()

    return url, stop


def run_emulator_server(
    app_base_url: str,
    auth_token: str,
    account_sid: str,
    port: int = DEFAULT_PORT,
    phones: PhoneBook | Mapping[str, PhoneBehaviour] | None = None,
    *,
    strict: bool = False,
    announce: Callable[[str], None] = print,
    stop: threading.Event | None = None,
    speed: float | None = None,
) -> None:
    """Run the fake Twilio for an app served at `app_base_url` until Ctrl-C (or `stop` is set).

    With `speed`, simulated time runs that many times faster than the wall clock, and callers
    placed through `/_emulator/calls` share the world of the worker's calls. Not strict by
    default: as on Twilio, an app error makes the callee hear the application-
    error message and is logged, instead of killing the server.
    """
    book = phones if isinstance(phones, PhoneBook) else PhoneBook(phones or {})
    emulator = Emulator(
        HttpTransport(), app_base_url, auth_token, account_sid, phones=book, strict=strict
    )
    fake = FakeTwilio(emulator)
    fake.adopt_unknown_recordings = True  # messages left by an older `hotline call --url`
    paced = PacedRunner(fake, speed) if speed else None
    url, stop_server = serve(fake, port=port, paced=paced)
    announce(f"Twilio emulator listening on {url} (set TWILIO_API_BASE={url})")
    try:
        (stop or threading.Event()).wait()
    except KeyboardInterrupt:
        pass
    finally:
        stop_server()
