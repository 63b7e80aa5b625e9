"""Template helpers of the recruiters' admin."""

from __future__ import annotations

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def failure_summary(context) -> list[dict]:
    """The admin index's "needs attention" lines (hiring/admin/failures.py)."""
    from hiring.admin.failures import failure_summary as summary

    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return []
    return summary(request)


@register.simple_tag(takes_context=True)
def may_view_insights(context) -> bool:
    """The admin index links the Insights page for recruiters and hiring managers."""
    from hiring import insights

    request = context.get("request")
    return request is not None and insights.may_view_insights(request.user)
