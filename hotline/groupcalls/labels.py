"""The words staff read for a group call's states: one wording per fact, defined once.

The live page, the attendance page, the API (`state_label`) and the CSV's readers all take
them from here.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from hotline.groupcalls.rule_words import DAY_NAMES, clock

PARTICIPANT_STATES = {
    "in_room": "Dans la réunion",
    "menu": "Dans le menu *",
    "waiting": "Attend l'animateur",
    "screening": "A décroché, n'a pas encore tapé 1",
    "calling": "Appel en cours",
    "pending": "Sera appelé",
    "retry": "Sera rappelé",
    "not_reached": "Non joint",
    "opted_out": "Ne souhaite plus être appelé",
    "refused": "Appel refusé par l'opérateur",
    "left": "A quitté la réunion",
    "cancelled": "Non appelé (réunion terminée)",
}

SESSION_STATES = {
    "scheduled": "Prévue",
    "starting": "Lancement",
    "running": "En cours",
    "ended": "Terminée",
    "cancelled": "Annulée",
    "missed": "Manquée",
}

ROLES = {"host": "Animateur", "invitee": "Invité", "guest": "Par code"}
AUDIENCES = {"staff": "L'équipe", "group": "Un groupe de salariés"}
# Why a series is recorded (the only purposes the CNIL admits), as the coordinator reads it.
RECORDING_PURPOSES = {
    "formation": "la formation",
    "evaluation": "l'évaluation",
    "qualite": "la qualité du service",
}

LEAVE_REASONS = {
    "participant_hung_up": "a raccroché",
    "removed_by_host": "retiré par l'animateur",
    "left_from_menu": "a quitté par le menu *",
    "conference_ended_via_api": "fin de la réunion",
    "moderator_ended_conference": "fin de la réunion",
    "participant_updated_via_api": "modifié par l'application",
    "participant_add_failed": "n'a pas pu entrer",
}


ACTIONS = {
    "mute": "Couper le micro",
    "unmute": "Rétablir le micro",
    "remove": "Retirer",
    "redial": "Rappeler",
}
REDIALLABLE = ("not_reached", "left", "refused", "retry", "cancelled")


def actions(state: str, muted: bool, running: bool, objected: bool = False) -> list[str]:
    """The host's buttons for one participant now (the live page and its API agree).

    Someone who objected to the recording has no "unmute": their microphone stays off."""
    if not running:
        return []
    if state in ("in_room", "waiting"):
        if objected:
            return ["remove"]
        return ["unmute" if muted else "mute", "remove"]
    return ["redial"] if state in REDIALLABLE else []


def microphone(muted: bool, objected: bool) -> str:
    """The live page's "Micro" column."""
    if objected:
        return "coupé (refuse l'enregistrement)"
    return "coupé" if muted else "ouvert"


def state(value: str) -> str:
    return PARTICIPANT_STATES.get(value, value)


def when(at: datetime, tz: str) -> str:
    """ "lundi 7/12 à 10 h": a session's start as the coordinator reads it."""
    local = at.astimezone(ZoneInfo(tz))
    return f"{DAY_NAMES[local.weekday()]} {local.day}/{local.month} à {clock(local.time())}"
