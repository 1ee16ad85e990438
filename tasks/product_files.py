"""Product files attached to progress updates: which may be uploaded, and how they are served.

A file someone uploads is served from the portal's own address, so an .html or .svg opened in
the browser would run as the portal (stored XSS). Hence:
- only office documents, PDF, images and archives are accepted, by extension and by their first
  bytes (a page renamed .pdf is refused), up to `PRODUCT_FILE_MAX_MB`;
- they are served only to those who may see the task, always as a download
  (`Content-Disposition: attachment`, `nosniff`, a sandboxing CSP), never from an open /media/.
  Where a proxy serves the files (`PRODUCT_FILES_SENDFILE`), the portal checks and the proxy
  sends: X-Accel-Redirect (nginx) or X-Sendfile (Apache, lighttpd).
"""

from __future__ import annotations

import posixpath
from urllib.parse import quote

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpResponse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .doc, .xls, .ppt (Office 97–2003)
ZIP = (b"PK\x03\x04", b"PK\x05\x06")  # .docx, .xlsx, .pptx, OpenDocument, .zip

# extension → (content type served, the first bytes a real file of that kind starts with)
ALLOWED: dict[str, tuple[str, tuple[bytes, ...]]] = {
    ".pdf": ("application/pdf", (b"%PDF-",)),
    ".doc": ("application/msword", (OLE,)),
    ".xls": ("application/vnd.ms-excel", (OLE,)),
    ".ppt": ("application/vnd.ms-powerpoint", (OLE,)),
    ".docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ZIP,
    ),
    ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ZIP),
    ".pptx": (
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        ZIP,
    ),
    ".odt": ("application/vnd.oasis.opendocument.text", ZIP),
    ".ods": ("application/vnd.oasis.opendocument.spreadsheet", ZIP),
    ".odp": ("application/vnd.oasis.opendocument.presentation", ZIP),
    ".rtf": ("application/rtf", (b"{\\rtf",)),
    ".png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".gif": ("image/gif", (b"GIF87a", b"GIF89a")),
    ".webp": ("image/webp", (b"RIFF",)),
    ".zip": ("application/zip", ZIP),
    ".7z": ("application/x-7z-compressed", (b"7z\xbc\xaf\x27\x1c",)),
    ".rar": ("application/vnd.rar", (b"Rar!\x1a\x07",)),
}
ACCEPT = ",".join(ALLOWED)  # for the file input's `accept`


def extension(name: str) -> str:
    return posixpath.splitext(name.lower())[1]


def validate_upload(upload) -> None:
    """Refuse, in Vietnamese, a file too large or not of an accepted kind."""
    limit_mb = settings.PRODUCT_FILE_MAX_MB
    if upload.size > limit_mb * 1024 * 1024:
        raise ValidationError(
            _("Tệp “%(name)s” quá lớn (%(size).1f MB); tối đa %(limit)s MB.")
            % {"name": upload.name, "size": upload.size / 1024 / 1024, "limit": limit_mb},
            code="too_large",
        )
    ext = extension(upload.name)
    if ext not in ALLOWED:
        raise ValidationError(
            _(
                "Không nhận tệp “%(name)s”: chỉ nhận văn bản (PDF, Word, Excel, PowerPoint, "
                "OpenDocument, RTF), ảnh (PNG, JPEG, GIF, WebP) và tệp nén (ZIP, 7z, RAR)."
            )
            % {"name": upload.name},
            code="type",
        )
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    _type, signatures = ALLOWED[ext]
    if not head.startswith(signatures) or (ext == ".webp" and head[8:12] != b"WEBP"):
        raise ValidationError(
            _("Nội dung tệp “%(name)s” không đúng loại %(ext)s.")
            % {"name": upload.name, "ext": ext},
            code="content",
        )


def download_name(file_name: str) -> str:
    return posixpath.basename(file_name)


def file_response(field_file, *, name: str = "") -> HttpResponse:
    """The file as a download (named `name`, else as stored), or the proxy's instruction to
    send it."""
    name = name or download_name(field_file.name)
    content_type = ALLOWED.get(extension(name), ("application/octet-stream",))[0]
    mode = settings.PRODUCT_FILES_SENDFILE
    if mode == "nginx":
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = quote(
            settings.PRODUCT_FILES_INTERNAL_URL.rstrip("/") + "/" + field_file.name
        )
    elif mode == "sendfile":
        response = HttpResponse(content_type=content_type)
        response["X-Sendfile"] = field_file.path
    else:
        response = FileResponse(field_file.open("rb"), content_type=content_type)
    # Set here for every mode (FileResponse would do it only for itself).
    response["Content-Disposition"] = content_disposition_header(True, name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
