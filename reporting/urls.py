from django.urls import path

from reporting import views

app_name = "reporting"
urlpatterns = [
    path("", views.report_list, name="list"),
    path("tao-moi/", views.report_new, name="new"),
    path("<int:pk>/", views.report_detail, name="detail"),
    path("<int:pk>/tien-do/", views.report_progress, name="progress"),
    path("<int:pk>/nhiem-vu/", views.report_items, name="items"),
    path("<int:pk>/tao-tep/", views.report_generate, name="generate"),
    path("<int:pk>/ban-hanh/", views.report_issue, name="issue"),
    path("<int:pk>/tao-lai/", views.report_retry, name="retry"),
    path("<int:pk>/tai/<str:fmt>/", views.report_download, name="download"),
]
