"""Vietnamese text as it arrives from Word, PDF and Excel.

The same word can come in precomposed (NFC) or decomposed (NFD) form, with stray
spaces and with "Đ" written as "Ð" (the Icelandic eth). We store NFC and compare
on a folded key: no accents, lower case, single spaces, no punctuation.
"""

from __future__ import annotations

import re
import unicodedata

_LOOKALIKES = str.maketrans({"Ð": "Đ", "ð": "đ", "\u00a0": " ", "\u200b": ""})
_SPACES = re.compile(r"\s+")
_LINE_SPACES = re.compile(r"[^\S\n]+")
_PUNCT = re.compile(r"[^\w\s]")


def clean(text: str | None) -> str:
    """NFC, lookalike letters fixed, runs of spaces folded, ends stripped; line breaks kept."""
    if not text:
        return ""
    text = unicodedata.normalize("NFC", str(text).translate(_LOOKALIKES)).replace("\r\n", "\n")
    lines = (_LINE_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def fold(text: str | None) -> str:
    """A key for accent-, case-, spacing- and punctuation-insensitive comparison."""
    decomposed = unicodedata.normalize("NFD", clean(text).lower())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    stripped = stripped.replace("đ", "d")
    return _SPACES.sub(" ", _PUNCT.sub(" ", stripped)).strip()
