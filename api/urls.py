from django.urls import path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import SimpleRouter

from api import views

app_name = "api"
router = SimpleRouter()
router.register("units", views.UnitViewSet, basename="unit")
router.register("plans", views.PlanViewSet, basename="plan")
router.register("tasks", views.TaskViewSet, basename="task")

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("dashboard/", views.dashboard, name="dashboard"),
    *router.urls,
]
