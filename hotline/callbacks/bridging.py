"""Which of the structure's numbers a callback is made from."""

from __future__ import annotations

from hotline.directory import StructureInfo
from hotline.models import Callback


def hotline_number(callback: Callback, structure: StructureInfo) -> str:
    """The number the person called (so they recognise it), else the structure's first."""
    called = callback.call.to_e164 if callback.call is not None else ""
    return called if called in structure.numbers else structure.numbers[0]
