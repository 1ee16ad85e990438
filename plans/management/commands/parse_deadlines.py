"""Batch use of the deadline interpreter: one text per line in, one JSON object per line out."""

from __future__ import annotations

import json
import sys
from datetime import date

from django.core.management.base import BaseCommand
from django.utils import timezone

from plans.deadlines import interpret_deadline


class Command(BaseCommand):
    help = (
        "Đọc thời hạn như được viết (mỗi dòng một thời hạn, từ đầu vào chuẩn) và in mỗi dòng "
        "một đối tượng JSON: text, kind, due, start, recurrence, condition, milestones, "
        "needs_review, reason."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--ref",
            type=date.fromisoformat,
            help="Ngày của văn bản (YYYY-MM-DD); mặc định hôm nay.",
        )

    def handle(self, *args, ref=None, **options):
        reference = ref or timezone.localdate()
        for line in sys.stdin:
            text = line.rstrip("\r\n")
            result = interpret_deadline(text, reference=reference).to_json()
            self.stdout.write(json.dumps(result, ensure_ascii=False))
