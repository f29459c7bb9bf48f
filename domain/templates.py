"""Rendering message templates (Liquid) for every channel, in the patient's language.

``render(template_key, channel, language, context)`` picks the template's format for the
channel (SMS, voice or email; REM-14), in the patient's language with English fallback, renders
it with strict undefined -- a missing squiggly, unknown filter or broken tag raises
:class:`TemplateError` with a reason staff can act on, so a broken message is never sent --
and reports the SMS encoding and segment count.

Sources: the stock library (:data:`STOCK`), or an organisation's overrides layered on it
(:class:`LayeredSource`, built by the gateway from stored templates). Partials
(``{% include 'name' %}``, REM-15) resolve in the same language chain.
"""

from __future__ import annotations

import html
import re
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Protocol, cast

from liquid import BoundTemplate, Environment, StrictUndefined
from liquid.exceptions import LiquidError, TemplateNotFoundError
from liquid.loader import BaseLoader
from liquid.loader import TemplateSource as LiquidSource

from domain.errors import DomainError
from domain.template_library.segments import sms_length
from domain.template_library.stock import (
    SHARED,
    TemplateText,
    language_chain,
    stock_pack,
)

__all__ = [
    "STOCK",
    "LayeredSource",
    "Rendered",
    "StockSource",
    "TemplateError",
    "TemplateSource",
    "TemplateText",
    "check_syntax",
    "format_of",
    "render",
]

_URL = re.compile(r"https?://\S+")
_CHANNEL_FORMAT = {"sms": "sms", "simulator": "sms", "widget": "sms", "voice": "voice",
                   "email": "email"}


class TemplateError(DomainError):
    """A template cannot be rendered; ``reason`` says why in words staff understand."""

    code = "template_error"

    def __init__(self, template_key: str, reason: str, *, channel: str = "",
                 language: str = "", line: int | None = None) -> None:
        where = f" (line {line})" if line is not None else ""
        super().__init__(f"template {template_key!r}{where}: {reason}")
        self.template_key = template_key
        self.channel = channel
        self.language = language
        self.reason = reason
        self.line = line

    def to_dict(self) -> dict[str, object]:
        return {"error": self.code, "template": self.template_key, "channel": self.channel,
                "language": self.language, "line": self.line, "message": self.reason}


@dataclass(frozen=True, slots=True)
class Rendered:
    """A rendered message. ``segments`` and ``encoding`` describe the SMS body (GSM-7 or
    UCS-2); for voice and email they are 0 and ``""``. ``html`` is set for email."""

    body: str
    subject: str | None = None
    html: str | None = None
    segments: int = 0
    encoding: str = ""


class TemplateSource(Protocol):
    """Where template texts come from."""

    def template(self, key: str, fmt: str, language: str) -> TemplateText | None:
        """The text of ``key`` in format ``fmt`` for exactly ``language``, or None."""
        ...

    def partial(self, name: str, language: str) -> str | None:
        """The partial ``name`` for exactly ``language``, or None."""
        ...

    def labels(self, language: str) -> Mapping[str, str]:
        """Short words of ``language`` the shared partials use (``t.note``...)."""
        ...


class StockSource:
    """The stock library: a language we ship also gets the shared structure."""

    def template(self, key: str, fmt: str, language: str) -> TemplateText | None:
        pack = stock_pack(language)
        if pack is None:
            return None
        found = pack.templates.get(key, {}).get(fmt)
        if found is None and language != SHARED:
            shared = stock_pack(SHARED)
            found = shared.templates.get(key, {}).get(fmt) if shared else None
        return found

    def partial(self, name: str, language: str) -> str | None:
        pack = stock_pack(language)
        if pack is None:
            return None
        found = pack.partials.get(name)
        if found is None and language != SHARED:
            shared = stock_pack(SHARED)
            found = shared.partials.get(name) if shared else None
        return found

    def labels(self, language: str) -> Mapping[str, str]:
        pack = stock_pack(language)
        return pack.labels if pack is not None else {}


STOCK = StockSource()


@dataclass(frozen=True, eq=False)
class LayeredSource:
    """An organisation's overrides over a base source (the stock library by default).

    ``templates`` maps ``(key, format, language)`` and ``partials`` maps ``(name, language)``.
    """

    templates: Mapping[tuple[str, str, str], TemplateText] = field(default_factory=dict)
    partials: Mapping[tuple[str, str], str] = field(default_factory=dict)
    base: TemplateSource = STOCK

    def template(self, key: str, fmt: str, language: str) -> TemplateText | None:
        return self.templates.get((key, fmt, language)) or self.base.template(key, fmt, language)

    def partial(self, name: str, language: str) -> str | None:
        return self.partials.get((name, language)) or self.base.partial(name, language)

    def labels(self, language: str) -> Mapping[str, str]:
        return self.base.labels(language)


class _PartialLoader(BaseLoader):
    def __init__(self, source: TemplateSource, chain: tuple[str, ...]) -> None:
        super().__init__()
        self.source = source
        self.chain = chain

    def get_source(self, env: Environment, template_name: str, *, context: Any = None,
                   **kwargs: object) -> LiquidSource:
        for language in self.chain:
            text = self.source.partial(template_name, language)
            if text is not None:
                return LiquidSource(text, template_name, None)
        raise TemplateNotFoundError(template_name)


@lru_cache(maxsize=512)
def _environment(source: Hashable, chain: tuple[str, ...]) -> Environment:
    loader = _PartialLoader(cast(TemplateSource, source), chain)
    return Environment(undefined=StrictUndefined, loader=loader)


@lru_cache(maxsize=4096)
def _parse(env: Environment, text: str) -> BoundTemplate:
    return env.from_string(text)


def _line(error: LiquidError) -> int | None:
    found = error.context()
    return found[0] if found is not None else None


def _reason(error: LiquidError) -> str:
    message = str(error.message)
    if isinstance(error, TemplateNotFoundError):
        return f"the partial {message!r} does not exist"
    return message


def format_of(channel: str) -> str:
    """The template format a channel uses (``sms`` for SMS, simulator and widget)."""
    try:
        return _CHANNEL_FORMAT[str(channel)]
    except KeyError:
        raise TemplateError("?", f"no template format for channel {channel!r}") from None


def _resolve(source: TemplateSource, key: str, fmt: str, language: str) -> (
    tuple[TemplateText, str, str]
):
    tried = (fmt, "sms") if fmt != "sms" else ("sms",)
    for lang in language_chain(language):
        for candidate in tried:
            found = source.template(key, candidate, lang)
            if found is not None:
                return found, lang, candidate
    raise TemplateError(key, f"no template {key!r} for {fmt} in {language} or English",
                        channel=fmt, language=language)


def _html(body: str) -> str:
    paragraphs = [p for p in re.split(r"\n\s*\n", body.strip()) if p.strip()]
    parts = []
    for paragraph in paragraphs:
        escaped = html.escape(paragraph).replace("\n", "<br>\n")
        escaped = _URL.sub(lambda m: f'<a href="{m.group(0)}">{m.group(0)}</a>', escaped)
        parts.append(f"<p>{escaped}</p>")
    return "\n".join(parts)


def _tidy(text: str) -> str:
    lines = [re.sub(r"[ \t]{2,}", " ", line).strip() for line in text.strip().splitlines()]
    tidy = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", tidy)


def render(
    template_key: str,
    channel: str,
    language: str,
    context: Mapping[str, Any],
    *,
    source: TemplateSource | None = None,
) -> Rendered:
    """Render one message.

    Args:
        template_key: the template (``appointment_reminder``, ``confirmation_reply``...).
        channel: ``sms``, ``voice``, ``email`` (or ``simulator``/``widget``, rendered as SMS).
        language: the patient's preferred language tag; falls back to its base language, then
            English. A missing voice format uses the SMS text without links; a missing email
            format uses the SMS text with the organisation's name as subject.
        context: the squigglies (see ``domain.template_library.context``).
        source: where texts come from (default: the stock library).

    Returns:
        The body (and subject and HTML for email), with the SMS segment count and encoding.

    Raises:
        TemplateError: no such template, a syntax error, an unknown squiggly, filter or
            partial -- with the line and a reason for staff. Nothing is ever half-rendered.
    """
    source = source or STOCK
    fmt = format_of(channel)
    text, resolved, used = _resolve(source, template_key, fmt, language)
    chain = (*language_chain(resolved), SHARED)
    labels = dict(source.labels("en"))
    labels.update(source.labels(resolved))
    data = dict(context)
    data.setdefault("t", labels)
    env = _environment(cast(Hashable, source), chain)
    try:
        body = _tidy(_parse(env, text.body).render(**data))
        subject = None
        if fmt == "email":
            subject_text = text.subject if used == "email" else None
            if subject_text:
                subject = _tidy(_parse(env, subject_text).render(**data)).replace("\n", " ")
            else:
                organization = data.get("organization")
                name = organization.get("name") if isinstance(organization, Mapping) else None
                subject = str(name or "Message")
    except LiquidError as error:
        raise TemplateError(template_key, _reason(error), channel=fmt, language=resolved,
                            line=_line(error)) from None
    if not body:
        raise TemplateError(template_key, "the message is empty", channel=fmt,
                            language=resolved)
    if fmt == "voice":
        if used != "voice":
            body = _tidy(_URL.sub("", body))
        return Rendered(body)
    if fmt == "email":
        return Rendered(body, subject=subject, html=_html(body))
    length = sms_length(body)
    return Rendered(body, segments=length.segments, encoding=length.encoding)


def check_syntax(text: str, *, template_key: str = "draft") -> None:
    """Raise :class:`TemplateError` (with the line) when ``text`` is not valid Liquid.

    Staff editing a template get this before it is saved; rendering with sample data then
    finds unknown squigglies.
    """
    try:
        Environment(undefined=StrictUndefined).from_string(text)
    except LiquidError as error:
        raise TemplateError(template_key, _reason(error), line=_line(error)) from None
