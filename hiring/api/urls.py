from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from hiring.api import availability, messages, privacy, views
from hiring.api.insights import InsightsView

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("departments", views.DepartmentViewSet, basename="department")
router.register("competencies", views.CompetencyViewSet, basename="competency")
router.register("interviewers", views.InterviewerViewSet, basename="interviewer")
router.register("interviewers", availability.InterviewerAvailabilityViewSet, basename="interviewer-availability")
router.register("pools", availability.PoolViewSet, basename="pool")
router.register("positions", views.PositionViewSet, basename="position")
router.register("candidates", views.CandidateViewSet, basename="candidate")
router.register("candidates", privacy.CandidatePrivacyViewSet, basename="candidate-privacy")
router.register("candidates", messages.CandidateMessagesViewSet, basename="candidate-messages")
router.register("rejection-reasons", views.RejectionReasonViewSet, basename="rejection-reason")
router.register("loops", views.LoopViewSet, basename="loop")
router.register("rounds", views.RoundViewSet, basename="round")
router.register("scorecards", views.ScorecardViewSet, basename="scorecard")
router.register("decisions", views.DecisionViewSet, basename="decision")
router.register("events", views.EventViewSet, basename="event")
router.register("webhooks", views.WebhookSubscriptionViewSet, basename="webhook")

urlpatterns = [
    path("v1/insights/", InsightsView.as_view(), name="api-insights"),
    path("v1/", include((router.urls, "api"), namespace="v1")),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start-up script as a file (docs/?script), and these
    # templates move the inline styles to a file: the pages pass a CSP without 'unsafe-inline'.
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api-schema", template_name="hiring/api/swagger_ui.html"),
        name="api-docs",
    ),
    # Redoc (styled-components) writes its styles into <style> elements at run time: this page
    # alone allows inline styles; its scripts stay as strict as everywhere else.
    path(
        "redoc/",
        csp_update({"style-src": [UNSAFE_INLINE], "worker-src": ["blob:"]})(
            SpectacularRedocView.as_view(url_name="api-schema", template_name="hiring/api/redoc.html")
        ),
        name="api-redoc",
    ),
    # Last: any other address under /api/ answers JSON, as the schema promises, not the site's HTML 404 page.
    re_path(r"^", views.api_not_found),
]
