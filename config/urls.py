from django.contrib import admin
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.urls import include, path

from hiring.admin import insights as admin_insights
from hiring.observability import views as ops


def healthz(request: HttpRequest) -> JsonResponse:
    """For load balancers and the compose health check: the process answers and reaches its database."""
    try:
        connection.ensure_connection()
    except Exception as exc:  # any failure at all means unhealthy
        return JsonResponse({"status": "error", "database": str(exc)[:200]}, status=503)
    return JsonResponse({"status": "ok"})


# Sign-in (issue 11): the admin's login page also offers single sign-on when configured.
admin.site.login_template = "hiring/auth/admin_login.html"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    # Operations (issue 8): liveness, readiness, Prometheus metrics.
    path("healthz/live", ops.live, name="healthz-live"),
    path("healthz/ready", ops.ready, name="healthz-ready"),
    path("metrics", ops.metrics_view, name="metrics"),
    # The Insights page (issue 12) lives in the admin but belongs to no model.
    path("admin/insights/", admin.site.admin_view(admin_insights.insights_view), name="admin-insights"),
    path("admin/", admin.site.urls),
    path("api/", include("hiring.api.urls")),
    path("", include("hiring.auth.urls")),
    path("", include("hiring.urls")),
]
