"""Uploaded files: sniff what a file really is and hand it to its reader."""

from __future__ import annotations

import codecs
import io
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager

from imports.tables.cells import (
    _MAX_UNPACKED_BYTES,
    MAX_BYTES,
    MAX_CELL_CHARS,
    MAX_CELLS,
    MAX_COLUMNS,
    MAX_LINES,
    Problem,
    ReadTable,
    TableError,
)
from imports.tables.docx import read_docx
from imports.tables.pasted import _read_csv, read_text
from imports.tables.survey import MAX_OTHER_PART_BYTES
from imports.tables.xlsx import read_xlsx

# --- File sniffing ---------------------------------------------------------------------------

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED = "EncryptedPackage".encode("utf-16-le")
_OTHER_FORMATS = (
    (b"%PDF", "PDF"),
    (b"\x89PNG", "ảnh PNG"),
    (b"\xff\xd8\xff", "ảnh JPEG"),
    (b"GIF8", "ảnh GIF"),
    (b"BM", "ảnh BMP"),
    (b"II*\x00", "ảnh TIFF"),
    (b"MM\x00*", "ảnh TIFF"),
    (b"RIFF", "ảnh/âm thanh"),
    (b"{\\rtf", "RTF"),
    (b"Rar!", "nén RAR"),
    (b"7z\xbc\xaf", "nén 7z"),
    (b"\x1f\x8b", "nén gzip"),
)
_MAX_REPORTED_BAD_BYTES = 20
_TYPES_PREFIX = 64 * 1024  # where a package says what it is
_SEPARATORS = ("\t", ",", ";", "|")
# Prose in a CSV cell has commas of its own: the bounds leave room for them.
_MAX_SEPARATORS_A_LINE = 5 * MAX_COLUMNS
_MAX_TEXT_FIELDS = 2 * MAX_CELLS
_MAX_LINE_CHARS = 4 * MAX_CELL_CHARS  # a row of a few cells, each as long as a cell may be
_WHAT_TO_SEND = "Hãy tải lên tệp Word (.docx), Excel (.xlsx), hoặc dán bảng vào ô văn bản."

# --- Uploads ---------------------------------------------------------------------------------


def _looks_binary(data: bytes) -> bool:
    sample = data[:8192]
    if b"\x00" in sample:
        return True
    controls = sum(1 for byte in sample if byte < 32 and byte not in (9, 10, 12, 13, 27))
    return controls > len(sample) * 0.02


def _bad_utf8_bytes(data: bytes, *, limit: int) -> list[int]:
    """Where the first `limit` bytes that are not UTF-8 are."""
    positions: list[int] = []
    start, view = 0, memoryview(data)
    while len(positions) < limit:
        try:
            codecs.utf_8_decode(view[start:], "strict", True)
            break
        except UnicodeDecodeError as error:
            positions.append(start + error.start)
            start += error.end
    return positions


def _bad_byte_problems(data: bytes, text: str) -> list[Problem]:
    lines = text.split("\n")
    problems: dict[int, Problem] = {}
    for position in _bad_utf8_bytes(data, limit=_MAX_REPORTED_BAD_BYTES):
        line = data.count(b"\n", 0, position) + 1
        problems.setdefault(
            line,
            Problem(
                line=line,
                message=f"Dòng {line} có byte không đọc được theo UTF-8 (0x{data[position]:02X}), "
                "đã thay bằng «\ufffd»: hãy kiểm tra chữ ở dòng này.",
                text=lines[line - 1].strip() if line <= len(lines) else "",
            ),
        )
    return list(problems.values())


def _decode(data: bytes) -> tuple[str, list[Problem]]:
    """The text, and a problem for each line with a byte that could not be read."""
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :].decode("utf-8", errors="replace"), []
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", errors="replace"), []
    try:
        return data.decode("utf-8"), []
    except UnicodeDecodeError:
        pass
    # A UTF-8 file with a stray byte (a copy-paste, a truncated character) stays UTF-8: read as
    # Windows-1258 its every accented letter would be garbled and its header lost.
    text = data.decode("utf-8", errors="replace")
    replaced = text.count("\ufffd") - data.count("\ufffd".encode())
    letters = sum(1 for char in text if ord(char) > 127) - replaced
    if replaced * 10 <= letters:
        return text, _bad_byte_problems(data, text)
    return data.decode("cp1258", errors="replace"), []


def check_text_size(text: str) -> None:
    """A text or CSV file becomes one cell per separator: bound them before they are made."""
    lines = text.count("\n") + 1
    if lines > MAX_LINES:
        raise TableError(
            f"Tệp có hơn {MAX_LINES} dòng — quá lớn để nhập một lần. "
            "Hãy chia bảng thành nhiều tệp nhỏ hơn."
        )
    fields = 0
    for number, line in enumerate(text.split("\n"), start=1):
        if len(line) > _MAX_LINE_CHARS:
            raise TableError(
                f"Dòng {number} dài hơn {_MAX_LINE_CHARS} ký tự — không phải một dòng của bảng "
                "nhiệm vụ."
            )
        widest = max(line.count(separator) for separator in _SEPARATORS)
        if widest > _MAX_SEPARATORS_A_LINE:
            raise TableError(
                f"Dòng {number} có hơn {_MAX_SEPARATORS_A_LINE} ô — không phải một bảng nhiệm vụ."
            )
        fields += widest + 1
        if fields > _MAX_TEXT_FIELDS:
            raise TableError(
                f"Tệp có hơn {_MAX_TEXT_FIELDS} ô — quá lớn để nhập một lần. "
                "Hãy chia bảng thành nhiều tệp nhỏ hơn."
            )


def _zip_kind(data: bytes) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            unpacked = sum(info.file_size for info in archive.infolist())
            if unpacked > _MAX_UNPACKED_BYTES:
                raise TableError("Tệp quá lớn khi giải nén — không thể là một bảng nhiệm vụ.")
            types = (
                archive.read("[Content_Types].xml")[:_TYPES_PREFIX].decode(errors="replace")
                if "[Content_Types].xml" in names
                and archive.getinfo("[Content_Types].xml").file_size <= MAX_OTHER_PART_BYTES
                else ""
            )
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, KeyError) as error:
        raise TableError(
            "Tệp bị hỏng hoặc tải lên chưa hết (không giải nén được). "
            "Hãy mở tệp, lưu lại rồi tải lên lần nữa."
        ) from error
    if not types:
        if "mimetype" in names:
            raise TableError(
                "Tệp OpenDocument (.odt, .ods) chưa đọc được: "
                "hãy lưu lại dưới dạng .docx hoặc .xlsx."
            )
        raise TableError(f"Tệp nén (.zip) không phải tài liệu Word hay Excel. {_WHAT_TO_SEND}")
    if "spreadsheetml" in types or "xl/workbook.xml" in names:
        return "xlsx"
    if "wordprocessingml" in types or "word/document.xml" in names:
        return "docx"
    raise TableError(f"Tệp này không phải Word (.docx) hay Excel (.xlsx). {_WHAT_TO_SEND}")


def _kind(filename: str, data: bytes) -> str:
    """What the file is ("xlsx", "docx", "csv" or "text"), from its content; the checks that
    need no parsing, so they can answer at once."""
    if not data:
        raise TableError("Tệp rỗng — không có nội dung để đọc.")
    if len(data) > MAX_BYTES:
        size = len(data) / (1024 * 1024)
        raise TableError(f"Tệp quá lớn ({size:.1f} MB); chỉ nhận tệp tối đa 10 MB.")
    if data.startswith(_OLE2):
        if _ENCRYPTED in data:
            raise TableError(
                "Tệp được đặt mật khẩu (đã mã hóa) nên không đọc được. "
                "Hãy gỡ mật khẩu trong Word/Excel rồi tải lên lại."
            )
        raise TableError(
            "Tệp Word/Excel định dạng cũ (.doc, .xls) chưa đọc được: hãy mở tệp và lưu lại "
            "dưới dạng .docx hoặc .xlsx."
        )
    if data.startswith(b"PK"):
        return _zip_kind(data)
    for magic, kind in _OTHER_FORMATS:
        if data.startswith(magic):
            raise TableError(f"Tệp {kind} không đọc được bảng. {_WHAT_TO_SEND}")
    has_bom = data.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    if not has_bom and _looks_binary(data):
        raise TableError(f"Tệp không phải văn bản, Word hay Excel. {_WHAT_TO_SEND}")
    return "csv" if filename.lower().endswith(".csv") else "text"


def _read_upload(filename: str, data: bytes, *, sheet: str | None) -> ReadTable:
    kind = _kind(filename, data)
    if kind == "xlsx":
        return read_xlsx(data, sheet=sheet)
    if kind == "docx":
        return read_docx(data)
    text, problems = _decode(data)
    check_text_size(text)
    table = _read_csv(text) if kind == "csv" else read_text(text)
    table.problems = sorted([*table.problems, *problems], key=lambda problem: problem.line)
    return table


@contextmanager
def _answering(filename: str) -> Iterator[None]:
    """Any failure as a TableError a clerk understands (out of memory stays itself: it is the
    caller's limit)."""
    try:
        yield
    except (TableError, MemoryError):
        raise
    except Exception as error:
        raise TableError(
            f"Không đọc được tệp «{filename}»: tệp bị hỏng hoặc không đúng định dạng."
        ) from error


def check_upload(filename: str, data: bytes) -> None:
    """The checks that need no parsing (empty, too large, a PDF, a broken zip…): for a message
    before the file is read in the background. Only ever raises TableError."""
    with _answering(filename):
        _kind(filename, data)


def read_upload(filename: str, data: bytes, *, sheet: str | None = None) -> ReadTable:
    """Read an uploaded file, whatever it is (`sheet`: the worksheet to read in a workbook);
    only ever raises TableError."""
    with _answering(filename):
        return _read_upload(filename, data, sheet=sheet)
