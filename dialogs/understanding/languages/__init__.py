"""Keyword tables, one module per language, keyed by ISO 639 code."""

from __future__ import annotations

from types import MappingProxyType

from dialogs.understanding.languages import (
    am,
    ar,
    bn,
    de,
    el,
    en,
    es,
    fa,
    fr,
    gu,
    he,
    hi,
    hmn,
    ht,
    hy,
    it,
    ja,
    km,
    ko,
    lo,
    my,
    ne,
    nl,
    pa,
    pl,
    pt,
    ro,
    ru,
    so,
    sw,
    th,
    tl,
    tr,
    uk,
    ur,
    vi,
    zh,
)
from dialogs.understanding.table import LanguageTable

__all__ = ["LANGUAGES", "TABLES"]

TABLES: tuple[LanguageTable, ...] = tuple(
    module.TABLE
    for module in (
        en,
        es,
        pt,
        fr,
        ht,
        vi,
        zh,
        ko,
        ru,
        ar,
        tl,
        pl,
        it,
        de,
        hi,
        ja,
        uk,
        fa,
        ur,
        bn,
        pa,
        gu,
        so,
        am,
        tr,
        el,
        hy,
        hmn,
        km,
        lo,
        th,
        he,
        nl,
        ro,
        sw,
        ne,
        my,
    )
)
"""Every table, in a fixed order."""

LANGUAGES = MappingProxyType({table.code: table for table in TABLES})
"""The tables by language code."""
