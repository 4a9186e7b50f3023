"""The anchors `make bench` compares the hotline's webhooks with: what a webhook costs at least.

Served by the same gunicorn as the hotline, in the same run: a bare Flask route answering
static TwiML, the same after parsing the form, after one HMAC-SHA1 signature check (the least
a correct webhook costs), and after the stock `RequestValidator` (which computes two HMACs).

With BENCH_ANCHOR_DATABASE_URL (a PostgreSQL conninfo), two more: the signature check and one
prepared `INSERT … ON CONFLICT DO NOTHING RETURNING` of the CallSid on an autocommit psycopg
connection with `synchronous_commit=off` (the least a call's first webhook costs: it must
write the call down), and the same plus one RQ enqueue of a job with a unique id (the least a
menu choice costs that hands the ringing to a worker). No ORM, no hooks, no pool: psycopg and
RQ as their documentation shows them, so what the hotline spends above them is its own code.
"""

from __future__ import annotations

import hmac
import os
from collections.abc import Callable

from flask import Flask, Response, abort, request
from twilio.request_validator import RequestValidator

TWIML = (
    '<?xml version="1.0" encoding="UTF-8"?><Response><Say language="fr-FR">'
    "Bonjour, ici la permanence.</Say></Response>"
)


def create_anchor_app() -> Flask:
    """`gunicorn 'bench.anchors:create_anchor_app()'` with TWILIO_AUTH_TOKEN and PUBLIC_BASE_URL."""
    app = Flask(__name__)
    validator = RequestValidator(os.environ["TWILIO_AUTH_TOKEN"])
    base = os.environ["PUBLIC_BASE_URL"].rstrip("/")

    def xml() -> Response:
        return Response(TWIML, mimetype="text/xml")

    @app.post("/static")
    def static_twiml() -> Response:
        return xml()

    @app.post("/form")
    def form() -> Response:
        request.form.get("CallSid")
        return xml()

    @app.post("/hmac")
    def one_hmac() -> Response:
        url = base + request.path
        wanted = validator.compute_signature(url, request.form)
        if not hmac.compare_digest(wanted, request.headers.get("X-Twilio-Signature", "")):
            abort(403)
        return xml()

    @app.post("/validator")
    def stock_validator() -> Response:
        url = base + request.path
        if not validator.validate(url, request.form, request.headers.get("X-Twilio-Signature", "")):
            abort(403)
        return xml()

    if os.environ.get("BENCH_ANCHOR_DATABASE_URL"):
        _add_write_anchors(app, one_hmac)
    return app


TABLE = (
    "CREATE TABLE bench_anchor_call (id serial PRIMARY KEY, call_sid varchar(128) NOT NULL"
    " UNIQUE, from_e164 varchar(32) NOT NULL, started_at timestamptz NOT NULL)"
)
INSERT = (
    "INSERT INTO bench_anchor_call (call_sid, from_e164, started_at) VALUES (%s, %s, now())"
    " ON CONFLICT (call_sid) DO NOTHING RETURNING id"
)


def create_anchor_table(conninfo: str) -> None:
    """The anchors' table, made once before gunicorn starts: two workers each running
    CREATE TABLE IF NOT EXISTS at the same moment can collide in PostgreSQL's catalog."""
    import psycopg

    with psycopg.connect(conninfo, autocommit=True) as connection:
        connection.execute(TABLE)


def ring(call_sid: str) -> None:
    """The anchor's job: never run (no worker listens to `bench-anchor`); it is here so the
    job's function exists should one ever be pointed at that queue."""


def _add_write_anchors(app: Flask, check_signature: Callable[[], Response]) -> None:
    """/insert and /enqueue: the signature check, then one write, then one job."""
    import psycopg
    from redis import Redis
    from rq import Queue

    connection = psycopg.connect(
        os.environ["BENCH_ANCHOR_DATABASE_URL"],
        autocommit=True,
        options="-c synchronous_commit=off",
    )
    queue = Queue("bench-anchor", connection=Redis.from_url(os.environ["REDIS_URL"]))

    def insert() -> str:
        call_sid = request.form["CallSid"]
        with connection.cursor() as cursor:
            cursor.execute(INSERT, (call_sid, request.form["From"]), prepare=True)
            cursor.fetchall()
        return call_sid

    @app.post("/insert")
    def one_insert() -> Response:
        response = check_signature()
        insert()
        return response

    @app.post("/enqueue")
    def insert_and_enqueue() -> Response:
        response = check_signature()
        call_sid = insert()
        queue.enqueue("bench.anchors.ring", call_sid, job_id=f"ring-{call_sid}", unique=True)
        return response
