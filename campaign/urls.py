from django.urls import path

from campaign import ranking_views, views

app_name = "campaign"
urlpatterns = [
    path("", views.hub, name="hub"),
    path("phat-dong/", views.start, name="start"),
    path("<int:pk>/mo-dot-cam-ket/", views.open_round, name="open_round"),
    path("<int:pk>/cam-ket/", views.sign, name="sign"),
    path("<int:pk>/cam-ket/tinh-hinh/", views.round_detail, name="round"),
    path("<int:pk>/cam-ket/nhac/", views.remind, name="remind"),
    path("<int:pk>/dang-ky/", views.registrations, name="registrations"),
    path("dang-ky/<int:pk>/quyet-dinh/", views.decide, name="decide"),
    path("<int:pk>/diem-nghen/", views.bottlenecks, name="bottlenecks"),
    path("diem-nghen/<int:pk>/", views.bottleneck, name="bottleneck"),
    path("diem-nghen/<int:pk>/cap-nhat/", views.bottleneck_move, name="bottleneck_move"),
    path("diem-nghen/<int:pk>/nhiem-vu/", views.bottleneck_task, name="bottleneck_task"),
    path("<int:pk>/xep-hang/", ranking_views.ranking_page, name="ranking"),
    path("chi-tieu/<int:pk>/", views.target, name="target"),
    path("chi-tieu/so-lieu/<int:pk>/tep/", views.evidence, name="evidence"),
]
