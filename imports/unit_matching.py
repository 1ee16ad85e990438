"""Unit names as written in a plan's cells ("Văn phòng Sở, Trung tâm KHCN") → units.

Names are compared on a key: folded (no accents, case, punctuation), abbreviations expanded
("KH&CN", "KHCN" → "khoa hoc cong nghe"; "VP" → "van phong"; "UBND" → "uy ban nhan dan") and
"và" left out, so "Kế hoạch - Tài chính", "KH-TC" and "KHTC" are the same name.

A cell is cut into names by separators (",", ";", "/", "và", "&", "+", line breaks), except
where a known name or a collective phrase ("Các phòng, đơn vị") spans them: at each point the
longest known name is tried first. Text matching nothing stays one piece for a person to map.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from plans.text import clean, fold


@dataclass(frozen=True)
class UnitName:
    id: int
    name: str
    kind: str
    spellings: tuple[str, ...]


@dataclass(frozen=True)
class Collective:
    """A phrase standing for every unit of some kinds. Empty kinds: "the units concerned"
    ("các cơ quan, đơn vị có liên quan") — not a unit, no one in particular: keep it as a note."""

    written: str
    kinds: frozenset[str]
    # Only the units whose name begins so: "các phòng chuyên môn" are the "Phòng …" divisions,
    # not the Văn phòng nor a centre.
    name_starts: str = ""


@dataclass(frozen=True)
class NameMatch:
    written: str
    unit_id: int | None
    candidates: tuple[int, ...] = ()
    # The name matches a unit of another level ("Thanh tra Sở" and "Thanh tra thành phố"):
    # never taken without a person's say.
    other_level: bool = False


_ABBREVIATION_TABLE = (
    ("KH&CN", "Khoa học và Công nghệ"),
    ("KHCN", "Khoa học và Công nghệ"),
    ("KHCCN", "Khoa học và Công nghệ"),  # a typo seen in a plan
    ("KH&ĐT", "Kế hoạch và Đầu tư"),
    ("KHĐT", "Kế hoạch và Đầu tư"),
    ("KH-TC", "Kế hoạch - Tài chính"),
    ("KHTC", "Kế hoạch - Tài chính"),
    ("QLKH", "Quản lý khoa học"),
    ("QL KH", "Quản lý khoa học"),
    ("QLCN", "Quản lý chuyên ngành"),
    ("VP", "Văn phòng"),
    ("TT", "Trung tâm"),
    ("TT&TT", "Thông tin và Truyền thông"),
    ("TTTT", "Thông tin và Truyền thông"),
    ("TTĐT", "thông tin điện tử"),
    ("CĐS", "Chuyển đổi số"),
    ("CNTT", "Công nghệ thông tin"),
    ("UBND", "Ủy ban nhân dân"),
    ("HĐND", "Hội đồng nhân dân"),
    ("MTTQ", "Mặt trận Tổ quốc"),
    ("BGĐ", "Ban Giám đốc"),
    ("PGĐ", "Phó Giám đốc"),
    ("TN&MT", "Tài nguyên và Môi trường"),
    ("TNMT", "Tài nguyên và Môi trường"),
    ("GD&ĐT", "Giáo dục và Đào tạo"),
    ("GDĐT", "Giáo dục và Đào tạo"),
    ("LĐ-TB&XH", "Lao động - Thương binh và Xã hội"),
    ("LĐTBXH", "Lao động - Thương binh và Xã hội"),
    ("VH-TT&DL", "Văn hóa, Thể thao và Du lịch"),
    ("VHTTDL", "Văn hóa, Thể thao và Du lịch"),
    ("NN&PTNT", "Nông nghiệp và Phát triển nông thôn"),
    ("GTVT", "Giao thông vận tải"),
    ("TP", "Thành phố"),
)
_ABBREVIATIONS = {
    tuple(fold(short).split()): tuple(fold(full).split()) for short, full in _ABBREVIATION_TABLE
}
_LONGEST_ABBREVIATION = max(len(words) for words in _ABBREVIATIONS)

_COLLECTIVE_TABLE: tuple[tuple[str, frozenset[str]], ...] = (
    ("các phòng, đơn vị", frozenset({"division", "centre"})),
    ("các phòng chuyên môn", frozenset({"division"})),
    ("các phòng chuyên môn, đơn vị", frozenset({"division", "centre"})),
    ("các phòng, trung tâm", frozenset({"division", "centre"})),
    ("các đơn vị", frozenset({"division", "centre"})),
    ("các phòng", frozenset({"division"})),
    ("các trung tâm", frozenset({"centre"})),
    ("các đơn vị sự nghiệp", frozenset({"centre"})),
    ("đơn vị sự nghiệp công lập", frozenset({"centre"})),
    ("các đơn vị sự nghiệp công lập", frozenset({"centre"})),
    ("các sở, ban, ngành", frozenset({"department"})),
    ("các sở, ngành", frozenset({"department"})),
    ("các sở", frozenset({"department"})),
    ("các cơ quan", frozenset({"department"})),
    ("các sở, ban, ngành, đơn vị sự nghiệp công lập", frozenset({"department", "centre"})),
    (
        "các sở, ban, ngành, đơn vị sự nghiệp công lập thành phố, UBND các xã, phường",
        frozenset({"department", "centre", "commune"}),
    ),
    ("các sở, ban, ngành, UBND các xã, phường", frozenset({"department", "commune"})),
    ("UBND các xã, phường", frozenset({"commune"})),
    ("UBND các phường, xã", frozenset({"commune"})),
    ("các xã, phường", frozenset({"commune"})),
    ("các phường, xã", frozenset({"commune"})),
    ("UBND các xã, phường, đặc khu", frozenset({"commune"})),
    ("các địa phương", frozenset({"commune"})),
    ("các cơ quan, đơn vị", frozenset({"department", "centre"})),
    ("các cơ quan, đơn vị, địa phương", frozenset({"department", "centre", "commune"})),
    ("các cơ quan, địa phương", frozenset({"department", "commune"})),
    ("các bên", frozenset()),
    ("cơ quan, đơn vị", frozenset()),
    ("đơn vị", frozenset()),
    ("cơ quan", frozenset()),
)
# Collectives naming only some units of their kind, by how those units' names begin.
_NAME_FILTERS = {"cac phong chuyen mon": "phong "}
# Words after a collective that only narrow its scope to the issuing body.
_SCOPE_SUFFIXES = ("truc thuoc so", "thuoc so", "truc thuoc", "thanh pho", "tinh", "tren dia ban")
# "… có liên quan": only the units concerned, whoever they are.
_CONCERNED_SUFFIXES = ("co lien quan", "lien quan")
# Optional words of a unit's own name: "Văn phòng Sở" is also "Văn phòng".
_OPTIONAL_ENDINGS = ("truc thuoc so", "thuoc so", "so", "thanh pho", "tinh")
# The level each ending names: inside a department (Sở), or the province or city.
_LEVELS = {
    "truc thuoc so": "so",
    "thuoc so": "so",
    "so": "so",
    "thanh pho": "city",
    "tinh": "city",
}
_OPTIONAL_BEGINNINGS = ("phong ",)
_LOCAL_UBND = re.compile(r"^uy ban nhan dan ((?:xa|phuong|thi tran|dac khu) .+)$")

# How a unit's name begins: after a separator, one of these starts a new name; anything else
# continues the one before ("Sở Văn hóa, Thể thao và Du lịch").
_NAME_STARTS = (
    "so", "phong", "ban", "ubnd", "uy ban", "hdnd", "hoi dong", "van phong", "vp", "trung tam",
    "tt", "thanh tra", "truong", "bao", "dai", "cong an", "bo chi huy", "cac", "kho bac",
    "chi cuc", "cuc", "vien", "benh vien", "xa", "phuong", "dang uy", "thanh uy", "tinh uy",
    "mat tran", "doan", "lanh dao", "giam doc", "pho giam doc", "toa an", "ngan hang",
    "bao hiem", "cong ty", "tong cong ty", "lien doan", "hoi", "quy", "chi nhanh", "bgd",
)
_NAME_START_PREFIXES = tuple(f"{start} " for start in _NAME_STARTS)
_NOT_NAME_STARTS = ("xa hoi ", "bao dam ", "bao cao ", "doan ket ")

_TOKEN = re.compile(r"\([^()]*\)?|[,;/\n+&]|[^\s,;/()+&]+|[()]")
_HARD_SEPARATORS = frozenset({";", "\n"})
_SOFT_SEPARATORS = frozenset({",", "/", "+", "&", "và", "va"})
_EDGE_PUNCTUATION = " -–—.:,;/+&"
_DIGITS = re.compile(r"\d+")

_FUZZY_MATCH = 0.9
_FUZZY_NEAR = 0.85
_FUZZY_SHORTEST_KEY = 6
_LONGEST_NAME_TOKENS = 30


def _expand(words: Sequence[str]) -> list[str]:
    out: list[str] = []
    i = 0
    while i < len(words):
        for size in range(min(_LONGEST_ABBREVIATION, len(words) - i), 0, -1):
            expansion = _ABBREVIATIONS.get(tuple(words[i : i + size]))
            if expansion:
                out.extend(expansion)
                i += size
                break
        else:
            out.append(words[i])
            i += 1
    return out


def name_key(text: str) -> str:
    """The comparison key of a name: folded, abbreviations expanded, "và" and remarks in
    parentheses left out ("Sở Nội vụ (chủ trì)" is "Sở Nội vụ")."""
    cell = _CellText(clean(text))
    return cell.key(0, len(cell.tokens))


def _strip_ending(key: str, endings: Iterable[str]) -> str | None:
    for ending in endings:
        if key.endswith(" " + ending):
            return key[: -len(ending) - 1]
    return None


def _level(key: str) -> str | None:
    """The level a name's ending names ("Thanh tra Sở": so; "Thanh tra thành phố": city)."""
    return next((_LEVELS[e] for e in _OPTIONAL_ENDINGS if key.endswith(" " + e)), None)


@dataclass(frozen=True)
class _Token:
    text: str
    start: int
    end: int

    @property
    def separator(self) -> bool:
        return self.text.lower() in _SOFT_SEPARATORS or self.text in _HARD_SEPARATORS

    @property
    def hard(self) -> bool:
        return self.text in _HARD_SEPARATORS

    @property
    def remark(self) -> bool:
        return self.text.startswith("(")


class _CellText:
    """A cell cut into tokens, each folded once; keys of any run of tokens are then cheap."""

    def __init__(self, text: str):
        self.text = text
        self.tokens = [_Token(m.group(0), m.start(), m.end()) for m in _TOKEN.finditer(text)]
        self.words = [fold(token.text).split() for token in self.tokens]
        self.known: dict[int, tuple[int, _Piece] | None] = {}

    def key(self, start: int, end: int) -> str:
        span = range(start, end)
        words = [w for i in span if not self.tokens[i].remark for w in self.words[i]]
        if not words:  # only a remark: then it is the name
            words = [w for i in span for w in self.words[i]]
        return " ".join(word for word in _expand(words) if word != "va")

    def written(self, start: int, end: int) -> str:
        return self.text[self.tokens[start].start : self.tokens[end - 1].end].strip(
            _EDGE_PUNCTUATION
        )

    def head(self, index: int) -> str:
        return " ".join(w for words in self.words[index : index + 3] for w in words) + " "


_COLLECTIVES = {name_key(phrase): kinds for phrase, kinds in _COLLECTIVE_TABLE}


def _collective_kinds(key: str) -> frozenset[str] | None:
    if key in _COLLECTIVES:
        return _COLLECTIVES[key]
    concerned = _strip_ending(key, _CONCERNED_SUFFIXES)
    if concerned is not None:
        return frozenset() if _collective_kinds(concerned) is not None else None
    narrowed = _strip_ending(key, _SCOPE_SUFFIXES)
    return _collective_kinds(narrowed) if narrowed else None


def _variants(key: str) -> set[str]:
    """Shorter keys a unit may also be written as."""
    found = set()
    shorter = _strip_ending(key, _OPTIONAL_ENDINGS)
    for candidate in (key, shorter):
        if not candidate:
            continue
        found.add(candidate)
        for beginning in _OPTIONAL_BEGINNINGS:
            if candidate.startswith(beginning) and len(candidate) > len(beginning):
                found.add(candidate[len(beginning) :])
        local = _LOCAL_UBND.match(candidate)
        if local:
            found.add(local.group(1))
    found.discard(key)
    return {variant for variant in found if variant}


@dataclass(frozen=True)
class _Piece:
    written: str
    key: str
    unit_ids: tuple[int, ...] = ()
    kinds: frozenset[str] | None = None  # set for a collective
    other_level: bool = False


class UnitMatcher:
    """Built once per import from every unit; then matches many cells."""

    def __init__(self, units: Sequence[UnitName]):
        self._exact: dict[str, set[int]] = {}
        self._loose: dict[str, set[int]] = {}
        self._levels: dict[int, set[str]] = {}  # the levels a unit's spellings name
        for unit in units:
            for spelling in (unit.name, *unit.spellings):
                key = name_key(spelling or "")
                if not key:
                    continue
                self._exact.setdefault(key, set()).add(unit.id)
                if level := _level(key):
                    self._levels.setdefault(unit.id, set()).add(level)
                for variant in _variants(key):
                    self._loose.setdefault(variant, set()).add(unit.id)
        self._fuzzy_keys = [
            (key, ids, _DIGITS.findall(key)) for key, ids in {**self._loose, **self._exact}.items()
        ]
        self._cache: dict[str, tuple[tuple[NameMatch, ...], Collective | None]] = {}
        self._fuzzy_cache: dict[str, tuple[int | None, tuple[int, ...]]] = {}

    def match(self, cell: str) -> tuple[list[NameMatch], Collective | None]:
        text = clean(cell)
        if text not in self._cache:
            self._cache[text] = self._match(text)
        matches, collective = self._cache[text]
        return list(matches), collective

    def split(self, cell: str) -> list[str]:
        return [piece.written for piece in self._pieces(_CellText(clean(cell)))]

    def _match(self, text: str) -> tuple[tuple[NameMatch, ...], Collective | None]:
        matches: list[NameMatch] = []
        collectives: list[_Piece] = []
        seen_ids: set[int] = set()
        for piece in self._pieces(_CellText(text)):
            if piece.kinds is not None:
                collectives.append(piece)
                continue
            match = self._name_match(piece)
            if match.unit_id is not None:
                if match.unit_id in seen_ids:
                    continue
                seen_ids.add(match.unit_id)
            matches.append(match)
        return tuple(matches), _combine(collectives)

    def _name_match(self, piece: _Piece) -> NameMatch:
        if piece.other_level:
            return NameMatch(piece.written, None, candidates=piece.unit_ids, other_level=True)
        if len(piece.unit_ids) == 1:
            return NameMatch(piece.written, piece.unit_ids[0])
        if piece.unit_ids:
            return NameMatch(piece.written, None, candidates=piece.unit_ids)
        if piece.key not in self._fuzzy_cache:
            self._fuzzy_cache[piece.key] = self._fuzzy(piece.key)
        unit_id, candidates = self._fuzzy_cache[piece.key]
        return NameMatch(piece.written, unit_id, candidates)

    def _fuzzy(self, key: str) -> tuple[int | None, tuple[int, ...]]:
        """A near spelling ("Chuyên nghành" for "Chuyên ngành"): the single best unit only;
        several near ones are returned as candidates. Numbers must agree (Phường 1 ≠ Phường 2)."""
        if len(key) < _FUZZY_SHORTEST_KEY:
            return None, ()
        digits = _DIGITS.findall(key)
        scores: dict[int, float] = {}
        matcher = difflib.SequenceMatcher(b=key, autojunk=False)
        for other, ids, other_digits in self._fuzzy_keys:
            if other_digits != digits:
                continue
            matcher.set_seq1(other)
            if matcher.real_quick_ratio() < _FUZZY_NEAR or matcher.quick_ratio() < _FUZZY_NEAR:
                continue
            ratio = matcher.ratio()
            if ratio >= _FUZZY_NEAR:
                for unit_id in ids:
                    scores[unit_id] = max(scores.get(unit_id, 0.0), ratio)
        best = [unit_id for unit_id, score in scores.items() if score >= _FUZZY_MATCH]
        if len(best) == 1 and len(scores) == 1:
            return best[0], ()
        if best:
            return None, tuple(sorted(scores, key=lambda unit_id: (-scores[unit_id], unit_id)))
        return None, ()

    # -- cutting a cell into pieces --

    def _pieces(self, cell: _CellText) -> list[_Piece]:
        pieces: list[_Piece] = []
        i = 0
        while i < len(cell.tokens):
            if cell.tokens[i].separator or not cell.words[i]:
                i += 1
                continue
            known = self._known_at(cell, i)
            if known is not None:
                end, piece = known
            else:
                end = self._unknown_end(cell, i)
                piece = _Piece(cell.written(i, end), cell.key(i, end))
            if piece.written:
                pieces.append(piece)
            i = end
        return pieces

    def _known_at(self, cell: _CellText, start: int) -> tuple[int, _Piece] | None:
        """The longest known name or collective starting at `start` and ending where a piece
        may end (before a separator or at the end of the cell)."""
        if start not in cell.known:
            cell.known[start] = self._longest_known(cell, start)
        return cell.known[start]

    def _longest_known(self, cell: _CellText, start: int) -> tuple[int, _Piece] | None:
        tokens = cell.tokens
        limit = min(len(tokens), start + _LONGEST_NAME_TOKENS)
        ends = [
            end
            for end in range(start + 1, limit + 1)
            if (end == len(tokens) or tokens[end].separator) and not tokens[end - 1].separator
        ]
        for end in reversed(ends):
            piece = self._lookup(cell.written(start, end), cell.key(start, end))
            if piece is not None:
                return end, piece
        return None

    def _lookup(self, written: str, key: str) -> _Piece | None:
        if not key:
            return None
        if key in self._exact:
            return _Piece(written, key, tuple(sorted(self._exact[key])))
        kinds = _collective_kinds(key)
        if kinds is not None:
            return _Piece(written, key, kinds=kinds)
        shorter = _strip_ending(key, _OPTIONAL_ENDINGS)
        tries = ((key, self._loose), (shorter, self._exact), (shorter, self._loose))
        level = _level(key)
        for candidate, index in tries:
            if candidate in index:
                ids = tuple(sorted(index[candidate]))
                other = bool(level) and all(
                    self._levels.get(unit_id, {level}) != {level} for unit_id in ids
                )
                return _Piece(written, key, ids, other_level=other)
        return None

    def _unknown_end(self, cell: _CellText, start: int) -> int:
        """Unknown text runs to a hard separator, or to a soft one followed by a new name."""
        tokens = cell.tokens
        for index in range(start + 1, len(tokens)):
            if not tokens[index].separator:
                continue
            if tokens[index].hard:
                return index
            following = next(
                (k for k in range(index + 1, len(tokens)) if not tokens[k].separator), None
            )
            if following is None or self._starts_name(cell, following):
                return index
        return len(tokens)

    def _starts_name(self, cell: _CellText, index: int) -> bool:
        head = cell.head(index)
        if head.startswith(_NOT_NAME_STARTS):
            return False
        if head.startswith(_NAME_START_PREFIXES):
            return True
        return self._known_at(cell, index) is not None


def _combine(collectives: Sequence[_Piece]) -> Collective | None:
    if not collectives:
        return None
    kinds: frozenset[str] = frozenset().union(*(piece.kinds or () for piece in collectives))
    filters = {_NAME_FILTERS.get(_narrowed(piece.key), "") for piece in collectives}
    return Collective(
        written=", ".join(piece.written for piece in collectives),
        kinds=kinds,
        name_starts=filters.pop() if len(filters) == 1 else "",
    )


def _narrowed(key: str) -> str:
    """A collective's key without the words that only narrow it ("… thuộc Sở")."""
    return _strip_ending(key, _SCOPE_SUFFIXES) or key


def split_names(cell: str) -> list[str]:
    """The names in a cell as written, collectives kept whole."""
    return UnitMatcher(()).split(cell)


def find_collective(cell: str) -> Collective | None:
    return UnitMatcher(()).match(cell)[1]


def match_names(cell: str, units: Sequence[UnitName]) -> tuple[list[NameMatch], Collective | None]:
    return UnitMatcher(units).match(cell)


def looks_like_unit_name(text: str) -> bool:
    """Whether a cell reads like the name of a unit or a group of units ("Sở Nội vụ", "Các
    phòng", "UBND các xã"): used to guess the lead column of a table without a header."""
    head = fold(text)[:40] + " "
    return head.startswith(_NAME_START_PREFIXES) and not head.startswith(_NOT_NAME_STARTS)
