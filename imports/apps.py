from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImportsConfig(AppConfig):
    """Reading plans' task tables (Word, Excel, pasted text) and importing them as tasks."""

    name = "imports"
    verbose_name = _("Nhập kế hoạch")
