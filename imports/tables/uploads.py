"""Uploaded files: sniff what a file really is and hand it to its reader."""

from __future__ import annotations

import codecs
import io
import zipfile

from imports.tables.cells import _MAX_UNPACKED_BYTES, MAX_BYTES, ReadTable, TableError
from imports.tables.docx import read_docx
from imports.tables.pasted import _read_csv, read_text
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
_WHAT_TO_SEND = "Hãy tải lên tệp Word (.docx), Excel (.xlsx), hoặc dán bảng vào ô văn bản."

# --- Uploads ---------------------------------------------------------------------------------


def _looks_binary(data: bytes) -> bool:
    sample = data[:8192]
    if b"\x00" in sample:
        return True
    controls = sum(1 for byte in sample if byte < 32 and byte not in (9, 10, 12, 13, 27))
    return controls > len(sample) * 0.02


def _decode(data: bytes) -> str:
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :].decode("utf-8", errors="replace")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", errors="replace")
    if _looks_binary(data):
        raise TableError(f"Tệp không phải văn bản, Word hay Excel. {_WHAT_TO_SEND}")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1258", errors="replace")


def _read_zip(data: bytes) -> ReadTable:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            unpacked = sum(info.file_size for info in archive.infolist())
            types = (
                archive.read("[Content_Types].xml").decode("utf-8", errors="replace")
                if "[Content_Types].xml" in names
                else ""
            )
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, KeyError) as error:
        raise TableError(
            "Tệp bị hỏng hoặc tải lên chưa hết (không giải nén được). "
            "Hãy mở tệp, lưu lại rồi tải lên lần nữa."
        ) from error
    if unpacked > _MAX_UNPACKED_BYTES:
        raise TableError("Tệp quá lớn khi giải nén — không thể là một bảng nhiệm vụ.")
    if not types:
        if "mimetype" in names:
            raise TableError(
                "Tệp OpenDocument (.odt, .ods) chưa đọc được: "
                "hãy lưu lại dưới dạng .docx hoặc .xlsx."
            )
        raise TableError(f"Tệp nén (.zip) không phải tài liệu Word hay Excel. {_WHAT_TO_SEND}")
    if "spreadsheetml" in types or "xl/workbook.xml" in names:
        return read_xlsx(data)
    if "wordprocessingml" in types or "word/document.xml" in names:
        return read_docx(data)
    raise TableError(f"Tệp này không phải Word (.docx) hay Excel (.xlsx). {_WHAT_TO_SEND}")


def _read_upload(filename: str, data: bytes) -> ReadTable:
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
        return _read_zip(data)
    for magic, kind in _OTHER_FORMATS:
        if data.startswith(magic):
            raise TableError(f"Tệp {kind} không đọc được bảng. {_WHAT_TO_SEND}")
    text = _decode(data)
    if filename.lower().endswith(".csv"):
        return _read_csv(text)
    return read_text(text)


def read_upload(filename: str, data: bytes) -> ReadTable:
    """Read an uploaded file, whatever it is; only ever raises TableError."""
    try:
        return _read_upload(filename, data)
    except TableError:
        raise
    except Exception as error:  # a clerk must get a message, never a crash
        raise TableError(
            f"Không đọc được tệp «{filename}»: tệp bị hỏng hoặc không đúng định dạng."
        ) from error
