from django.urls import path

from evaluation import views

app_name = "evaluation"
urlpatterns = [
    path("", views.evaluation_list, name="list"),
    path("<int:pk>/", views.sheet, name="sheet"),
    path("<int:pk>/tieu-chi-chung/", views.save_general, name="general"),
    path("<int:pk>/xep-loai/", views.confirm, name="confirm"),
    path("<int:pk>/phieu.pdf", views.sheet_pdf, name="pdf"),
    path("<int:pk>/phieu.xlsx", views.sheet_xlsx, name="xlsx"),
    path("nhiem-vu/<int:task_pk>/he-so/", views.set_factor, name="factor"),
    path("nhiem-vu/<int:task_pk>/nhan-xet/", views.judge, name="judge"),
]
