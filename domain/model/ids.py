"""Identifiers: 26-character, time-sortable, random (ULID layout, Crockford base32)."""

from __future__ import annotations

import os
import threading
import time

__all__ = ["new_id"]

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_RANDOM_BITS = 80
_lock = threading.Lock()
_last_stamp = -1
_last_random = 0


def new_id(now_ms: int | None = None) -> str:
    """A new unique id whose lexical order follows creation order.

    Ids of different milliseconds sort by time. Within one millisecond, ids made by this process
    sort in the order they were made (ULID's monotonic rule: the random part of the previous id
    plus one), so rows stamped with the same time still list in creation order.
    """
    global _last_stamp, _last_random
    stamp = int(time.time() * 1000) if now_ms is None else now_ms
    with _lock:
        if stamp == _last_stamp and _last_random + 1 < (1 << _RANDOM_BITS):
            random_part = _last_random + 1
        else:
            random_part = int.from_bytes(os.urandom(_RANDOM_BITS // 8), "big")
        _last_stamp, _last_random = stamp, random_part
    value = (stamp << _RANDOM_BITS) | random_part
    chars = []
    for _ in range(26):
        chars.append(_ALPHABET[value & 31])
        value >>= 5
    return "".join(reversed(chars))
