from django.urls import path

from imports import views

app_name = "imports"
urlpatterns = [
    path("nhap/", views.import_start, name="import_start"),
    path("nhap/<int:pk>/", views.import_preview, name="import_preview"),
    path("nhap/<int:pk>/dong/<int:index>/", views.import_row, name="import_row"),
    path("nhap/<int:pk>/cot/", views.import_columns, name="import_columns"),
    path("nhap/<int:pk>/xac-nhan/", views.import_confirm, name="import_confirm"),
    path("nhap/<int:pk>/huy/", views.import_discard, name="import_discard"),
    path("nhap/<int:pk>/trang-thai/", views.import_status, name="import_status"),
    path("nhap/<int:pk>/doc-lai/", views.import_read_again, name="import_read_again"),
]
