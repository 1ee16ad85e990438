from django.urls import path

from tasks import alert_views

app_name = "alerts"
urlpatterns = [
    path("", alert_views.notification_list, name="list"),
    path("<int:pk>/da-doc/", alert_views.mark_read, name="read"),
    path("<int:pk>/tiep-nhan/", alert_views.acknowledge, name="acknowledge"),
    path("da-doc-het/", alert_views.mark_all_read, name="read_all"),
    path("tuy-chon/", alert_views.preferences, name="preferences"),
]
