"""Many rows in one PostgreSQL statement: each column's values travel as one array parameter,
and ``unnest`` turns the arrays back into rows.

The statement is the same whatever the number of rows: compiled once, prepared once, with
no bound parameter per value (``executemany`` would send one execution per row).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

__all__ = ["unnest_columns"]


def unnest_columns(
    table: sa.Table, columns: Sequence[str], *, prefix: str, alias: str,
    as_text: Sequence[str] = (),
) -> Any:
    """``unnest(:<prefix><column>, ...) AS <alias>(<columns>)``: a derived table with one row
    per array index, whose column ``c`` reads the array parameter ``<prefix>c``, typed as
    ``table``'s column ``c`` (as text for the columns named in ``as_text``, e.g. JSON that the
    caller casts back)."""
    arrays = (
        sa.bindparam(f"{prefix}{name}", type_=postgresql.ARRAY(
            sa.Text() if name in as_text else table.c[name].type))
        for name in columns
    )
    return sa.func.unnest(*arrays).table_valued(*columns).render_derived(name=alias)
