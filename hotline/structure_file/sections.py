"""The file's sections stored whole in `Structure.settings`: retention periods, check-ins."""

from __future__ import annotations

from hotline.models import Structure
from hotline.retention import stored_retention
from hotline.structure_file.spec import StructureSpec


def apply_retention(structure: Structure, spec: StructureSpec, created: bool) -> list[str]:
    """Store the file's retention periods; a structure keeping the defaults stores nothing."""
    if not spec.retention or stored_retention(structure) == dict(spec.retention):
        return []
    structure.settings = {**(structure.settings or {}), "retention": dict(spec.retention)}
    return [] if created else ["retention changed"]


def apply_check_ins(structure: Structure, spec: StructureSpec, created: bool) -> list[str]:
    """Store the file's check-in thresholds; a file without the section changes nothing."""
    current = (structure.settings or {}).get("check_ins")
    if spec.check_ins is None or current == dict(spec.check_ins):
        return []
    structure.settings = {**(structure.settings or {}), "check_ins": dict(spec.check_ins)}
    return [] if created else ["check_ins changed"]
