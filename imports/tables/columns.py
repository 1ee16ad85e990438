"""Recognising the columns of a task table: by the meaning of the header's words, or, when the
table has no header row, by what its cells hold; or as the clerk chose them.

Header words are compared folded (no accents, no case, no punctuation, "_" as a space), so
"Thời hạn", "THOI HAN" and "thoi_han" are the same, and against synonyms in Vietnamese and
English rather than a fixed wording. Each column kind is given to the header that names it most
specifically; what no kind claims is kept on the task as a note, never dropped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from django.utils.translation import gettext as _

from imports.tables.cells import (
    _BLANK,
    Column,
    ColumnReading,
    Confidence,
    _Layout,
    _RawRow,
)
from plans.text import fold

# --- Header synonyms ----------------------------------------------------------------------------

NOTES = "notes"  # a column kept on each task as a note ("Cột: giá trị")
_STRONG, _USUAL, _WEAK = 3, 2, 1
# (kind, strength, folded phrases). A header takes the kind of its strongest phrase; between
# equally strong ones, the longer phrase is the more specific ("nhóm nhiệm vụ" is a group even
# though "nhiệm vụ" names the task). "notes" is a kind too: a column known to be a remark.
_SYNONYMS: tuple[tuple[str, int, tuple[str, ...]], ...] = (
    (Column.COORDINATING, _STRONG, (
        "phoi hop", "coordinating", "coordination", "support", "supporting", "partner",
        "partners", "collaborator", "collaborators",
    )),
    (Column.LEAD, _STRONG, (
        "chu tri", "dau moi", "tham muu", "lead", "lead unit", "responsible unit",
    )),
    (Column.LEAD, _USUAL, (
        "don vi thuc hien", "co quan thuc hien", "phong thuc hien", "unit", "department",
        "agency", "division", "office", "team", "org", "organization", "organisation",
    )),
    (Column.LEAD, _WEAK, ("thuc hien", "don vi", "co quan", "phong ban")),
    (Column.PERSON, _STRONG, (
        "nguoi chiu trach nhiem", "chiu trach nhiem", "can bo theo doi", "can bo dau moi",
        "can bo phu trach", "nguoi phu trach", "nguoi thuc hien", "nguoi theo doi",
        "chuyen vien", "owner", "assignee", "assigned to", "responsible", "person",
        "person in charge", "pic",
    )),
    (Column.PERSON, _USUAL, ("can bo", "nguoi")),
    (Column.AUTHORITY, _STRONG, (
        "cap trinh", "co tham quyen", "tham quyen", "lanh dao phu trach", "lanh dao chi dao",
        "nguoi phe duyet", "phe duyet", "approver", "approved by", "authority", "sponsor",
    )),
    (Column.GROUP, _STRONG, (
        "linh vuc", "nhom nhiem vu", "nhom", "chuyen de", "category", "group", "area", "theme",
        "workstream", "pillar",
    )),
    (Column.PERIOD, _STRONG, (
        "bat dau", "ngay bat dau", "thoi gian bat dau", "khoi cong", "khoi dong", "ngay trien khai",
        "start", "start date",
        "begin", "from", "period",
    )),
    (Column.PERIOD, _WEAK, ("thoi gian thuc hien", "thoi gian trien khai", "giai doan")),
    (Column.DEADLINE, _STRONG, (
        "thoi han", "han hoan thanh", "thoi diem hoan thanh", "thoi gian hoan thanh",
        "thoi gian trinh", "han trinh", "deadline", "due", "due date", "due on", "end",
        "end date", "finish", "target date", "until",
    )),
    (Column.DEADLINE, _USUAL, (
        "tien do", "han", "hoan thanh", "thoi gian thuc hien", "thoi diem", "moc thoi gian",
    )),
    (Column.DEADLINE, _WEAK, ("thoi gian", "date", "time", "when")),
    (Column.PRODUCT, _STRONG, (
        "san pham", "ket qua", "hinh thuc van ban", "output", "outputs", "deliverable",
        "deliverables", "result", "results", "product", "outcome",
    )),
    (Column.PRODUCT, _USUAL, ("hinh thuc", "loai van ban")),
    (Column.CONTENT, _STRONG, (
        "noi dung", "nhiem vu", "cong viec", "giai phap", "de an", "chuong trinh", "cong trinh",
        "du an", "task", "tasks", "task name", "description", "activity", "action", "title",
        "work item", "subject",
    )),
    (Column.CONTENT, _USUAL, ("hoat dong", "van de", "name")),
    (Column.CONTENT, _WEAK, ("ten",)),
    ("notes", _STRONG, (
        "ghi chu", "luu y", "note", "notes", "remark", "remarks", "comment", "comments",
        "status", "tinh trang", "trang thai", "kinh phi", "nguon von", "budget",
    )),
)
_ORDER_HEADERS = frozenset(
    {"stt", "tt", "so tt", "so thu tu", "thu tu", "no", "so", "id", "ma so", "ma"}
)
_MAX_HEADER_CELL = 60
# An order label in the STT column: a number, a roman numeral or a letter, maybe dotted ("1",
# "2a", "IV", "b)", "1.2.3", "(3)"); at most four levels, so that it fits a task's STT (20).
_LABEL = re.compile(
    r"\(?(?:\d{1,4}[a-zđ]?|[IVXLC]{1,7}|[A-Za-zĐđ])(?:[.\-](?:\d{1,3}|[a-zđ])){0,3}[.):]?"
)
_CONFIDENCE = {_STRONG: Confidence.HIGH, _USUAL: Confidence.MEDIUM, _WEAK: Confidence.LOW}


@dataclass(frozen=True)
class _Guess:
    kind: str
    strength: int
    phrase: str

    @property
    def score(self) -> tuple[int, int]:
        return self.strength, len(self.phrase.split())


def _header_key(text: str) -> str:
    return fold(text.replace("_", " "))


def _guesses(header: str) -> list[_Guess]:
    """Every kind the header's words could name, the most likely first."""
    key = _header_key(header)
    if not key:
        return []
    if key in _ORDER_HEADERS or key.startswith("stt ") or header.strip() == "#":
        return [_Guess(Column.ORDER, _STRONG, key)]
    padded = f" {key} "
    best: dict[str, _Guess] = {}
    for kind, strength, phrases in _SYNONYMS:
        for phrase in phrases:
            if f" {phrase} " in padded:
                guess = _Guess(kind, strength, phrase)
                if kind not in best or guess.score > best[kind].score:
                    best[kind] = guess
    return sorted(best.values(), key=lambda guess: guess.score, reverse=True)


def _classify(header: str) -> Column | None:
    guesses = _guesses(header)
    if guesses and guesses[0].kind != "notes":
        return Column(guesses[0].kind)
    return None


def _assign(texts: Sequence[str]) -> dict[int, _Guess]:
    """Each column kind to the header naming it most specifically; a header whose first kind is
    taken falls back to its next (a second "Thời gian…" column is the period, not the deadline)."""
    candidates = []
    for position, text in enumerate(texts):
        guesses = _guesses(text)
        if guesses and guesses[0].kind == "notes":
            continue  # a remark column is kept as a note, whatever else its words say
        # A stronger reading of the same header comes first; then the earlier column.
        candidates.extend(
            (guess.score, -rank, -position, position, guess)
            for rank, guess in enumerate(guesses)
            if guess.kind != "notes"
        )
    found: dict[int, _Guess] = {}
    taken: set[str] = set()
    for *_order, position, guess in sorted(candidates, key=lambda c: c[:3], reverse=True):
        if position in found or guess.kind in taken:
            continue
        found[position] = guess
        taken.add(guess.kind)
    return found


def _map_columns(texts: Sequence[str]) -> dict[int, Column]:
    return {position: Column(guess.kind) for position, guess in _assign(texts).items()}


def _qualifies(columns: Mapping[int, Column]) -> bool:
    kinds = set(columns.values())
    return Column.CONTENT in kinds and len(kinds) >= 3


def _is_label(text: str) -> bool:
    return bool(_LABEL.fullmatch(text))


def _is_order_label(text: str) -> bool:
    """A label in a header row's cell is a task's number, unless it is a year ("2026" over a
    budget column)."""
    return _is_label(text) and not _HEADER_YEAR.fullmatch(text)


_HEADER_YEAR = re.compile(r"(?:19|20)\d{2}")


def _names_a_column(text: str) -> bool:
    return bool(_guesses(text))


def _could_be_header(row: _RawRow) -> bool:
    """Header cells are short words; a row holding a number, a date or a sentence is data."""
    filled = row.filled()
    return (
        not row.loose
        and len(filled) >= 2
        and all(cell.day is None and not _is_order_label(cell.text) for cell in filled)
        and sum(len(cell.text) > _MAX_HEADER_CELL for cell in filled) <= len(filled) // 3
    )


# --- Two-row headers --------------------------------------------------------------------------


def _is_subheader(top: _RawRow, below: _RawRow) -> bool:
    """The second row of a two-row header ("Chủ trì | Phối hợp" under a merged "Đơn vị thực
    hiện", "Ngân sách tỉnh | Trung ương" under "Kinh phí"): short cells that each sit under an
    empty, merged or vague heading, or name a column themselves; never under the task heading
    (a task row always has its content there)."""
    if below.loose:
        return False
    if not _could_be_header(below) and not (
        below.filled() and all(_names_a_column(c.text) for c in below.filled())
    ):
        return False
    top_columns = _map_columns([cell.text for cell in top.cells])
    own = [
        (position, cell)
        for position, cell in enumerate(below.cells)
        if cell.text and cell.key != top.cell(position).key
    ]
    for position, cell in own:
        if len(cell.text) > _MAX_HEADER_CELL or cell.day is not None or _is_order_label(cell.text):
            return False
        above = top.cell(position)
        merged = above.text and len(top.positions(above)) > 1
        if top_columns.get(position) == Column.CONTENT and not merged:
            return False
        if above.text and not merged and _classify(above.text) is not None:
            if not _names_a_column(cell.text):
                return False
            if _classify(cell.text) is None:
                return False
    return bool(own)


def _header_texts(top: _RawRow, below: _RawRow | None) -> list[str]:
    width = max(len(top.cells), len(below.cells) if below else 0)
    texts = []
    heading = ""  # a heading over sub-columns, carried right over the blank cells after it
    for position in range(width):
        upper = top.cell(position)
        lower = below.cell(position) if below else _BLANK
        own_lower = bool(lower.text) and lower.key != upper.key
        if upper.text:
            heading = upper.text if own_lower else ""
        text = upper.text or (heading if own_lower else "")
        if own_lower and lower.text != text:
            text = f"{text} / {lower.text}" if text else lower.text
        if not own_lower:
            heading = "" if not upper.text else heading
        texts.append(text.replace("\n", " "))
    return texts


def _lower_texts(top: _RawRow, below: _RawRow | None, width: int) -> list[str]:
    """The sub-heading alone where it names a column better than the joined text does
    ("Chủ trì" under "Đơn vị thực hiện")."""
    texts = []
    for position in range(width):
        lower = below.cell(position) if below else _BLANK
        own = lower.text and lower.key != top.cell(position).key
        texts.append(lower.text if own and _classify(lower.text) else "")
    return texts


def _recognised(top: _RawRow, below: _RawRow | None) -> tuple[list[str], dict[int, _Guess]]:
    texts = _header_texts(top, below)
    lowers = _lower_texts(top, below, len(texts))
    # Where the sub-heading names a kind of its own, it decides; the rest by the joined text.
    deciding = [lower or text for lower, text in zip(lowers, texts, strict=True)]
    return texts, _assign(deciding)


def _layout(top: _RawRow, below: _RawRow | None) -> _Layout | None:
    texts, guesses = _recognised(top, below)
    columns = {position: Column(guess.kind) for position, guess in guesses.items()}
    if not _qualifies(columns):
        return None
    readings = {
        position: ColumnReading(
            position=position,
            header=texts[position],
            choice=guess.kind,
            how=_("Theo tiêu đề «%(h)s» (từ «%(w)s»)") % {"h": texts[position], "w": guess.phrase},
            confidence=_CONFIDENCE[guess.strength],
        )
        for position, guess in guesses.items()
    }
    return _build_layout(
        columns, texts, readings=readings, rows=(top, below), header_line=top.line
    )


def _build_layout(
    columns: dict[int, Column],
    texts: Sequence[str],
    *,
    readings: dict[int, ColumnReading],
    rows: Iterable[_RawRow | None],
    header_line: int | None,
    ignored: Iterable[int] = (),
    as_notes: Iterable[int] = (),
) -> _Layout:
    rows = [row for row in rows if row is not None]
    top = rows[0] if rows else None
    below = rows[1] if len(rows) > 1 else None
    ignored = frozenset(ignored)
    mapped_keys = {top.cell(position).key for position in columns} if top else set()
    notes: dict[int, str] = {}
    for position, text in enumerate(texts):
        if position in columns or position in ignored:
            continue
        if not text and position not in as_notes:
            continue
        if (
            text
            and top is not None
            and top.cell(position).key in mapped_keys
            and not (below and below.cell(position).text)
            and position not in as_notes
        ):
            continue  # the tail of a merged header already mapped
        notes[position] = _unique(text or f"Cột {position + 1}", notes.values())
        readings.setdefault(
            position,
            ColumnReading(
                position=position,
                header=text,
                choice=NOTES,
                how=_("Không phải cột nào trong “6 rõ”: giữ trên nhiệm vụ làm ghi chú")
                if text
                else _("Cột không có tiêu đề: giữ làm ghi chú"),
                confidence=Confidence.HIGH if _guesses(text) else Confidence.MEDIUM,
            ),
        )
    echoes: dict[int, set[str]] = {}
    for row in rows:
        for position, cell in enumerate(row.cells):
            if cell.text:
                echoes.setdefault(position, set()).add(fold(cell.text))
    headers = {col.value: texts[position] for position, col in sorted(columns.items())}
    return _Layout(
        columns=columns,
        notes=notes,
        headers=headers,
        echoes=echoes,
        readings=[readings[position] for position in sorted(readings)],
        ignored=ignored,
        header_line=header_line,
        header_key=header_signature(texts) if header_line is not None else "",
    )


def header_signature(texts: Iterable[str]) -> str:
    """The header, normalised: how a remembered column mapping finds tables of the same shape."""
    return "|".join(_header_key(text) for text in texts).strip("|")[:1000]


def _unique(name: str, taken: Iterable[str]) -> str:
    used = set(taken)
    candidate, n = name, 2
    while candidate in used:
        candidate, n = f"{name} ({n})", n + 1
    return candidate


def _find_header(rows: Sequence[_RawRow]) -> tuple[int, _Layout] | None:
    """The first header row (and its second row when the header has two): (last index, layout).
    Title rows above it ("Phụ lục …", "(Kèm theo Kế hoạch số …)") are passed over."""
    for index, row in enumerate(rows):
        if not _could_be_header(row):
            continue
        following = _next_filled(rows, index)
        if following is not None and _is_subheader(row, rows[following]):
            layout = _layout(row, rows[following])
            if layout is not None:
                return following, layout
        layout = _layout(row, None)
        if layout is not None:
            return index, layout
    return None


def _find_layout(rows: Sequence[_RawRow], *, infer: bool = True) -> tuple[int, _Layout] | None:
    """The header (or the clerk's choice, or columns inferred from the cells when the table has
    no header row): (index of the last row before the tasks, layout). -1: tasks from the top."""
    from imports.tables.choice import _CHOSEN

    choice = _CHOSEN.get()
    if choice is not None:
        found = choice.layout(rows)
    else:
        found = _find_header(rows)
        if found is None and infer:
            from imports.tables.inference import infer_layout

            found = infer_layout(rows)
    if found is not None:
        found[1].source = rows
    return found


def _next_filled(rows: Sequence[_RawRow], index: int) -> int | None:
    for following in range(index + 1, len(rows)):
        if rows[following].filled():
            return following
    return None
