"""Voice scripts as frozen values: what a caller hears, loaded once and checked before any call.

A script is data (`voice_scripts/<name>/script.yaml` plus one `<lang>.yaml` per language) so a
structure can change its menus and wording without a developer. The call flow reads only these
dataclasses; `load_script` refuses a folder with any problem (see `hotline.voice.check`), so a
call never meets a missing prompt or a dangling node.
"""

from __future__ import annotations

import os
import string
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from hotline.yamlfile import FileProblems, Problem

SCRIPT_FILE = "script.yaml"
ACTIONS = ("repeat", "any_theme", "voicemail", "hangup", "group_pin")
DEFAULT_SPEECH_BUDGET_SECONDS = 25.0

# Placeholders the call flow fills in, by where a prompt is used. `structure` is given to every
# prompt of a known structure; `retention_days` (messages) and `contact_months` (calls, after
# the last contact) to the prompts of say nodes, from the structure's retention settings.
SAY_PLACEHOLDERS = frozenset({"structure", "retention_days", "contact_months"})
MENU_PLACEHOLDERS = frozenset({"structure"})
OPTION_PLACEHOLDERS = frozenset({"structure", "digit"})
LANGUAGE_MENU_PLACEHOLDERS = frozenset({"structure", "language_name", "digit"})
# The same at every call of a structure, so a recording may say them; the others vary per call.
RECORDABLE_PLACEHOLDERS = frozenset({"structure", "retention_days", "contact_months"})


def _keys(*names: str) -> frozenset[str]:
    return frozenset(names)


# Prompts the call flow speaks whether or not a node names them, with the placeholders it gives
# them. A translation must use exactly these: a missing one loses information the caller needs
# (the digit to press), an extra one would fail in the middle of a call. {digit} and
# {finish_key_name} receive key names ("étoile"), not raw keys.
REQUIRED_PROMPTS: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        "unknown_number": _keys(),
        "welcome": _keys("structure"),
        "privacy_notice": _keys("retention_days", "contact_months"),
        "language_name": _keys(),
        "language_option": _keys("language_name", "digit"),
        "main_menu_intro": _keys(),
        "theme_option": _keys("theme", "digit"),
        "orientation_option": _keys("digit"),
        "any_theme_option": _keys("digit"),
        "repeat_option": _keys("digit"),
        "menu_no_input": _keys(),
        "menu_invalid": _keys(),
        "menu_gave_up": _keys(),
        "orientation": _keys(),
        "connecting": _keys("theme"),
        "whisper": _keys("theme"),
        "whisper_accepted": _keys(),
        "whisper_not_accepted": _keys(),
        "whisper_taken": _keys(),
        "whisper_caller_gone": _keys(),
        "ring_wait_music": _keys(),
        "theme_closed": _keys("theme", "moment"),
        "theme_no_opening": _keys("theme"),
        "nobody_available": _keys("theme"),
        "any_theme_label": _keys(),
        "voicemail_instructions": _keys("finish_key_name"),
        "voicemail_empty": _keys(),
        "voicemail_saved": _keys(),
        "callback_consent": _keys(),
        "callback_confirmed": _keys(),
        "callback_declined": _keys(),
        "goodbye": _keys(),
        "technical_error": _keys(),
        "technical_error_end": _keys(),
        "callback_impossible": _keys(),
        # Callbacks: the staff leg of a click-to-call bridge (hotline.voice.render_callback).
        "callback_staff_intro": _keys("theme", "person"),
        "callback_unknown_person": _keys(),
        "callback_not_started": _keys(),
        "callback_cancelled": _keys(),
        "callback_dialling": _keys(),
        "callback_not_allowed_now": _keys("moment"),
        "callback_not_allowed_unknown": _keys(),
        "callback_caller_no_answer": _keys(),
        "callback_call_ended": _keys(),
        # The SMS after a callback's last attempt; {hours} is built from the sms_* pieces below.
        "sms_last_attempt": _keys("structure", "number", "hours"),
        "sms_last_attempt_short": _keys("structure", "number"),
        "sms_days_range": _keys("first", "last"),
        "sms_one_day": _keys("day"),
        "sms_time_full_hour": _keys("hour"),
        "sms_time_minutes": _keys("hour", "minute"),
        # The SMS reminders of a group call (hotline.groupcalls.reminders); {when} is a moment.
        "sms_group_reminder": _keys("title", "when", "number", "pin"),
        "sms_group_reminder_short": _keys("title", "when"),
        # The staff phone menu (hotline.telephony.staff_menu).
        "staff_pin_prompt": _keys("first_name"),
        "staff_pin_wrong": _keys(),
        "staff_pin_refused": _keys(),
        "staff_menu": _keys(),
        "staff_counts_none": _keys(),
        "staff_count_one": _keys("theme"),
        "staff_count_many": _keys("theme", "count"),
        "staff_queue_empty": _keys(),
        "staff_next_callback": _keys("theme", "person"),
        "staff_not_allowed_now": _keys("moment"),
        "staff_not_allowed_unknown": _keys(),
        "staff_outcome_prompt": _keys(),
        "staff_outcome_saved": _keys(),
        "staff_no_answer_noted": _keys(),
        "staff_duty_off": _keys(),
        "staff_duty_on": _keys(),
        # Group calls (hotline.voice.render_group, hotline.telephony.group_views).
        "group_screen": _keys("structure", "title"),
        "group_screen_no_key": _keys(),
        "group_joining": _keys(),
        "group_back_in_room": _keys(),
        "group_opted_out": _keys(),
        "group_session_over": _keys(),
        "group_hold": _keys(),
        "group_hold_host": _keys(),
        "group_offer": _keys("title"),
        "group_pin_prompt": _keys(),
        "group_pin_wrong": _keys(),
        "group_pin_gave_up": _keys(),
        "group_locked": _keys(),
        "group_keypad_menu": _keys(),
        "group_host_menu": _keys(),
        "group_muted": _keys(),
        "group_unmuted": _keys(),
        "group_count_one": _keys(),
        "group_count": _keys("count"),
        "group_locked_now": _keys(),
        "group_unlocked_now": _keys(),
        "group_all_muted": _keys(),
        "group_ended_by_host": _keys(),
        "group_left": _keys(),
        "group_account_limit": _keys("count"),
        "group_recording_notice": _keys("purpose", "days"),
        "group_recording_objected": _keys(),
        "group_recording_stays_muted": _keys(),
        "group_recording_menu": _keys(),
        "group_purpose_formation": _keys(),
        "group_purpose_evaluation": _keys(),
        "group_purpose_qualite": _keys(),
    }
)

# Placeholders a prompt may use but need not: the notice may name the structure, which the
# greeting already did.
OPTIONAL_PLACEHOLDERS: Mapping[str, frozenset[str]] = MappingProxyType(
    {"privacy_notice": _keys("structure")}
)

# The words another module uses to say when a permanence opens, with their placeholders.
MOMENT_PLACEHOLDERS: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        "today": _keys("time"),
        "tomorrow": _keys("time"),
        "this_week": _keys("weekday", "time"),
        "later": _keys("weekday", "day", "month", "time"),
        "time_full_hour": _keys("hour"),
        "time_minutes": _keys("hour", "minute"),
        "midday": _keys(),
        "midnight": _keys(),
        "day_one": _keys(),
    }
)


@dataclass(frozen=True)
class Prompt:
    """Something a caller hears: text for TTS, or a recording with its transcript."""

    text: str
    audio: str | None = None  # a file name inside the script folder


@dataclass(frozen=True)
class Language:
    """How one language is spoken and heard (Twilio <Say> and <Gather> settings)."""

    code: str
    say_language: str
    voice: str
    speech_language: str


@dataclass(frozen=True)
class Settings:
    gather_timeout: int
    max_menu_attempts: int
    record_max_seconds: int
    record_finish_key: str
    dial_timeout: int


@dataclass(frozen=True)
class SpeechBudget:
    """The most speech a caller may hear before a menu's last option (`hotline scripts check`).

    `structure` and `themes` (labels per language) stand for a typical structure using the
    script: the check fills the placeholders with them, since a script has no structure.
    """

    seconds: float = DEFAULT_SPEECH_BUDGET_SECONDS
    structure: str = "la structure"
    themes: Mapping[str, tuple[str, ...]] = dataclass_field(
        default_factory=lambda: MappingProxyType({})
    )


@dataclass(frozen=True)
class Option:
    """A key of a menu, or a menu's `on_failure` (digit ""): go to a node, or do an action."""

    digit: str
    next: str | None
    action: str | None  # one of ACTIONS
    prompt: str | None  # spoken as the option's line, with {digit}


@dataclass(frozen=True)
class Node:
    """One step of the call graph: `say`, `menu` or `language_menu`.

    `prompts` holds the say list, or the one prompt of a menu or language menu.
    """

    id: str
    kind: str
    prompts: tuple[str, ...]
    next: str | None
    options: tuple[Option, ...]
    themes: bool
    on_failure: Option | None


@dataclass(frozen=True)
class Script:
    """A checked voice script: its graph, its settings and every translation."""

    name: str
    folder: Path
    default_language: str
    languages: Mapping[str, Language]  # in the order the language menu offers them
    settings: Settings
    start: str
    nodes: Mapping[str, Node]
    prompts: Mapping[str, Mapping[str, Prompt]]  # lang -> key -> Prompt
    key_names: Mapping[str, Mapping[str, str]]  # lang -> key ("*") -> its name ("étoile")
    moments: Mapping[str, Mapping[str, Any]]  # lang -> moments (weekdays/months as tuples)
    speech_budget: SpeechBudget = dataclass_field(default_factory=SpeechBudget)

    def prompt(self, lang: str, key: str, **params: object) -> Prompt:
        """The prompt in `lang` (else the default language), its placeholders filled in.

        Extra params are ignored, so a caller may pass the same context to every prompt. A
        recording is returned as it is: its transcript is not a template.
        Raises KeyError naming the prompt when it is absent, or the placeholder left unfilled.
        """
        found = self.prompts.get(lang, {}).get(key)
        if found is None:
            found = self.prompts.get(self.default_language, {}).get(key)
        if found is None:
            raise KeyError(
                f"voice script {self.name!r} has no prompt {key!r} in {lang!r} "
                f"nor in its default language {self.default_language!r}"
            )
        if found.audio is not None:
            return found
        try:
            return Prompt(found.text.format_map(params), None)
        except KeyError as exc:
            raise KeyError(
                f"prompt {key!r} of voice script {self.name!r} ({lang}) needs {{{exc.args[0]}}}"
            ) from None

    def key_name(self, lang: str, digit: str) -> str:
        """How a key is said in `lang` ("étoile" for "*"); the key itself when it has no name."""
        return self.key_names.get(lang, {}).get(digit, digit)

    def reserved_digits(self, node_id: str) -> frozenset[str]:
        """Keys the script itself uses at a node, which a structure's themes must not take."""
        node = self.nodes[node_id]
        if node.kind == "language_menu":
            return frozenset(str(position) for position in range(1, len(self.languages) + 1))
        return frozenset(option.digit for option in node.options)


def placeholders(text: str) -> frozenset[str]:
    """The `{name}` placeholders of a prompt; ValueError for braces that are not one."""
    names = set()
    for _literal, field, spec, conversion in string.Formatter().parse(text):
        if field is None:
            continue
        if not field.isidentifier() or spec or conversion:
            raise ValueError(
                f"{{{field}{'!' + conversion if conversion else ''}{':' + spec if spec else ''}}}"
                " is not a placeholder: write {name}, or {{ and }} for a brace"
            )
        names.add(field)
    return frozenset(names)


def scripts_root() -> Path:
    """The folder of voice scripts: $HOTLINE_VOICE_SCRIPTS, else the repository's voice_scripts/."""
    configured = os.environ.get("HOTLINE_VOICE_SCRIPTS")
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parents[2] / "voice_scripts"


def load_script(folder: Path) -> Script:
    """Load one script folder; any problem (schema, graph, translation) raises FileProblems."""
    from hotline.voice.check import inspect_script  # check imports this module's constants

    folder = Path(folder)
    files, problems = inspect_script(folder)
    if files is None:
        raise FileProblems(problems)
    data = files.script.data
    translations = {code: doc.data for code, doc in files.translations.items()}
    return Script(
        name=data["name"],
        folder=folder,
        default_language=data["default_language"],
        languages=_frozen(
            {code: Language(code=code, **spec) for code, spec in data["languages"].items()}
        ),
        settings=Settings(**data["settings"]),
        start=data["start"],
        nodes=_frozen({node_id: _node(node_id, spec) for node_id, spec in data["nodes"].items()}),
        prompts=_frozen(
            {code: _frozen(_prompts(t["prompts"])) for code, t in translations.items()}
        ),
        key_names=_frozen({code: _frozen(t["key_names"]) for code, t in translations.items()}),
        moments=_frozen({code: _moments(t["moments"]) for code, t in translations.items()}),
        speech_budget=_speech_budget(data.get("speech_budget", {})),
    )


def load_scripts(root: Path) -> dict[str, Script]:
    """Every script under `root`, by folder name; all their problems are raised together."""
    from hotline.voice.check import script_folders

    root = Path(root)
    if not root.is_dir():
        raise FileProblems([Problem(str(root), None, "", "voice script folder not found")])
    scripts: dict[str, Script] = {}
    problems: list[Problem] = []
    for folder in script_folders(root):
        try:
            scripts[folder.name] = load_script(folder)
        except FileProblems as exc:
            problems.extend(exc.problems)
    if problems:
        raise FileProblems(problems)
    return scripts


def _frozen(mapping: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(mapping))


def _speech_budget(raw: Mapping[str, Any]) -> SpeechBudget:
    example = raw.get("example", {})
    themes = {code: tuple(labels) for code, labels in example.get("themes", {}).items()}
    return SpeechBudget(
        seconds=float(raw.get("seconds", DEFAULT_SPEECH_BUDGET_SECONDS)),
        structure=example.get("structure", SpeechBudget().structure),
        themes=_frozen(themes),
    )


def _option(digit: str, spec: Mapping[str, Any]) -> Option:
    return Option(
        digit=digit, next=spec.get("next"), action=spec.get("action"), prompt=spec.get("prompt")
    )


def _node(node_id: str, spec: Mapping[str, Any]) -> Node:
    if "say" in spec:
        kind, prompts = "say", tuple(spec["say"])
    elif "menu" in spec:
        kind, prompts = "menu", (spec["menu"],)
    else:
        kind, prompts = "language_menu", (spec["language_menu"],)
    failure = spec.get("on_failure")
    return Node(
        id=node_id,
        kind=kind,
        prompts=prompts,
        next=spec.get("next"),
        options=tuple(_option(digit, option) for digit, option in spec.get("options", {}).items()),
        themes=bool(spec.get("themes", False)),
        on_failure=_option("", failure) if failure else None,
    )


def _prompts(raw: Mapping[str, Any]) -> dict[str, Prompt]:
    return {
        key: Prompt(value["text"], value["audio"]) if isinstance(value, dict) else Prompt(value)
        for key, value in raw.items()
    }


def _moments(raw: Mapping[str, Any]) -> Mapping[str, Any]:
    return _frozen({key: tuple(v) if isinstance(v, list) else v for key, v in raw.items()})
