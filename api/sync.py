"""Paging for systems that keep a copy of the tasks: every change, once, in the order made.

Tasks come in the order of their last change, `(updated_at, pk)`, and the cursor is the last
one served: the next page is the tasks changed after it (keyset paging, not an offset). A task
changed while a system pages moves to the end and comes again, so nothing is skipped and
nothing is served from a stale position. Changes younger than API_SYNC_SETTLE_SECONDS are held
back: `updated_at` is stamped when a task is saved, before its transaction commits, and an
import's transaction may take a while; once that window has passed, no slower writer can still
commit a change behind the cursor.
"""

from __future__ import annotations

import base64
import binascii
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import BasePagination
from rest_framework.response import Response

BAD_CURSOR = _("Con trỏ không hợp lệ: hãy gửi lại đúng giá trị next_cursor mà API đã trả về.")


def encode_cursor(updated_at: datetime, pk: int) -> str:
    raw = f"{updated_at.isoformat()}|{pk}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        if len(cursor) > 200:
            raise ValueError
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        moment, pk = raw.split("|")
        updated_at = datetime.fromisoformat(moment)
        if updated_at.tzinfo is None or not (pk.isascii() and pk.isdigit() and len(pk) <= 18):
            raise ValueError
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise ValidationError({"cursor": [BAD_CURSOR]}) from None
    return updated_at, int(pk)


class SyncPagination(BasePagination):
    """`?cursor=` (absent: from the beginning) and `?page_size=`; the answer carries
    `next_cursor` (to keep for the next call, even when nothing new came) and `more`."""

    page_size = 100
    max_page_size = 500

    def paginate_queryset(self, queryset, request, view=None):
        size = self._page_size(request)
        cursor = request.query_params.get("cursor") or None
        settled = timezone.now() - timedelta(seconds=settings.API_SYNC_SETTLE_SECONDS)
        rows = queryset.filter(updated_at__lte=settled).order_by("updated_at", "pk")
        if cursor:
            after, pk = decode_cursor(cursor)
            rows = rows.filter(Q(updated_at__gt=after) | Q(updated_at=after, pk__gt=pk))
        page = list(rows[: size + 1])
        self.more = len(page) > size
        page = page[:size]
        self.next_cursor = encode_cursor(page[-1].updated_at, page[-1].pk) if page else cursor
        return page

    def _page_size(self, request) -> int:
        value = request.query_params.get("page_size", "")
        if not value.isdigit() or int(value) < 1:
            return self.page_size
        return min(int(value), self.max_page_size)

    def get_paginated_response(self, data):
        return Response({"next_cursor": self.next_cursor, "more": self.more, "results": data})

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["next_cursor", "more", "results"],
            "properties": {
                "next_cursor": {
                    "type": "string",
                    "nullable": True,
                    "description": "Giữ lại và gửi ở lần gọi sau (?cursor=…)",
                },
                "more": {"type": "boolean", "description": "Còn thay đổi chưa lấy: gọi tiếp ngay"},
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": "cursor",
                "required": False,
                "in": "query",
                "description": "next_cursor của lần gọi trước; bỏ trống để lấy từ đầu",
                "schema": {"type": "string"},
            },
            {
                "name": "page_size",
                "required": False,
                "in": "query",
                "description": (
                    f"Số nhiệm vụ mỗi lần (mặc định {self.page_size}, tối đa {self.max_page_size})"
                ),
                "schema": {"type": "integer", "minimum": 1, "maximum": self.max_page_size},
            },
        ]
