"""Identifiers: 26-character, time-sortable, random (ULID layout, Crockford base32)."""

from __future__ import annotations

import base64
import os
import threading
import time

__all__ = ["encode", "new_id"]

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_FROM_RFC4648 = bytes.maketrans(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", _ALPHABET.encode())
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
    return encode((stamp << _RANDOM_BITS) | random_part)


def encode(value: int) -> str:
    """``value`` (below 2**130) as 26 Crockford base32 digits, most significant first.

    The standard library's base32 does the work: shifted left by 30 bits the value fills
    exactly 20 bytes, whose 32 digits begin with the 26 wanted; only the alphabet differs.
    """
    digits = base64.b32encode((value << 30).to_bytes(20, "big")).translate(_FROM_RFC4648)
    return digits[:26].decode("ascii")
