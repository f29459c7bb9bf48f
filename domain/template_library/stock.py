"""The stock template library: our own texts, one YAML file per language.

``languages/_shared.yaml`` holds language-neutral structure (the reminder formats built
from partials); each ``languages/<code>.yaml`` holds that language's ``labels`` (short words
the shared partials use through ``t``), ``partials`` and ``templates``. A template is a
mapping of formats: ``sms``, ``voice`` (text) and ``email`` (``subject`` + ``body``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

__all__ = [
    "FORMATS",
    "LanguagePack",
    "TemplateText",
    "language_chain",
    "stock_languages",
    "stock_pack",
]

FORMATS = ("sms", "voice", "email")
"""The formats a template may have (REM-14: up to three, stored separately)."""

_FOLDER = Path(__file__).parent / "languages"
SHARED = "_shared"


@dataclass(frozen=True, slots=True)
class TemplateText:
    """One format of one template: its Liquid source, and a subject for email."""

    body: str
    subject: str | None = None


@dataclass(frozen=True, slots=True)
class LanguagePack:
    """One language's stock texts."""

    language: str
    name: str
    labels: dict[str, str]
    partials: dict[str, str]
    templates: dict[str, dict[str, TemplateText]]


def _text(key: str, fmt: str, value: Any) -> TemplateText:
    if fmt == "email":
        if not isinstance(value, dict) or "body" not in value:
            raise ValueError(f"{key}.email needs a body and a subject")
        return TemplateText(str(value["body"]), str(value.get("subject", "")))
    return TemplateText(str(value))


@lru_cache(maxsize=128)
def stock_pack(language: str) -> LanguagePack | None:
    """The stock pack of ``language`` (exact code), or None when we ship none."""
    path = _FOLDER / f"{language}.yaml"
    if not path.is_file():
        return None
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    templates = {
        key: {fmt: _text(key, fmt, value) for fmt, value in formats.items() if fmt in FORMATS}
        for key, formats in (data.get("templates") or {}).items()
    }
    return LanguagePack(
        language=language,
        name=str(data.get("name", language)),
        labels={k: str(v) for k, v in (data.get("labels") or {}).items()},
        partials={k: str(v) for k, v in (data.get("partials") or {}).items()},
        templates=templates,
    )


@lru_cache(maxsize=1)
def stock_languages() -> tuple[str, ...]:
    """Codes of every language the stock library ships, English first."""
    codes = sorted(p.stem for p in _FOLDER.glob("*.yaml") if not p.stem.startswith("_"))
    return tuple(sorted(codes, key=lambda c: c != "en"))


@lru_cache(maxsize=512)
def language_chain(language: str) -> tuple[str, ...]:
    """Languages to try for a patient: exact tag, base language, then English."""
    chain = [language]
    base = language.split("-")[0]
    if base != language:
        chain.append(base)
    if "en" not in chain:
        chain.append("en")
    return tuple(chain)
