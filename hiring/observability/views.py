"""/healthz/live, /healthz/ready and /metrics."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from hiring.observability import health, metrics


@never_cache
@require_safe
def live(request: HttpRequest) -> JsonResponse:
    """The process answers. Touches nothing else: a database outage must not get
    every web process restarted by its orchestrator."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_safe
def ready(request: HttpRequest) -> JsonResponse:
    """200 when every check passes, else 503; the body names each check's result."""
    ok, checks = health.readiness()
    failed = [name for name, result in checks.items() if not result["ok"]]
    body = {"status": "ok" if ok else "fail", "failed": failed, "checks": checks}
    return JsonResponse(body, status=200 if ok else 503)


@never_cache
@require_safe
def metrics_view(request: HttpRequest) -> HttpResponse:
    if not metrics.allowed(request):
        # 404, not 403: the endpoint is not advertised to those who may not read it.
        return HttpResponse("Not found.\n", status=404, content_type="text/plain")
    return HttpResponse(metrics.scrape(), content_type=metrics.CONTENT_TYPE_LATEST)
