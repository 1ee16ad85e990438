from django.urls import path

from evaluation import unit_views, views

app_name = "evaluation"
urlpatterns = [
    path("", views.evaluation_list, name="list"),
    path("<int:pk>/", views.sheet, name="sheet"),
    path("<int:pk>/tieu-chi-chung/", views.save_general, name="general"),
    path("<int:pk>/xep-loai/", views.confirm, name="confirm"),
    path("<int:pk>/phieu.pdf", views.sheet_pdf, name="pdf"),
    path("<int:pk>/phieu.xlsx", views.sheet_xlsx, name="xlsx"),
    path("don-vi/", unit_views.unit_list, name="units"),
    path("don-vi/<int:pk>/", unit_views.unit_sheet, name="unit"),
    path("don-vi/<int:pk>/xep-loai/", unit_views.unit_confirm, name="unit_confirm"),
    path("don-vi/<int:pk>/danh-gia.pdf", unit_views.unit_sheet_pdf, name="unit_pdf"),
    path("don-vi/<int:pk>/danh-gia.xlsx", unit_views.unit_sheet_xlsx, name="unit_xlsx"),
    path("nhiem-vu/<int:task_pk>/he-so/", views.set_factor, name="factor"),
    path("nhiem-vu/<int:task_pk>/nhan-xet/", views.judge, name="judge"),
]
