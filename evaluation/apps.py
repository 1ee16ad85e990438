from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvaluationConfig(AppConfig):
    """Evaluation of staff (đánh giá, xếp loại) from the task record, Nghị định 335/2025/NĐ-CP."""

    name = "evaluation"
    verbose_name = _("Đánh giá, xếp loại")
