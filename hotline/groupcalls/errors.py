"""Why a group-call action was refused, in words a staff member reads (French)."""

from __future__ import annotations


class GroupCallError(Exception):
    """An action on a series or a session that cannot be done; `reason` is shown as is."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


NOT_FOUND = "Cette réunion téléphonique n'existe pas, ou pas dans votre structure."
NOT_RUNNING = "Cette réunion téléphonique n'est pas en cours."
PARTICIPANT_NOT_FOUND = "Cette personne ne fait pas partie de la réunion."
NOT_IN_ROOM = "Cette personne n'est pas dans la réunion en ce moment."
OBJECTOR_STAYS_MUTED = "Cette personne a refusé l'enregistrement : son micro reste coupé."
