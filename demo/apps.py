from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """The demo data from the real plans, and a city-sized data set for benchmarks."""

    name = "demo"
    verbose_name = _("Dữ liệu mẫu")
