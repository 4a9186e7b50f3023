"""Signing in to the dashboard: cookies, CSRF, throttling, roles, one structure per staff, CLI."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Blueprint, Flask, render_template_string
from flask.testing import FlaskClient
from sqlalchemy import select

from hotline import accounts
from hotline.cli.staff import staff as staff_cli
from hotline.extensions import redis_store
from hotline.models import Staff, Structure
from hotline.web import init_app as init_dashboard
from hotline.web.auth import login_required, require_role, visible_structure_id
from hotline.web.csrf import protect
from tests import factories

PASSWORD = "cheval-agrafe-batterie"
AMINA = "amina@demo.example"
BAD_CREDENTIALS = "Adresse e-mail ou mot de passe incorrect."

# `web` adds probe routes to the app: each test needs an app of its own.
pytestmark = pytest.mark.own_app


@pytest.fixture(autouse=True)
def _fresh_throttle(app: Flask) -> Iterator[None]:
    """Failures counted by another test (same Redis, same clock) must not leak in or out."""

    def clear() -> None:
        for key in redis_store.connection.scan_iter("hotline:throttle:*"):
            redis_store.connection.delete(key)

    clear()
    yield
    clear()


@pytest.fixture
def web(app: Flask, demo: Any, session: Any) -> FlaskClient:
    """The app with the sign-in pages and a few protected test routes; Amina has a password."""
    if "dashboard" not in app.blueprints:
        init_dashboard(app)
    probe = Blueprint("probe", __name__)
    protect(probe)

    @probe.get("/probe/visible")
    @login_required
    def visible() -> str:
        return str(visible_structure_id())

    @probe.get("/probe/coordination")
    @require_role("coordinator", "admin")
    def coordination() -> str:
        return "réservé"

    @probe.get("/probe/page")
    @login_required
    def page() -> str:
        return render_template_string(
            '{% extends "base.html" %}{% block content %}ok{% endblock %}'
        )

    @probe.post("/probe/form")
    @login_required
    def form() -> str:
        return "enregistré"

    app.register_blueprint(probe)
    _give_password(session, "amina")
    return app.test_client()


def _give_password(session: Any, key: str, slug: str = "demo") -> Staff:
    member = factories.give_password(factories.staff(session, key, slug), PASSWORD)
    session.commit()
    return member


def _token(client: FlaskClient) -> str:
    with client.session_transaction() as cookie:
        token = cookie.get("csrf_token")
    if token is None:
        client.get("/login")
        return _token(client)
    assert isinstance(token, str)
    return token


def _login(client: FlaskClient, email: str, password: str, **extra: str) -> Any:
    data = {"email": email, "password": password, "csrf_token": _token(client), **extra}
    return client.post("/login", data=data)


def _session_cookie(response: Any) -> str:
    cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    assert cookies, response.headers
    return cookies[-1]


def _other_structure(load_structure: Any) -> Structure:
    def edit(data: dict[str, Any]) -> None:
        data.update(slug="autre", name="Chantier Autre")
        data["numbers"] = [{"number": "+33 1 84 88 00 99", "label": "Autre ligne"}]
        for member in data["staff"]:
            if member.get("email"):
                member["email"] = f"{member['key']}@autre.example"

    result = load_structure(edit=edit)
    from hotline.extensions import db

    structure = db.session.scalar(select(Structure).where(Structure.slug == result.slug))
    assert structure is not None
    return structure


# --- signing in and out --------------------------------------------------------------------


def test_signing_in_sets_a_hardened_session_cookie_and_goes_to_the_queue(web: FlaskClient) -> None:
    response = _login(web, AMINA, PASSWORD)
    assert response.status_code == 302
    assert response.headers["Location"] == "/queue"
    cookie = _session_cookie(response)
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Expires=" in cookie
    assert "Secure" not in cookie  # development runs on plain http
    assert web.get("/probe/visible").status_code == 200


def test_in_production_the_cookie_is_secure_and_lasts_twelve_hours(
    app: Flask, web: FlaskClient
) -> None:
    app.config["HOTLINE_ENV"] = "production"
    init_dashboard(app)  # a second call only refreshes the settings
    assert app.config["PERMANENT_SESSION_LIFETIME"].total_seconds() == 12 * 3600
    assert "; Secure" in _session_cookie(_login(web, AMINA, PASSWORD))


def test_after_login_a_local_next_is_followed_and_another_site_is_not(web: FlaskClient) -> None:
    response = _login(web, AMINA, PASSWORD, next="/probe/visible?x=1")
    assert response.headers["Location"] == "/probe/visible?x=1"
    other = web.application.test_client()
    for target in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
        assert _login(other, AMINA, PASSWORD, next=target).headers["Location"] == "/queue"


def test_a_protected_page_sends_a_visitor_to_the_login_page(web: FlaskClient) -> None:
    response = web.get("/probe/visible?x=1")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=%2Fprobe%2Fvisible%3Fx%3D1"
    api_like = web.get("/probe/visible", headers={"Accept": "application/json"})
    assert api_like.status_code == 401
    assert api_like.get_json()["error"] == "login_required"


def test_the_error_does_not_say_whether_the_email_or_the_password_was_wrong(
    web: FlaskClient,
) -> None:
    wrong_password = _login(web, AMINA, "pas-le-bon-mot")
    unknown_email = _login(web, "personne@demo.example", PASSWORD)
    for response in (wrong_password, unknown_email):
        assert response.status_code == 200
        assert BAD_CREDENTIALS in response.get_data(as_text=True)
    assert web.get("/probe/visible").status_code == 302  # still signed out


def test_after_five_failures_the_page_says_how_many_minutes_to_wait(web: FlaskClient) -> None:
    for _ in range(5):
        _login(web, AMINA, "pas-le-bon-mot")
    response = _login(web, AMINA, PASSWORD)
    page = response.get_data(as_text=True)
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "900"
    assert "patienter\n    15 minutes" in page
    assert BAD_CREDENTIALS not in page
    assert web.get("/probe/visible").status_code == 302


def test_logout_needs_a_post_with_the_csrf_token(web: FlaskClient) -> None:
    _login(web, AMINA, PASSWORD)
    assert web.get("/logout").status_code == 405
    assert web.post("/logout").status_code == 400
    assert web.get("/probe/visible").status_code == 200  # not signed out by a forged post
    response = web.post("/logout", data={"csrf_token": _token(web)})
    assert response.headers["Location"] == "/login"
    assert web.get("/probe/visible").status_code == 302


def test_changing_the_password_signs_out_the_other_browsers(web: FlaskClient, session: Any) -> None:
    _login(web, AMINA, PASSWORD)
    member = session.scalar(select(Staff).where(Staff.email == AMINA))
    accounts.set_password(member, "un-tout-autre-secret")
    session.commit()
    assert web.get("/probe/visible").status_code == 302


def test_a_session_ends_twelve_hours_after_login(web: FlaskClient) -> None:
    _login(web, AMINA, PASSWORD)
    with web.session_transaction() as cookie:
        cookie["login_at"] -= 12 * 3600 + 1
    assert web.get("/probe/visible").status_code == 302


# --- CSRF ----------------------------------------------------------------------------------


@pytest.mark.parametrize("token", [None, "", "not-the-token"])
def test_a_post_without_the_right_token_is_refused(web: FlaskClient, token: str | None) -> None:
    _login(web, AMINA, PASSWORD)
    data = {} if token is None else {"csrf_token": token}
    response = web.post("/probe/form", data=data)
    assert response.status_code == 400
    assert "recharger la page" in response.get_data(as_text=True)


def test_the_token_is_accepted_as_a_form_field_or_a_header(web: FlaskClient) -> None:
    _login(web, AMINA, PASSWORD)
    token = _token(web)
    assert web.post("/probe/form", data={"csrf_token": token}).status_code == 200
    assert web.post("/probe/form", headers={"X-CSRF-Token": token}).status_code == 200


def test_the_login_form_itself_needs_the_token(web: FlaskClient) -> None:
    response = web.post("/login", data={"email": AMINA, "password": PASSWORD})
    assert response.status_code == 400
    assert web.get("/probe/visible").status_code == 302


def test_the_token_changes_at_login(web: FlaskClient) -> None:
    before = _token(web)
    _login(web, AMINA, PASSWORD)
    assert _token(web) != before
    assert web.post("/probe/form", data={"csrf_token": before}).status_code == 400


def test_a_json_post_without_the_token_gets_a_json_400(web: FlaskClient) -> None:
    _login(web, AMINA, PASSWORD)
    response = web.post("/probe/form", json={})
    assert response.status_code == 400
    assert response.get_json()["error"] == "csrf"


# --- who sees what -------------------------------------------------------------------------


def test_staff_see_their_own_structure_whatever_they_ask(
    web: FlaskClient, load_structure: Any, demo: Any, session: Any
) -> None:
    other = _other_structure(load_structure)
    own = session.scalar(select(Structure.id).where(Structure.slug == "demo"))
    _login(web, AMINA, PASSWORD)
    assert web.get("/probe/visible").get_data(as_text=True) == str(own)
    response = web.get("/probe/visible?structure=autre")
    assert response.get_data(as_text=True) == str(own) != str(other.id)


def test_an_admin_may_look_at_another_structure(
    web: FlaskClient, load_structure: Any, session: Any
) -> None:
    other = _other_structure(load_structure)
    member = session.scalar(select(Staff).where(Staff.email == AMINA))
    member.role = "admin"
    session.commit()
    _login(web, AMINA, PASSWORD)
    assert web.get("/probe/visible?structure=autre").get_data(as_text=True) == str(other.id)
    assert web.get("/probe/visible").get_data(as_text=True) == str(member.structure_id)
    assert web.get("/probe/visible?structure=inconnue").status_code == 404


def test_a_staff_member_of_another_structure_sees_only_theirs(
    web: FlaskClient, load_structure: Any
) -> None:
    other = _other_structure(load_structure)
    from hotline.extensions import db

    _give_password(db.session, "amina", slug="autre")
    _login(web, "amina@autre.example", PASSWORD)
    assert web.get("/probe/visible?structure=demo").get_data(as_text=True) == str(other.id)


def test_coordination_pages_are_refused_to_staff(web: FlaskClient, session: Any) -> None:
    assert web.get("/probe/coordination").status_code == 302
    _login(web, AMINA, PASSWORD)
    assert web.get("/probe/coordination").status_code == 403
    _give_password(session, "sophie")
    coordinator = web.application.test_client()
    _login(coordinator, "sophie@demo.example", PASSWORD)
    assert coordinator.get("/probe/coordination").status_code == 200


# --- the pages -----------------------------------------------------------------------------


def test_pages_are_french_with_a_skip_link_the_structure_and_a_logout_button(
    web: FlaskClient,
) -> None:
    login_page = web.get("/login").get_data(as_text=True)
    assert '<html lang="fr">' in login_page
    assert '<label for="email">' in login_page
    assert '<label for="password">' in login_page
    _login(web, AMINA, PASSWORD)
    page = web.get("/probe/page").get_data(as_text=True)
    assert 'class="skip-link" href="#contenu"' in page
    assert 'id="contenu"' in page
    assert "Atelier Demo Insertion" in page
    assert "Amina Diallo" in page
    assert 'action="/logout"' in page
    assert "Se déconnecter" in page
    assert web.get("/static/web/dashboard.css").status_code == 200


# --- the command line ----------------------------------------------------------------------


@pytest.fixture
def cli(app: Flask, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """The command line pointed at the test database."""
    monkeypatch.setenv("DATABASE_URL", app.config["DATABASE_URL"])
    monkeypatch.setenv("REDIS_URL", app.config["REDIS_URL"])
    return CliRunner()


def _printed_password(output: str) -> str:
    found = re.search(r"Mot de passe \(affiché une seule fois\) : (\S+)", output)
    assert found, output
    return found.group(1)


@pytest.mark.commits  # the command builds its own app, with its own connection
def test_invite_prints_a_password_that_signs_in(
    cli: CliRunner, web: FlaskClient, session: Any
) -> None:
    result = cli.invoke(
        staff_cli, ["invite", "--structure", "demo", "--key", "sophie", "--role", "coordinator"]
    )
    assert result.exit_code == 0, result.output
    password = _printed_password(result.output)
    assert len(password) == 16
    session.expire_all()  # the command committed through its own session
    response = _login(web, "sophie@demo.example", password)
    assert response.status_code == 302
    assert web.get("/probe/coordination").status_code == 200


@pytest.mark.commits  # the command builds its own app, with its own connection
def test_invite_creates_a_new_member_given_a_name_and_a_phone(
    cli: CliRunner, web: FlaskClient, session: Any
) -> None:
    args = ["invite", "--structure", "demo", "--key", "lea", "--email", "Lea@Demo.Example"]
    refused = cli.invoke(staff_cli, args)
    assert refused.exit_code != 0
    assert "--name et --phone" in refused.output
    result = cli.invoke(
        staff_cli, [*args, "--name", "Léa Roux", "--phone", "06 00 00 00 09", "--role", "admin"]
    )
    assert result.exit_code == 0, result.output
    session.expire_all()
    member = session.scalar(select(Staff).where(Staff.key == "lea"))
    assert (member.email, member.phone_e164, member.role) == (
        "lea@demo.example",
        "+33600000009",
        "admin",
    )
    assert _login(web, "lea@demo.example", _printed_password(result.output)).status_code == 302


@pytest.mark.commits  # the command builds its own app, with its own connection
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--key", "camille"], "--email"),  # in the file without an address
        (["--key", "karim", "--email", AMINA], "déjà celle d'un autre compte"),
        (["--key", "amina", "--structure", "nulle-part"], "Aucune structure"),
    ],
)
def test_invite_explains_what_is_missing(
    cli: CliRunner, web: FlaskClient, args: list[str], message: str
) -> None:
    result = cli.invoke(staff_cli, ["invite", "--structure", "demo", *args])
    assert result.exit_code != 0
    assert message in result.output


@pytest.mark.commits  # the command builds its own app, with its own connection
def test_set_pin_asks_twice_and_refuses_an_obvious_code(
    cli: CliRunner, web: FlaskClient, session: Any
) -> None:
    args = ["set-pin", "--structure", "demo", "--key", "karim"]
    weak = cli.invoke(staff_cli, args, input="1234\n1234\n")
    assert weak.exit_code != 0
    assert "trop facile" in weak.output
    result = cli.invoke(staff_cli, args, input="4829\n4829\n")
    assert result.exit_code == 0, result.output
    assert "4829" not in result.output  # typed hidden, never echoed
    session.expire_all()
    karim = session.scalar(select(Staff).where(Staff.key == "karim"))
    phone = karim.phone_e164
    assert (
        accounts.verify_staff_pin(
            session, structure_id=karim.structure_id, phone_e164=phone, pin="4829", remote_key=phone
        )
        == karim
    )
