"""Error reports to Sentry (sentry-sdk), only when SENTRY_DSN is set."""

from __future__ import annotations


def init_sentry(*, dsn: str, environment: str, release: str, traces_sample_rate: float) -> bool:
    """Start the SDK with its Django and Celery integrations; nothing at all without a DSN.

    Called from settings.py, which every process loads (web, worker, beat), so
    unhandled errors of views and tasks are reported alike. Personal data is not
    sent (send_default_pii off): candidates' names and emails stay here.
    """
    if not dsn:
        return False
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=environment or None,
        release=release or None,
        traces_sample_rate=traces_sample_rate,
        send_default_pii=False,
        integrations=[DjangoIntegration(), CeleryIntegration(monitor_beat_tasks=False)],
    )
    return True


def tag_request_id(request_id: str) -> None:
    """Put the request id on the error reports of the work in hand (a no-op without Sentry),
    so a report and the log lines of the same request find each other."""
    import sentry_sdk

    if sentry_sdk.get_client().is_active():
        sentry_sdk.get_isolation_scope().set_tag("request_id", request_id)
