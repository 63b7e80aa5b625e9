"""Celery signals: the request id from the web request into the tasks it causes,
and the task metrics. Imported by config/celery.py, so publishers (web, beat)
and workers all connect them.

before_task_publish runs in the publishing process: it copies the current
request id into the message's headers. task_prerun runs in the worker: it
takes the id back out (or, for a task nobody asked for in a request, such as
a beat sweep, uses the task's own id) so every log line of the task carries it,
and any task it queues in turn carries it further.
"""

from __future__ import annotations

import logging
import time

from celery import signals

from hiring.observability import context

log = logging.getLogger(__name__)

HEADER = "hiring_request_id"
# task id -> (context tokens, start time), to undo in task_postrun.
_running: dict[str, tuple[tuple, float]] = {}


@signals.before_task_publish.connect(weak=False)
def _carry_request_id(sender=None, headers=None, **kwargs) -> None:
    rid = context.request_id.get()
    if rid and headers is not None and HEADER not in headers:
        headers[HEADER] = rid


def _request_id_of(task) -> str | None:
    request = task.request
    # Protocol 2 puts custom message headers on the request itself; an older
    # client (protocol 1) nests them under `headers`.
    rid = getattr(request, HEADER, None) or (getattr(request, "headers", None) or {}).get(HEADER)
    return context.valid_request_id(rid)


@signals.task_prerun.connect(weak=False)
def _task_started(sender=None, task_id=None, task=None, **kwargs) -> None:
    if task is None or task_id is None:
        return
    rid = _request_id_of(task) or context.request_id.get() or task_id
    tokens = (
        context.request_id.set(rid),
        context.task_name.set(task.name),
        context.task_id.set(task_id),
    )
    _running[task_id] = (tokens, time.perf_counter())
    from hiring.observability import errors

    errors.tag_request_id(rid)


@signals.task_postrun.connect(weak=False)
def _task_finished(sender=None, task_id=None, task=None, args=None, retval=None, state=None, **kwargs) -> None:
    started = _running.pop(task_id, None) if task_id is not None else None
    name = getattr(task, "name", None) or "<unknown>"
    try:
        _count(name=name, state=state or "UNKNOWN", args=args or (), retval=retval)
        if started is not None:
            from hiring.observability import metrics

            elapsed = time.perf_counter() - started[1]
            metrics.TASK_DURATION.labels(task=name).observe(elapsed)
            # One line per task, still inside its context: it carries the request id
            # (Celery's own "succeeded" line is written by the pool's parent, without it).
            # A beat sweep that went well is routine (every few seconds): DEBUG, so it does not
            # bury the request log; anything else, and every other task, at INFO. A sweep that a
            # request caused carries that request's id (not its own task id): not routine.
            routine = name in _routine_tasks() and context.request_id.get() == task_id
            level = logging.DEBUG if state == "SUCCESS" and routine else logging.INFO
            log.log(
                level,
                "%s %s %.1fms",
                name,
                state,
                elapsed * 1000,
                extra={"state": state, "duration_ms": round(elapsed * 1000, 1)},
            )
    except Exception:  # metrics must never fail a task
        log.warning("Could not record the metrics of task %s.", name, exc_info=True)
    finally:
        if started is not None:
            request_token, name_token, id_token = started[0]
            context.task_id.reset(id_token)
            context.task_name.reset(name_token)
            context.request_id.reset(request_token)


def _routine_tasks() -> set[str]:
    """The tasks beat runs on a schedule (settings.CELERY_BEAT_SCHEDULE)."""
    from django.conf import settings

    return {entry["task"] for entry in getattr(settings, "CELERY_BEAT_SCHEDULE", {}).values()}


def _count(*, name: str, state: str, args, retval) -> None:
    from hiring.observability import metrics

    metrics.TASKS.labels(task=name, state=state).inc()
    if state != "SUCCESS":
        return
    if name == "hiring.tasks.deliver_webhook" and isinstance(retval, str):
        metrics.WEBHOOK_DELIVERIES.labels(outcome=retval).inc()
    elif name == "hiring.tasks.send_due_reminders" and isinstance(retval, dict) and retval.get("ids"):
        _count_reminders(token=retval["token"], ids=retval["ids"])
    elif name == "hiring.tasks.send_reminders" and len(args) == 2:
        _count_reminders(token=args[0], ids=args[1])


def _count_reminders(*, token: str, ids: list[int]) -> None:
    """Reminders of this batch sent or failed, by kind: one query on the batch's
    primary keys, so the sending code needs to know nothing of metrics. Rows
    keep their claim token once finished, so a row sent by another claim is not
    counted here."""
    from django.db.models import Count

    from hiring.models import Reminder, ReminderStatus
    from hiring.observability import metrics

    rows = (
        Reminder.objects.filter(pk__in=ids, claim_token=token, status__in=[ReminderStatus.SENT, ReminderStatus.FAILED])
        .values("kind", "status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in rows:
        counter = metrics.REMINDERS_SENT if row["status"] == ReminderStatus.SENT else metrics.REMINDERS_FAILED
        counter.labels(kind=row["kind"]).inc(row["n"])


@signals.worker_init.connect(weak=False)
def _serve_worker_metrics(sender=None, **kwargs) -> None:
    from django.conf import settings

    port = getattr(settings, "HIRING_WORKER_METRICS_PORT", 0)
    if port:
        from hiring.observability import metrics

        metrics.start_worker_server(port)
