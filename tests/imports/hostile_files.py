"""Hostile uploads, built small on disk: what an attacker (or a broken exporter) sends.

Each builder writes the package by hand, since openpyxl itself would expand a merge out to
XFD1048576 while saving it.
"""

from __future__ import annotations

import io
import zipfile
from xml.sax.saxutils import escape

_CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml"
 ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
{sheets}
</Types>"""
_SHEET_TYPE = (
    '<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
)
_ROOT_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Target="xl/workbook.xml"
 Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"/>
</Relationships>"""
_WORKBOOK = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"
 xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
<sheets>{sheets}</sheets></workbook>"""
_WORKBOOK_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
{rels}</Relationships>"""
_SHEET_REL = (
    '<Relationship Id="rId{n}" Target="worksheets/sheet{n}.xml" Type="http://schemas.'
    'openxmlformats.org/officeDocument/2006/relationships/worksheet"/>'
)
SHEET_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"

HEADER = ["STT", "Nội dung công việc", "Đơn vị chủ trì", "Thời hạn"]
TASKS = [
    ["1", "Xây dựng kế hoạch chuyển đổi số", "Văn phòng Sở", "Quý IV/2026"],
    ["2", "Tổ chức hội nghị tổng kết", "Phòng Chuyển đổi số", "Tháng 12/2026"],
]


def cell(reference: str, text: str) -> str:
    return f'<c r="{reference}" t="inlineStr"><is><t>{escape(text)}</t></is></c>'


def table_rows(first_row: int = 1) -> str:
    """The small task table every hostile sheet carries, from `first_row` down."""
    rows = []
    for offset, values in enumerate([HEADER, *TASKS]):
        number = first_row + offset
        cells = "".join(cell(f"{'ABCD'[i]}{number}", v) for i, v in enumerate(values))
        rows.append(f'<row r="{number}">{cells}</row>')
    return "".join(rows)


def worksheet(sheet_data: str, *, dimension: str = "A1:D3", after: str = "") -> str:
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="{SHEET_NS}">'
        f'<dimension ref="{dimension}"/><sheetData>{sheet_data}</sheetData>{after}</worksheet>'
    )


def package(sheets: dict[str, str | bytes]) -> bytes:
    """An .xlsx of the given sheets (title → worksheet XML), compressed."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        numbers = range(1, len(sheets) + 1)
        archive.writestr(
            "[Content_Types].xml",
            _CONTENT_TYPES.format(sheets="".join(_SHEET_TYPE.format(n=n) for n in numbers)),
        )
        archive.writestr("_rels/.rels", _ROOT_RELS)
        archive.writestr(
            "xl/workbook.xml",
            _WORKBOOK.format(
                sheets="".join(
                    f'<sheet name="{escape(title)}" sheetId="{n}" r:id="rId{n}"/>'
                    for n, title in zip(numbers, sheets, strict=True)
                )
            ),
        )
        archive.writestr(
            "xl/_rels/workbook.xml.rels",
            _WORKBOOK_RELS.format(rels="".join(_SHEET_REL.format(n=n) for n in numbers)),
        )
        for n, xml in zip(numbers, sheets.values(), strict=True):
            archive.writestr(f"xl/worksheets/sheet{n}.xml", xml)
    return buffer.getvalue()


def far_cell() -> bytes:
    """The task table, and one cell at XFD1048576 (the sheet declares itself that large)."""
    rows = table_rows() + f'<row r="1048576">{cell("XFD1048576", "x")}</row>'
    return package({"Sheet1": worksheet(rows, dimension="A1:XFD1048576")})


def far_merge() -> bytes:
    """The task table under a title merged across the whole row, and an empty block merged out
    to XFD1048576."""
    rows = f'<row r="1">{cell("A1", "BẢNG PHÂN CÔNG")}</row>' + table_rows(2)
    merges = (
        '<mergeCells count="2"><mergeCell ref="A1:XFD1"/><mergeCell ref="B5:XFD1048576"/>'
        "</mergeCells>"
    )
    return package({"Sheet1": worksheet(rows, dimension="A1:XFD1048576", after=merges)})


def sparse_sheet(last_row: int = 200_000) -> bytes:
    """A real table in a sheet declared to `last_row` rows, with a stray note at its end."""
    rows = table_rows() + f'<row r="{last_row}">{cell(f"B{last_row}", "Ghi chú")}</row>'
    return package({"Sheet1": worksheet(rows, dimension=f"A1:D{last_row}")})


def padded_sheet(megabytes: int) -> bytes:
    """A zip bomb: the table, then `megabytes` of blank rows' whitespace (compresses 1000:1)."""
    padding = " " * (megabytes * 1024 * 1024)
    return package({"Sheet1": worksheet(table_rows() + padding)})


def many_cells(count: int) -> bytes:
    """`count` formatted empty cells after the table (each row 100 cells wide)."""
    rows = [table_rows()]
    for row in range(4, 4 + count // 100 + 1):
        rows.append(f'<row r="{row}">' + '<c s="0"/>' * 100 + "</row>")
    return package({"Sheet1": worksheet("".join(rows))})


def nested_sheet(depth: int = 100_000) -> bytes:
    """Elements nested `depth` deep inside the sheet."""
    return package({"Sheet1": worksheet(table_rows() + "<x>" * depth + "</x>" * depth)})


def nested_document(depth: int = 100_000) -> bytes:
    """A .docx whose body nests `depth` elements."""
    buffer = io.BytesIO()
    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Default Extension="rels" ContentType="application/'
            'vnd.openxmlformats-package.relationships+xml"/><Override PartName="/word/'
            'document.xml" ContentType="application/vnd.openxmlformats-officedocument.'
            'wordprocessingml.document.main+xml"/></Types>',
        )
        archive.writestr(
            "_rels/.rels",
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/'
            'package/2006/relationships"><Relationship Id="rId1" Target="word/document.xml" '
            'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            'officeDocument"/></Relationships>',
        )
        archive.writestr(
            "word/document.xml",
            f'<?xml version="1.0"?><w:document xmlns:w="{w}"><w:body>'
            + "<w:p>" * depth
            + "</w:p>" * depth
            + "</w:body></w:document>",
        )
    return buffer.getvalue()


def entity_bomb() -> bytes:
    """The billion laughs, in a sheet."""
    dtd = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
        '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
    )
    xml = worksheet(table_rows()).replace(
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>', dtd
    )
    return package({"Sheet1": xml.replace("Quý IV/2026", "&lol3;")})


def csv_of_separators(megabytes: int = 9) -> bytes:
    """A CSV of lines 2,000 cells wide (a cell per comma)."""
    line = b"a," * 2000 + b"\n"
    return b"STT,N\xe1\xbb\x99i dung\n" + line * (megabytes * 1024 * 1024 // len(line))


def csv_of_lines(lines: int = 2_000_000) -> bytes:
    return b"STT;Noi dung\n" + b"\n" * lines


HOSTILE = {
    "cell at XFD1048576": ("ô-xa.xlsx", far_cell),
    "merge out to XFD1048576": ("gop-xa.xlsx", far_merge),
    "sparse sheet declared to 200,000 rows": ("thua.xlsx", sparse_sheet),
    "zip bomb: 49 MB of sheet XML": ("bom.xlsx", lambda: padded_sheet(49)),
    "150,000 empty formatted cells": ("o-trong.xlsx", lambda: many_cells(150_000)),
    "XML nested 100,000 deep (sheet)": ("long-nhau.xlsx", nested_sheet),
    "XML nested 100,000 deep (Word)": ("long-nhau.docx", nested_document),
    "entity expansion (billion laughs)": ("thuc-the.xlsx", entity_bomb),
    "CSV: 2,300 lines of 2,000 commas": ("dau-phay.csv", csv_of_separators),
    "CSV: 2,000,000 empty lines": ("dong-trong.csv", csv_of_lines),
}


def full_sheet(rows: int = 4_900, columns: int = 20) -> bytes:
    """A sheet just under the cell limit: the table, `rows` tasks `columns` cells wide."""
    letters = [
        chr(65 + i // 26 - 1) + chr(65 + i % 26) if i >= 26 else chr(65 + i) for i in range(columns)
    ]
    body = [table_rows()]
    for number in range(4, 4 + rows):
        values = [
            str(number - 1),
            f"Nhiệm vụ số {number} về chuyển đổi số và cải cách hành chính",
            "Văn phòng Sở",
            "Quý IV/2026",
        ] + [f"Ghi chú {i} của dòng {number}" for i in range(4, columns)]
        cells = "".join(
            cell(f"{letter}{number}", v) for letter, v in zip(letters, values, strict=True)
        )
        body.append(f'<row r="{number}">{cells}</row>')
    return package({"Sheet1": worksheet("".join(body))})


def large_document(megabytes: int = 19) -> bytes:
    """A .docx with the task table and body paragraphs up to `megabytes` of document XML."""
    import docx

    document = docx.Document()
    table = document.add_table(rows=1 + len(TASKS), cols=len(HEADER))
    for cells, values in zip(table.rows, [HEADER, *TASKS], strict=True):
        for target, value in zip(cells.cells, values, strict=True):
            target.text = value
    buffer = io.BytesIO()
    document.save(buffer)
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    paragraph = "<w:p><w:r><w:t>Căn cứ Kế hoạch số 12/KH-UBND của UBND tỉnh.</w:t></w:r></w:p>"
    padding = paragraph * (megabytes * 1024 * 1024 // len(paragraph.encode()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            content = source.read(info)
            if info.filename == "word/document.xml":
                content = content.replace(b"<w:body>", b"<w:body>" + padding.encode(), 1)
            archive.writestr(info.filename, content)
    return out.getvalue()


HOSTILE.update(
    {
        "98,000 cells of text (under the cell limit)": ("day.xlsx", full_sheet),
        "Word: 19 MB of document XML": ("dai.docx", large_document),
    }
)


def many_elements(count: int = 490_000) -> bytes:
    """The table, then `count` empty elements no reader knows (kept in memory by a tree parser)."""
    return package({"Sheet1": worksheet(table_rows(), after="<x/>" * count)})


HOSTILE["490,000 unknown empty XML elements"] = ("phan-tu.xlsx", many_elements)


def far_corners() -> bytes:
    """The table, a note at GR1 (column 200) and another at A1048576: a million rows apart."""
    rows = (
        table_rows().replace("</row>", cell("GR1", "Ghi chú") + "</row>", 1)
        + f'<row r="1048576">{cell("A1048576", "Hết")}</row>'
    )
    return package({"Sheet1": worksheet(rows, dimension="A1:GR1048576")})


HOSTILE["values at GR1 and A1048576"] = ("goc-xa.xlsx", far_corners)


def _add_members(data: bytes, members: dict[str, bytes], types: str = "") -> bytes:
    """The package with more members (and content types) added."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for info in source.infolist():
            content = source.read(info)
            if info.filename == "[Content_Types].xml" and types:
                content = content.replace(b"</Types>", types.encode() + b"</Types>")
            archive.writestr(info.filename, content)
        for name, content in members.items():
            archive.writestr(name, content)
    return out.getvalue()


def huge_shared_string(megabytes: int = 38) -> bytes:
    """A workbook whose shared strings hold one string of `megabytes`."""
    rows = table_rows().replace(cell("B2", TASKS[0][1]), '<c r="B2" t="s"><v>0</v></c>')
    text = "Nhiệm vụ " * (megabytes * 1024 * 1024 // 11)
    strings = (
        f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{SHEET_NS}" count="1" '
        f'uniqueCount="1"><si><t>{text}</t></si></sst>'
    )
    types = (
        '<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    )
    return _add_members(
        package({"Sheet1": worksheet(rows)}), {"xl/sharedStrings.xml": strings.encode()}, types
    )


def word_with_media(megabytes: int = 95) -> bytes:
    """A Word document carrying `megabytes` of (compressible) media beside its table."""
    return _add_members(
        large_document(0), {"word/media/image1.bin": bytes(megabytes * 1024 * 1024)}
    )


HOSTILE["one shared string of 47 MB"] = ("chuoi.xlsx", huge_shared_string)
HOSTILE["Word with 95 MB of media"] = ("anh.docx", word_with_media)


def long_line(megabytes: int = 9) -> bytes:
    """A pasted table whose one line is `megabytes` long."""
    return "STT\tNội dung công việc\tĐơn vị chủ trì\n1\t".encode() + b"x" * (megabytes << 20)


HOSTILE["text: one line of 9 MB"] = ("dong-dai.txt", long_line)


def many_small_parts(parts: int = 10) -> bytes:
    """The table, and `parts` drawing parts of 400,000 empty elements each."""
    drawing = b"<wsDr>" + b"<a/>" * 400_000 + b"</wsDr>"
    members = {f"xl/drawings/drawing{n}.xml": drawing for n in range(1, parts + 1)}
    return _add_members(package({"Sheet1": worksheet(table_rows())}), members)


HOSTILE["10 drawing parts of 400,000 elements"] = ("hinh-ve.xlsx", many_small_parts)
