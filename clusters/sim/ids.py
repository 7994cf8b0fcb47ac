"""Timestamps and identifiers, derived from the clock and counters so runs are reproducible."""

from __future__ import annotations

import functools
import hashlib
import time
import uuid

_SUFFIX_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"  # apimachinery rand.String's alphabet


def rfc3339(seconds: float) -> str:
    """metav1.Time's wire form: whole seconds, UTC."""
    return _rfc3339_whole(int(seconds))


@functools.lru_cache(maxsize=4096)
def _rfc3339_whole(seconds: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


def rfc3339_micro(seconds: float) -> str:
    """metav1.MicroTime's wire form."""
    whole = int(seconds)
    micros = int(round((seconds - whole) * 1_000_000)) % 1_000_000
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(whole)) + f".{micros:06d}Z"


def parse_rfc3339(text: str) -> float:
    import calendar

    base = text.rstrip("Z").split(".")[0]
    return float(calendar.timegm(time.strptime(base, "%Y-%m-%dT%H:%M:%S")))


def _digest(seed: str, counter: int) -> bytes:
    return hashlib.sha256(f"{seed}/{counter}".encode()).digest()


def make_uid(seed: str, counter: int) -> str:
    return str(uuid.UUID(bytes=_digest(seed, counter)[:16], version=4))


def make_suffix(seed: str, counter: int, length: int = 5) -> str:
    raw = _digest(seed, counter)
    return "".join(_SUFFIX_ALPHABET[b % len(_SUFFIX_ALPHABET)] for b in raw[:length])


def make_hex(seed: str, counter: int) -> str:
    return _digest(seed, counter).hex()
