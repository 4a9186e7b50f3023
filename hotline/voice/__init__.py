"""Voice scripts: loading and checking them (script, check), rendering them as TwiML (render)."""

from hotline.voice.script import (
    REQUIRED_PROMPTS,
    Language,
    Node,
    Option,
    Prompt,
    Script,
    Settings,
    load_script,
    load_scripts,
    scripts_root,
)

__all__ = [
    "REQUIRED_PROMPTS",
    "Language",
    "Node",
    "Option",
    "Prompt",
    "Script",
    "Settings",
    "load_script",
    "load_scripts",
    "scripts_root",
]
