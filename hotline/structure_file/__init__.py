"""Structure files: one YAML file per structure, checked against a published JSON Schema.

`parse_structure_file` checks a file without a database, `load_structure` makes the database
match it (loading twice changes nothing), `dump_structure` writes a structure back.
"""

from hotline.structure_file.dump import dump_structure
from hotline.structure_file.loader import LoadResult, load_structure
from hotline.structure_file.parse import (
    SCHEMA_PATH,
    ExceptionSpec,
    NumberSpec,
    PersonSpec,
    SlotSpec,
    StaffSpec,
    StructureSpec,
    ThemeSpec,
    parse_structure_file,
    structure_schema,
)

__all__ = [
    "SCHEMA_PATH",
    "ExceptionSpec",
    "LoadResult",
    "NumberSpec",
    "PersonSpec",
    "SlotSpec",
    "StaffSpec",
    "StructureSpec",
    "ThemeSpec",
    "dump_structure",
    "load_structure",
    "parse_structure_file",
    "structure_schema",
]
