"""The keyword tables as data: complete, well-formed, and consistent with each other."""

from __future__ import annotations

import re

import pytest

from dialogs.understanding import Intent
from dialogs.understanding.languages import LANGUAGES, TABLES
from dialogs.understanding.lexicon import Kind, lexicon
from dialogs.understanding.normalise import normalise
from dialogs.understanding.table import LanguageTable

REQUIRED = ("en", "es", "pt", "fr", "ht", "vi", "zh", "ko", "ru", "ar", "tl", "pl", "it", "de",
            "hi", "ja")  # fmt: skip
# Words that two languages read differently on purpose; the language hint settles them.
KNOWN_CONFLICTS = {"k"}


def test_required_languages_and_at_least_32() -> None:
    assert set(REQUIRED) <= set(LANGUAGES)
    assert len(TABLES) >= 32
    assert len({t.code for t in TABLES}) == len(TABLES)


@pytest.mark.parametrize("table", TABLES, ids=lambda t: t.code)
def test_table_is_well_formed(table: LanguageTable) -> None:
    assert re.fullmatch(r"[a-z]{2}|hmn", table.code)
    assert table.yes and table.no, "strict yes/no needs the plain words"
    assert table.confirm and table.decline and table.reschedule and table.arrived
    assert table.cancel or table.code == "hmn"
    for name in ("yes", "no", "affirm", "deny", "confirm", "decline", "cancel", "reschedule",
                 "arrived", "leave_waitlist", "help", "opt_out", "neutral"):  # fmt: skip
        for entry in getattr(table, name):
            assert entry == entry.strip() and entry.lstrip("="), (name, entry)
            assert normalise(entry.lstrip("=")), (name, entry)


def test_no_word_means_two_intents_across_languages_unless_known() -> None:
    lex = lexicon()
    conflicts = {
        key for key, senses in lex.whole.items()
        if len({s.intent for s in senses if s.kind is not Kind.KEYWORD}) > 1
    }  # fmt: skip
    assert conflicts == KNOWN_CONFLICTS


def test_opt_out_phrases_never_hide_inside_other_requests() -> None:
    lex = lexicon()
    for key, senses in lex.whole.items():
        if any(s.intent is Intent.LEAVE_WAITLIST for s in senses):
            assert lex.opt_out_pattern.search(key) is None, key
