"""`hotline staff`: create dashboard accounts and set phone-menu PINs from the command line.

This is how the first account of a structure exists: nobody can sign in to the
dashboard before, so nobody could create it there. Messages are in French: the
person running the command is often the structure's coordinator.
"""

from __future__ import annotations

import click
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline import accounts
from hotline.cli.app import with_app
from hotline.extensions import db
from hotline.models import Staff, Structure
from hotline.phones import read_phone


def _structure(session: Session, slug: str) -> Structure:
    structure = session.scalar(select(Structure).where(Structure.slug == slug))
    if structure is None:
        raise click.ClickException(f"Aucune structure « {slug} » : chargez d'abord son fichier.")
    return structure


def _find_staff(session: Session, structure: Structure, key: str) -> Staff | None:
    return session.scalar(select(Staff).where(Staff.structure_id == structure.id, Staff.key == key))


def _new_staff(structure: Structure, key: str, name: str | None, phone: str | None) -> Staff:
    if not name or not phone:
        raise click.ClickException(
            f"« {key} » n'existe pas dans {structure.slug} : "
            "donnez --name et --phone pour le créer."
        )
    try:
        phone_e164 = read_phone(phone)
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    staff = Staff(key=key, name=name, phone_e164=phone_e164, role="staff", active=True)
    structure.staff.append(staff)
    return staff


def _check_email_free(session: Session, staff: Staff, email: str) -> None:
    session.flush()  # a new member gets its id, so it is not mistaken for another account
    taken = session.scalar(
        select(Staff).where(func.lower(Staff.email) == email, Staff.id != staff.id)
    )
    if taken is not None:
        raise click.ClickException(f"L'adresse {email} est déjà celle d'un autre compte.")


@click.group(help="Staff accounts: dashboard passwords and phone-menu PINs.")
def staff() -> None:
    pass


@staff.command(help="Give a staff member a dashboard account and print a new password.")
@click.option("--structure", "slug", required=True, help="Structure slug, e.g. demo.")
@click.option("--key", required=True, help="Staff key in the structure file, e.g. amina.")
@click.option("--email", default=None, help="Sign-in address (required if none is known).")
@click.option("--role", type=click.Choice(accounts.ROLES), default=None, help="Default: unchanged.")
@click.option("--name", default=None, help="Full name, only to create a new staff member.")
@click.option("--phone", default=None, help="Phone number, only to create a new staff member.")
@with_app
def invite(
    _app: Flask,
    slug: str,
    key: str,
    email: str | None,
    role: str | None,
    name: str | None,
    phone: str | None,
) -> None:
    session = db.session
    structure = _structure(session, slug)
    member = _find_staff(session, structure, key) or _new_staff(structure, key, name, phone)
    address = accounts.normalise_email(email or member.email or "")
    if "@" not in address:
        raise click.ClickException("Donnez l'adresse de connexion avec --email.")
    _check_email_free(session, member, address)
    member.email, member.role = address, role or member.role or "staff"
    password = accounts.generate_password()
    accounts.set_password(member, password)
    session.commit()
    click.echo(f"Compte prêt : {member.name} <{address}>, rôle {member.role}, {slug}.")
    click.echo(f"Mot de passe (affiché une seule fois) : {password}")
    click.echo("Transmettez-le en main propre ou par téléphone, pas par e-mail.")


@staff.command("set-pin", help="Set the PIN of the staff phone menu (asked twice, hidden).")
@click.option("--structure", "slug", required=True, help="Structure slug, e.g. demo.")
@click.option("--key", required=True, help="Staff key in the structure file, e.g. amina.")
@with_app
def set_pin(_app: Flask, slug: str, key: str) -> None:
    session = db.session
    member = _find_staff(session, _structure(session, slug), key)
    if member is None:
        raise click.ClickException(f"Aucun membre « {key} » dans {slug}.")
    pin = click.prompt(
        "Code du menu téléphonique (4 à 6 chiffres)",
        hide_input=True,
        confirmation_prompt="Retapez le code",
    )
    try:
        accounts.set_pin(member, pin.strip())
    except accounts.WeakSecret as error:
        raise click.ClickException(str(error)) from None
    session.commit()
    click.echo(f"Code enregistré pour {member.name}.")
