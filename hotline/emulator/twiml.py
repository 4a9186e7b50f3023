"""Strict parsing of the app's TwiML responses into immutable verbs.

Everything Twilio documents is accepted; everything else is a `TwimlError` naming the verb,
attribute and value, so a typo or a helper-library slip fails a test instead of a live call.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import dataclass, field

from hotline.emulator import voices
from hotline.emulator.errors import EmulatorError, TwimlError
from hotline.emulator.transport import WebhookResponse
from hotline.emulator.twiml_rules import (
    E164,
    EMPTY_ALLOWED,
    MAX_NUMBERS_PER_DIAL,
    RULES,
    SSML_TAGS,
    TOP_LEVEL,
    looks_like_python,
)

XML_CONTENT_TYPES = frozenset({"text/xml", "application/xml"})
MAX_DOCUMENT_BYTES = 64 * 1024  # error 11750: a TwiML response body above 64 kB is refused


@dataclass(frozen=True)
class Verb:
    """One TwiML element: its name, attributes, text and nested elements."""

    name: str
    attrs: Mapping[str, str] = field(default_factory=dict)
    text: str = ""
    children: tuple[Verb, ...] = ()

    def get(self, name: str, default: str | None = None) -> str | None:
        return self.attrs.get(name, default)

    def flag(self, name: str, default: bool) -> bool:
        """A validated "true"/"false" attribute as a bool."""
        value = self.attrs.get(name)
        return default if value is None else value == "true"

    def number(self, name: str, default: int) -> int:
        """A validated integer attribute."""
        value = self.attrs.get(name)
        return default if value is None else int(value)


def parse_response(response: WebhookResponse, url: str) -> tuple[Verb, ...]:
    """Check the HTTP envelope Twilio expects, then parse and validate the TwiML body."""
    if not 200 <= response.status < 300:
        raise EmulatorError(
            f"webhook answered HTTP {response.status}", url=url, response=response, code="11200"
        )
    media_type = response.content_type.split(";")[0].strip().lower()
    if media_type not in XML_CONTENT_TYPES:
        raise EmulatorError(
            f"webhook content type {response.content_type!r} is not text/xml or application/xml",
            url=url,
            response=response,
            code="12300",
        )
    size = len(response.body.encode("utf-8"))
    if size > MAX_DOCUMENT_BYTES:
        raise EmulatorError(
            f"TwiML response body of {size} bytes is larger than 64 kB (error 11750)",
            url=url,
            response=response,
            code="11750",
        )
    try:
        return parse_twiml(response.body)
    except TwimlError as err:
        raise TwimlError(
            str(err).split("\n")[0], url=url, response=response, code=err.code
        ) from err


def parse_twiml(body: str) -> tuple[Verb, ...]:
    """Parse a `<Response>` document into its top-level verbs."""
    if "<!DOCTYPE" in body or "<!ENTITY" in body:
        raise TwimlError("DOCTYPE/ENTITY declarations are not allowed in TwiML")
    try:
        root = ET.fromstring(body.encode("utf-8"))
    except ET.ParseError as err:
        raise TwimlError(f"response is not well-formed XML: {err}", code="12100") from err
    if root.tag != "Response":
        raise TwimlError(f"root element must be <Response>, got <{root.tag}>")
    if root.attrib:
        raise TwimlError(f"<Response> takes no attributes, got {sorted(root.attrib)}")
    _check_no_text(root, "Response")
    return tuple(_parse_verb(child, "Response", TOP_LEVEL) for child in root)


def _parse_verb(elem: ET.Element, parent: str, allowed: frozenset[str]) -> Verb:
    name = str(elem.tag)
    if name not in allowed:
        where = "at top level" if parent == "Response" else f"inside <{parent}>"
        raise TwimlError(f"<{name}> is not allowed {where} (allowed: {', '.join(sorted(allowed))})")
    _check_tail(elem, parent)
    rule = RULES[name]
    attrs = {str(k): v for k, v in elem.attrib.items()}
    for attr, value in attrs.items():
        _check_attribute(name, attr, value)
    if name == "Say":
        text = _say_text(elem)
        children: tuple[Verb, ...] = ()
        problem = voices.say_problem(attrs.get("voice"), attrs.get("language"), text)
        if problem:
            raise TwimlError(f"<Say>: {problem}")
    else:
        text = (elem.text or "").strip()
        children = tuple(_parse_verb(child, name, rule.children) for child in elem)
    _check_text(name, text, attrs, children)
    return Verb(name, attrs, text, children)


def _check_attribute(verb: str, attr: str, value: str) -> None:
    checks = RULES[verb].attributes
    if attr not in checks:
        raise TwimlError(
            f"<{verb}> has unknown attribute {attr}={value!r}"
            f" (allowed: {', '.join(sorted(checks))})"
        )
    if looks_like_python(value):
        raise TwimlError(
            f"<{verb} {attr}={value!r}>: looks like a rendered Python value;"
            " pass a space-separated string"
        )
    if value == "" and (verb, attr) in EMPTY_ALLOWED:
        return
    problem = checks[attr](value)
    if problem:
        raise TwimlError(f"<{verb} {attr}={value!r}>: {problem}")


def _check_text(name: str, text: str, attrs: Mapping[str, str], children: tuple[Verb, ...]) -> None:
    mode = RULES[name].text
    if name == "Play" and not text and "digits" not in attrs:
        raise TwimlError("<Play> needs an audio URL as text (or a digits attribute)")
    if mode == "required" and not text:
        raise TwimlError(f"<{name}> must have non-empty text")
    if mode == "forbidden" and text:
        raise TwimlError(f"<{name}> must not contain text, got {text!r}")
    if name == "Number" and not E164.match(text):
        raise TwimlError(f"<Number>{text}</Number> is not an E.164 number (+33…)")
    if name == "Dial":
        _check_dial(text, children)


def _check_dial(text: str, children: tuple[Verb, ...]) -> None:
    if text and children:
        raise TwimlError("<Dial> has both a text number and nested nouns")
    if not text and not children:
        raise TwimlError("<Dial> has nothing to dial")
    if text and not E164.match(text):
        raise TwimlError(f"<Dial>{text}</Dial> is not an E.164 number (+33…)")
    conferences = [c for c in children if c.name == "Conference"]
    if conferences and len(children) > 1:
        raise TwimlError("<Conference> must be the only noun in its <Dial>")
    if len(children) > MAX_NUMBERS_PER_DIAL:
        raise TwimlError(f"<Dial> has {len(children)} <Number>s; Twilio allows at most 10")


def _say_text(elem: ET.Element) -> str:
    """Say's text, allowing Twilio's SSML tags inside it."""
    for inner in elem.iter():
        if inner is not elem and inner.tag not in SSML_TAGS:
            raise TwimlError(f"<{inner.tag}> is not an SSML tag allowed inside <Say>")
    return " ".join("".join(elem.itertext()).split())


def _check_tail(elem: ET.Element, parent: str) -> None:
    if elem.tail and elem.tail.strip():
        raise TwimlError(f"stray text {elem.tail.strip()!r} inside <{parent}>")


def _check_no_text(elem: ET.Element, name: str) -> None:
    if elem.text and elem.text.strip():
        raise TwimlError(f"stray text {elem.text.strip()!r} inside <{name}>")
