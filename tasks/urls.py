from django.urls import path

from tasks import (
    breakdown_views,
    calendar_views,
    comment_views,
    list_views,
    unit_plan_views,
    views,
)

app_name = "tasks"
urlpatterns = [
    path("", list_views.task_list, name="list"),
    path("xuat-excel/", list_views.task_export, name="export"),
    path("xuat-csv/", list_views.task_export_csv, name="export_csv"),
    path("thao-tac-nhieu/", list_views.task_bulk, name="bulk"),
    path("tong-quan/", views.dashboard, name="dashboard"),
    path("lanh-dao/", views.leadership, name="leadership"),
    path("cua-toi/", views.my_tasks, name="mine"),
    path("don-vi/", views.my_unit, name="my_unit"),
    path("don-vi/<int:pk>/", views.unit_page, name="unit"),
    path("don-vi/<int:pk>/ke-hoach/", unit_plan_views.unit_plan, name="unit_plan"),
    path("<int:pk>/", views.task_detail, name="detail"),
    path("<int:pk>/dong/", views.task_row, name="row"),
    path("<int:pk>/cap-nhat/", views.task_update, name="update"),
    path("<int:pk>/giao-viec/", views.task_assign, name="assign"),
    path("<int:pk>/gia-han/", views.task_request_change, name="request_change"),
    path("<int:pk>/phoi-hop/", views.task_coordination_note, name="coordination_note"),
    path("<int:pk>/chia-nho/", breakdown_views.task_break_down, name="break_down"),
    path("<int:pk>/cach-tinh-tien-do/", breakdown_views.task_progress_mode, name="progress_mode"),
    path("<int:pk>/y-kien/", comment_views.task_comment, name="comment"),
    path("cap-nhat/<int:pk>/tep/", views.product_file, name="product_file"),
    path("tep-dinh-kem/<int:pk>/", comment_views.attachment_file, name="attachment"),
    path("gia-han/<int:pk>/quyet-dinh/", views.change_decide, name="decide"),
    path("lich/", calendar_views.month, name="calendar"),
    path("lich/dong-bo/", calendar_views.feed_settings, name="calendar_sync"),
    path("lich/dong-bo/tao-moi/", calendar_views.feed_renew, name="calendar_renew"),
    path("lich/<str:key>.ics", calendar_views.feed, name="calendar_feed"),
]
