"""People named in a plan's table ("Nguyễn Văn An", "PGĐ Lê Hùng", "đ/c Trần Thị Bình") → users.

Names are compared folded (no accents, no case), after leaving out the titles written before
them. Only one user may answer to a name: two users with the same name are left to a person to
choose, never picked at random.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from plans.text import fold

# Titles written before a name; longest first so that "pho giam doc" is taken whole.
_TITLES = sorted(
    (
        "dong chi", "d c", "dc", "ong", "ba", "giam doc", "pho giam doc", "gd", "pgd",
        "truong phong", "pho truong phong", "tp", "ptp", "chanh van phong", "cvp",
        "pho chanh van phong", "chanh thanh tra", "chuyen vien", "cv", "lanh dao",
        "chu tich", "pho chu tich", "so", "phong",
    ),
    key=len,
    reverse=True,
)
_TITLE = re.compile(r"^(?:(?:" + "|".join(re.escape(t) for t in _TITLES) + r")\s+)+")


@dataclass(frozen=True)
class Person:
    id: int
    name: str


@dataclass(frozen=True)
class PersonMatch:
    written: str
    user_id: int | None
    ambiguous: bool = False


def _key(text: str) -> str:
    return _TITLE.sub("", fold(text)).strip()


class PeopleMatcher:
    """Built once per import from the active users; then matches many cells."""

    def __init__(self, people: Iterable[Person]):
        self._by_name: dict[str, set[int]] = {}
        for person in people:
            key = fold(person.name)
            if key:
                self._by_name.setdefault(key, set()).add(person.id)

    def match(self, written: str) -> PersonMatch:
        text = written.strip()
        if not text:
            return PersonMatch(text, None)
        for key in dict.fromkeys((fold(text), _key(text))):
            ids = self._by_name.get(key, set())
            if len(ids) == 1:
                return PersonMatch(text, next(iter(ids)))
            if len(ids) > 1:
                return PersonMatch(text, None, ambiguous=True)
        return PersonMatch(text, None)
