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
def my_action_lists(context) -> list:
    """The admin index's "needs my action" lists, a few rows each (hiring/admin/board.py)."""
    from hiring.admin.board import INDEX_ACTION_LIMIT, my_action

    request = context.get("request")
    if request is None or not request.user.is_authenticated or not request.user.has_perm("hiring.view_loop"):
        return []
    return my_action(request.user, limit=INDEX_ACTION_LIMIT)


@register.simple_tag(takes_context=True)
def may_view_insights(context) -> bool:
    """The admin index links the Insights page for recruiters and hiring managers."""
    from hiring import insights

    request = context.get("request")
    return request is not None and insights.may_view_insights(request.user)
