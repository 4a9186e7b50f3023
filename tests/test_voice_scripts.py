"""Voice scripts: the shipped one loads clean; every broken copy is caught at its file and line."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import jsonschema
import pytest

from hotline.voice.check import check_all, check_script
from hotline.voice.script import REQUIRED_PROMPTS, Script, load_script, load_scripts, scripts_root
from hotline.yamlfile import FileProblems, Problem, load_yaml, schema_problems

REPO_SCRIPTS = Path(__file__).resolve().parents[1] / "voice_scripts"
DEFAULT = REPO_SCRIPTS / "default"


# --- helpers -----------------------------------------------------------------------------


def edit(path: Path, old: str, new: str) -> None:
    """Replace one exact, unique piece of a file: a broken copy differs by one mistake."""
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} should occur once in {path.name}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def line_with(path: Path, needle: str) -> int:
    """1-based line of the only line of `path` containing `needle`."""
    found = [n for n, line in enumerate(path.read_text("utf-8").splitlines(), 1) if needle in line]
    assert len(found) == 1, f"{needle!r} should be on exactly one line of {path.name}: {found}"
    return found[0]


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    """A private copy of the default script, named `default` like its source."""
    return Path(shutil.copytree(DEFAULT, tmp_path / "default"))


@pytest.fixture(scope="module")
def script() -> Script:
    return load_script(DEFAULT)


# --- the shipped script ------------------------------------------------------------------


def test_default_script_checks_clean_and_loads() -> None:
    assert check_all(REPO_SCRIPTS) == []
    scripts = load_scripts(REPO_SCRIPTS)
    assert list(scripts) == ["default"]
    default = scripts["default"]
    assert default.start == "welcome"
    assert list(default.languages) == ["fr", "en"]
    assert default.nodes["main_menu"].kind == "menu"
    assert default.nodes["main_menu"].themes
    assert default.nodes["main_menu"].on_failure is not None
    assert default.nodes["main_menu"].on_failure.action == "voicemail"
    assert default.nodes["choose_language"].kind == "language_menu"
    assert default.settings.record_finish_key == "#"
    for lang in default.languages:
        assert set(REQUIRED_PROMPTS) <= set(default.prompts[lang])
        assert len(default.moments[lang]["weekdays"]) == 7


@pytest.mark.parametrize("name", ["script", "prompts"])
def test_published_schemas_are_valid_draft_2020_12(name: str) -> None:
    schema = json.loads((REPO_SCRIPTS / "schema" / f"{name}.schema.json").read_text("utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)


def test_privacy_notice_is_one_sentence_naming_structure_and_retention(script: Script) -> None:
    for lang in script.languages:
        text = script.prompt(
            lang, "privacy_notice", structure="Le Relais", retention_days=90, contact_months=24
        ).text
        assert text.count(".") == 1, text
        assert text.endswith(".")
        assert "Le Relais" in text
        assert "90" in text
        assert "24" in text


def test_scripts_root_defaults_to_the_repository_and_follows_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("HOTLINE_VOICE_SCRIPTS", raising=False)
    assert scripts_root() == REPO_SCRIPTS
    monkeypatch.setenv("HOTLINE_VOICE_SCRIPTS", str(tmp_path))
    assert scripts_root() == tmp_path


# --- broken copies -----------------------------------------------------------------------

# Each case breaks the copy and returns (file, line, words the message must contain).
Breakage = Callable[[Path], tuple[Path, int, str]]


def unknown_next(folder: Path) -> tuple[Path, int, str]:
    path = folder / "script.yaml"
    edit(
        path,
        "orientation: {say: [orientation], next: main_menu}",
        "orientation: {say: [orientation], next: main_meny}",
    )
    return (
        path,
        line_with(path, "next: main_meny"),
        "unknown node 'main_meny'; did you mean 'main_menu'?",
    )


def unreachable_node(folder: Path) -> tuple[Path, int, str]:
    path = folder / "script.yaml"
    edit(path, "  orientation: {", "  lost: {say: [goodbye], next: main_menu}\n  orientation: {")
    return path, line_with(path, "lost:"), "node 'lost' is never reached"


def dead_end_say(folder: Path) -> tuple[Path, int, str]:
    path = folder / "script.yaml"
    edit(path, "{say: [orientation], next: main_menu}", "{say: [orientation]}")
    return path, line_with(path, "orientation: {say"), "dead end: a say node needs `next`"


def duplicate_digit(folder: Path) -> tuple[Path, int, str]:
    path = folder / "script.yaml"
    edit(
        path,
        '      "0": {action: any_theme',
        '      "9": {action: hangup}\n      "0": {action: any_theme',
    )
    return (
        path,
        line_with(path, '"9": {action: hangup}'),
        "duplicate key '9', already written at line",
    )


def integer_digit(folder: Path) -> tuple[Path, int, str]:
    path = folder / "script.yaml"
    edit(path, '"9": {next: orientation', "9: {next: orientation")
    return (
        path,
        line_with(path, "9: {next: orientation"),
        'key 9 is read as a number; put it in quotes: "9"',
    )


def missing_english(folder: Path) -> tuple[Path, int, str]:
    path = folder / "en.yaml"
    edit(path, '  goodbye: "Thank you for calling. Goodbye."\n', "")
    return path, line_with(path, "prompts:"), "missing prompt 'goodbye'"


def required_placeholder_dropped(folder: Path) -> tuple[Path, int, str]:
    path = folder / "en.yaml"
    edit(path, '"For {theme}, press {digit}, or say {theme}."', '"For this, press {digit}."')
    return path, line_with(path, "  theme_option:"), "placeholders differ (missing {theme})"


def custom_placeholder_differs(folder: Path) -> tuple[Path, int, str]:
    edit(folder / "script.yaml", "{say: [orientation], next", "{say: [orientation, hours], next")
    edit(folder / "fr.yaml", "  goodbye:", '  hours: "{structure} répond le matin."\n  goodbye:')
    path = folder / "en.yaml"
    edit(path, "  goodbye:", '  hours: "We answer in the morning."\n  goodbye:')
    return path, line_with(path, "hours:"), "missing {structure}): fr.yaml uses {structure}"


def unknown_placeholder(folder: Path) -> tuple[Path, int, str]:
    path = folder / "fr.yaml"
    edit(path, '"Merci de votre appel. Au revoir."', '"Merci {name}. Au revoir."')
    return path, line_with(path, "goodbye:"), "unknown {name}"


def yaml_syntax_error(folder: Path) -> tuple[Path, int, str]:
    path = folder / "fr.yaml"
    edit(path, '  goodbye: "Merci de votre appel. Au revoir."', "  goodbye: Merci: au revoir")
    return path, line_with(path, "goodbye: Merci: au revoir"), "YAML syntax error"


def unknown_property(folder: Path) -> tuple[Path, int, str]:
    path = folder / "script.yaml"
    edit(path, "  dial_timeout: 25", "  dial_timeout: 25\n  dial_timout: 30")
    return (
        path,
        line_with(path, "dial_timout"),
        "unknown property 'dial_timout'; did you mean 'dial_timeout'?",
    )


def language_mismatch(folder: Path) -> tuple[Path, int, str]:
    path = folder / "en.yaml"
    edit(path, "language: en", "language: fr")
    return path, line_with(path, "language: fr"), "says 'fr' but the file is en.yaml"


def missing_audio(folder: Path) -> tuple[Path, int, str]:
    path = folder / "fr.yaml"
    edit(
        path,
        '  goodbye: "Merci de votre appel. Au revoir."',
        '  goodbye: {audio: au-revoir.mp3, text: "Au revoir."}',
    )
    return path, line_with(path, "au-revoir.mp3"), "audio file 'au-revoir.mp3' not found"


def missing_moment(folder: Path) -> tuple[Path, int, str]:
    path = folder / "en.yaml"
    edit(path, '  midnight: "midnight"\n', "")
    return path, line_with(path, "moments:"), "missing required field 'midnight'"


def missing_key_name(folder: Path) -> tuple[Path, int, str]:
    path = folder / "en.yaml"
    edit(path, ', "#": "hash"', "")
    return path, line_with(path, "key_names:"), "missing required field '#'"


def unknown_start(folder: Path) -> tuple[Path, int, str]:
    path = folder / "script.yaml"
    edit(path, "start: welcome", "start: wellcome")
    return path, line_with(path, "start: wellcome"), "unknown node 'wellcome'"


def say_loop(folder: Path) -> tuple[Path, int, str]:
    path = folder / "script.yaml"
    edit(
        path,
        "orientation: {say: [orientation], next: main_menu}",
        "orientation: {say: [orientation], next: orientation}",
    )
    return path, line_with(path, "orientation: {say"), "loops without a menu"


def required_prompt_in_say_node(folder: Path) -> tuple[Path, int, str]:
    path = folder / "script.yaml"
    edit(path, "{say: [orientation], next", "{say: [orientation, theme_option], next")
    return path, line_with(path, "theme_option], next"), "needs {digit} {theme}, which is not given"


@pytest.mark.parametrize(
    "breakage",
    [
        unknown_next,
        unreachable_node,
        dead_end_say,
        duplicate_digit,
        integer_digit,
        missing_english,
        required_placeholder_dropped,
        custom_placeholder_differs,
        unknown_placeholder,
        yaml_syntax_error,
        unknown_property,
        language_mismatch,
        missing_audio,
        missing_moment,
        missing_key_name,
        unknown_start,
        say_loop,
        required_prompt_in_say_node,
    ],
)
def test_broken_copy_is_reported_at_its_file_and_line(copy: Path, breakage: Breakage) -> None:
    path, line, words = breakage(copy)
    problems = check_script(copy)
    assert any(p.path == str(path) and p.line == line and words in p.message for p in problems), (
        "\n".join(map(str, problems))
    )
    with pytest.raises(FileProblems) as raised:
        load_script(copy)
    assert raised.value.problems == problems
    assert f"{path}:{line}: " in str(raised.value)


def test_a_broken_script_fails_load_scripts_but_is_named(copy: Path) -> None:
    edit(copy / "script.yaml", "start: welcome", "start: nowhere")
    with pytest.raises(FileProblems, match=r"script\.yaml:\d+: start: unknown node 'nowhere'"):
        load_scripts(copy.parent)


def test_audio_prompt_that_must_say_the_theme_is_refused(copy: Path) -> None:
    (copy / "connecting.mp3").write_bytes(b"ID3")
    edit(
        copy / "fr.yaml",
        '"Vous avez choisi : {theme}. Nous cherchons une personne libre. '
        "Restez en ligne, s'il vous plaît.\"",
        '{audio: connecting.mp3, text: "Restez en ligne."}',
    )
    problems = check_script(copy)
    assert [p.message for p in problems] == [
        "prompt 'connecting' must say {theme}, which changes from call to call; "
        "a recording cannot, so write it as text"
    ]


def test_recorded_prompt_is_played_as_is(copy: Path) -> None:
    (copy / "bienvenue.mp3").write_bytes(b"ID3")
    edit(
        copy / "fr.yaml",
        '"Bonjour, ici {structure}. Vous êtes bien à la permanence téléphonique."',
        '{audio: bienvenue.mp3, text: "Bonjour, ici Le Relais."}',
    )
    loaded = load_script(copy)
    assert loaded.prompt("fr", "welcome", structure="ignored").audio == "bienvenue.mp3"
    assert loaded.prompt("en", "welcome", structure="Le Relais").audio is None


# --- Script ------------------------------------------------------------------------------


def test_prompt_fills_placeholders_and_ignores_extra_context(script: Script) -> None:
    spoken = script.prompt("fr", "theme_option", theme="numérique", digit="3", structure="X")
    assert spoken.text == "Pour numérique, tapez 3, ou dites numérique."
    assert spoken.audio is None


def test_prompt_falls_back_to_the_default_language(copy: Path) -> None:
    edit(copy / "fr.yaml", "  goodbye:", '  closing_note: "Bonne journée."\n  goodbye:')
    loaded = load_script(copy)
    assert loaded.prompt("en", "closing_note").text == "Bonne journée."
    assert loaded.prompt("de", "goodbye").text == "Merci de votre appel. Au revoir."


def test_prompt_absent_everywhere_or_unfilled_names_what_is_missing(script: Script) -> None:
    with pytest.raises(KeyError, match="no prompt 'nope' in 'en'"):
        script.prompt("en", "nope")
    with pytest.raises(KeyError, match=r"needs \{theme\}"):
        script.prompt("fr", "connecting")


def test_key_names_are_spoken_words_or_the_key_itself(script: Script) -> None:
    assert script.key_name("fr", "*") == "étoile"
    assert script.key_name("fr", "#") == "dièse"
    assert script.key_name("en", "#") == "hash"
    assert script.key_name("fr", "5") == "5"
    assert script.key_name("de", "*") == "*"


def test_reserved_digits_are_the_scripts_own_keys(script: Script) -> None:
    assert script.reserved_digits("main_menu") == {"9", "8", "0", "*"}
    assert script.reserved_digits("choose_language") == {"1", "2"}
    assert script.reserved_digits("welcome") == frozenset()


# --- yamlfile ----------------------------------------------------------------------------

SAMPLE = """\
name: demo
themes:
  - key: administratif
    digit: "1"
  - key: social
    digit: 12
options:
  1: {next: a}
"""


def write(tmp_path: Path, text: str, name: str = "demo.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_line_of_points_at_keys_items_and_nearest_ancestor(tmp_path: Path) -> None:
    doc = load_yaml(write(tmp_path, SAMPLE))
    assert doc.data["themes"][1]["digit"] == 12
    assert doc.line_of(["name"]) == 1
    assert doc.line_of(["themes", 1]) == 5
    assert doc.line_of(["themes", 1, "digit"]) == 6
    assert doc.line_of(["themes", 1, "missing", "deeper"]) == 5
    assert doc.line_of(["options", "1"]) == 8  # written as the integer 1
    assert doc.line_of(["nothing"]) == 1


def test_duplicate_keys_are_errors_with_both_lines(tmp_path: Path) -> None:
    path = write(tmp_path, "a: 1\nb:\n  c: 1\n  d: 2\n  c: 3\na: 4\n")
    with pytest.raises(FileProblems) as raised:
        load_yaml(path)
    assert [str(p) for p in raised.value.problems] == [
        f"{path}:5: b.c: duplicate key 'c', already written at line 3; "
        "only one of the two values would be kept",
        f"{path}:6: a: duplicate key 'a', already written at line 1; "
        "only one of the two values would be kept",
    ]


def test_merge_keys_may_override_without_being_duplicates(tmp_path: Path) -> None:
    doc = load_yaml(write(tmp_path, "base: &b {x: 1, y: 2}\nother:\n  <<: *b\n  x: 3\n"))
    assert doc.data["other"] == {"x": 3, "y": 2}


def test_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, "a: 1\nb: [1, 2\nc: 3\n")
    with pytest.raises(FileProblems) as raised:
        load_yaml(path)
    (problem,) = raised.value.problems
    assert (problem.path, problem.line) == (str(path), 3)
    assert problem.message.startswith("YAML syntax error:")


def test_schema_problems_are_readable_and_sorted_by_line(tmp_path: Path) -> None:
    schema = {
        "type": "object",
        "additionalProperties": False,
        "required": ["name", "themes", "owner"],
        "properties": {
            "name": {"type": "string"},
            "themes": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "key": {"type": "string"},
                        "digit": {"type": "string", "pattern": "^[0-9]$"},
                    },
                },
            },
        },
    }
    path = write(tmp_path, SAMPLE)
    problems = schema_problems(load_yaml(path), schema)
    assert problems == [
        Problem(str(path), 1, "", "missing required field 'owner'"),
        Problem(str(path), 6, "themes[1].digit", "12 is not of type 'string'"),
        Problem(str(path), 7, "options", "unknown property 'options'"),
    ]
    assert str(problems[1]) == f"{path}:6: themes[1].digit: 12 is not of type 'string'"
