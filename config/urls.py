from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from accounts.views import favicon, healthz, home

admin.site.site_header = _("Cổng theo dõi nhiệm vụ 6 rõ — Quản trị")
admin.site.site_title = _("Quản trị 6 rõ")
admin.site.index_title = _("Danh mục dữ liệu")

urlpatterns = [
    path("", home, name="home"),
    path("healthz", healthz, name="healthz"),
    path("favicon.ico", favicon),
    path(
        "dang-nhap/",
        auth_views.LoginView.as_view(
            template_name="accounts/login.html", redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("dang-xuat/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("nhiem-vu/", include("tasks.urls")),
    path("api/", include("api.urls")),
    path("canh-bao/", include("tasks.alert_urls")),
    path("ke-hoach/", include("imports.urls")),
    path("bao-cao/", include("reporting.urls")),
    path("danh-gia/", include("evaluation.urls")),
    path("thi-dua/", include("campaign.urls")),
    path("quan-tri/", admin.site.urls),
]
