"""Dates typed by people: kept within a sane range before they reach a deadline or a report.

Browsers let anyone type 0001-01-01 or 9999-12-31; a deadline or a report period that far out
is a typing mistake, and date arithmetic on it fails later, far from the form (in a job).
"""

from __future__ import annotations

from datetime import date

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

EARLIEST = date(2000, 1, 1)
LATEST = date(2100, 12, 31)

OUT_OF_RANGE = _("Ngày phải trong khoảng từ 01/01/2000 đến 31/12/2100.")


class SaneDateField(forms.DateField):
    """A DateField that refuses dates outside EARLIEST..LATEST with a Vietnamese message."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.validators += [
            MinValueValidator(EARLIEST, message=OUT_OF_RANGE),
            MaxValueValidator(LATEST, message=OUT_OF_RANGE),
        ]

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        if getattr(widget, "input_type", None) == "date":
            attrs.update(min=EARLIEST.isoformat(), max=LATEST.isoformat())
        return attrs
