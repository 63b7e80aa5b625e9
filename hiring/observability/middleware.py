"""The request id on the way in and out, and one log line per request."""

from __future__ import annotations

import logging
import time

from hiring.observability import context, errors, metrics

HEADER = "X-Request-ID"
log = logging.getLogger("hiring.request")


class RequestIdMiddleware:
    """Outermost middleware: every later log line of the request carries its id.

    The id is the caller's X-Request-ID when it is well formed (a proxy's or a
    client's, so their logs and ours join up), else a new one; it is sent back in
    the response either way, and tasks queued by the request carry it
    (celery_hooks.py). The request's count and duration go to the metrics here
    too, so they include every middleware below.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        rid = context.valid_request_id(request.headers.get(HEADER)) or context.new_request_id()
        request.request_id = rid
        token = context.request_id.set(rid)
        errors.tag_request_id(rid)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            elapsed = time.perf_counter() - started
            view = metrics.view_label(request)
            metrics.observe_request(method=request.method, status=response.status_code, view=view, seconds=elapsed)
            response[HEADER] = rid
            if view not in metrics.QUIET_VIEWS:
                log.info(
                    "%s %s %s %.1fms",
                    request.method,
                    request.path,
                    response.status_code,
                    elapsed * 1000,
                    extra={
                        "method": request.method,
                        "path": request.path,
                        "status": response.status_code,
                        "view": view,
                        "duration_ms": round(elapsed * 1000, 1),
                    },
                )
            return response
        finally:
            context.request_id.reset(token)
