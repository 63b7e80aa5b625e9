from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from hiring.api import views

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("departments", views.DepartmentViewSet, basename="department")
router.register("competencies", views.CompetencyViewSet, basename="competency")
router.register("interviewers", views.InterviewerViewSet, basename="interviewer")
router.register("positions", views.PositionViewSet, basename="position")
router.register("candidates", views.CandidateViewSet, basename="candidate")
router.register("loops", views.LoopViewSet, basename="loop")
router.register("rounds", views.RoundViewSet, basename="round")
router.register("scorecards", views.ScorecardViewSet, basename="scorecard")
router.register("decisions", views.DecisionViewSet, basename="decision")
router.register("events", views.EventViewSet, basename="event")
router.register("webhooks", views.WebhookSubscriptionViewSet, basename="webhook")

urlpatterns = [
    path("v1/", include((router.urls, "api"), namespace="v1")),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
    # Last: any other address under /api/ answers JSON, as the schema promises, not the site's HTML 404 page.
    re_path(r"^", views.api_not_found),
]
