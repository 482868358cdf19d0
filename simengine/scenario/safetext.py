"""Text from shared files shown safely: names, notes and paths come from scenario files, CSVs
and results folders that others wrote, so before they reach a terminal every control character
(an escape sequence that clears the screen, a bell, a newline that would forge a second
``error:`` line) and every bidirectional override is shown as an escape (``\\x1b``, ``\\n``)
instead of being obeyed."""

from __future__ import annotations

import unicodedata

#: bidirectional embedding/override/isolate characters (they reorder what a terminal shows)
BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _bad(ch: str) -> bool:
    return ch in BIDI or unicodedata.category(ch) == "Cc"


def _escape(ch: str) -> str:
    if ch in _NAMED:
        return _NAMED[ch]
    o = ord(ch)
    return f"\\x{o:02x}" if o < 0x100 else f"\\u{o:04x}"


def line(s: object) -> str:
    """``s`` as exactly one line of inert text."""
    s = str(s)
    if s.isprintable():
        return s
    return "".join(_escape(ch) if _bad(ch) else ch for ch in s)


def block(s: object) -> str:
    """``s`` with its line breaks (and tabs) kept and every other control character escaped."""
    s = str(s)
    if s.isprintable():
        return s
    return "".join(_escape(ch) if _bad(ch) and ch not in "\n\t" else ch for ch in s)
