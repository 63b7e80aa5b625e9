"""What an operator sees (issue 8): structured logs with a request id that follows
a request into the Celery tasks it causes, health checks, Prometheus metrics and
error reports.

context.py   the request id (and task) of the work in hand, in context variables
logs.py      the LOGGING setting: plain or JSON lines, each with the request id
middleware.py  the request id on the way in and out, one log line per request
celery_hooks.py  Celery signals: the id into task headers and back out, task metrics
health.py    liveness and readiness checks (database, Redis, beat, the outbox backlog)
metrics.py   Prometheus metrics: counters in each process, outbox gauges read at scrape
errors.py    Sentry, when SENTRY_DSN is set

Nothing here changes state of the hiring domain; the one write is the sweep's
heartbeat row (Heartbeat), which says when beat last swept.
"""
