"""Every state change of the hiring domain.

The admin, the web pages, the REST API and the Celery tasks all call these
functions, so a rule holds everywhere or nowhere. Each function is atomic;
those that change a loop lock its row first (SELECT ... FOR UPDATE on
PostgreSQL; SQLite serialises writers with BEGIN IMMEDIATE), so two changes to
one loop, such as a veto and a hire, run one after the other and the second
sees what the first did.

One module per domain (common, candidates, loops, rounds, scorecards,
decisions, integrations, reminders, privacy, materials); callers import the package and call
decisions, integrations, reminders, messages, privacy); callers import the package and call
`services.<function>`, so the re-exports below are the public surface.

Invalid input raises django.core.exceptions.ValidationError (a 400 with the
field); a change the rules forbid raises rules.DomainError (a 409).
"""

from hiring.services.availability import (
    FeedBlock,
    HoursSpec,
    add_busy_block,
    add_time_off,
    record_feed_failure,
    remove_busy_block,
    remove_pool,
    remove_time_off,
    replace_feed_blocks,
    set_calendar_feed,
    set_load_limits,
    set_pool,
    set_weekly_hours,
)
from hiring.services.candidates import create_candidate, update_candidate
from hiring.services.common import (
    NOT_YET_HELD,
    SCHEDULE_FUTURE_LIMIT,
    SCHEDULE_PAST_LIMIT,
    User,
    feedback_allowance,
    record_event,
)
from hiring.services.decisions import decide, withdraw
from hiring.services.insights import mark_all_insights, mark_stale_targets, refresh_insights
from hiring.services.integrations import (
    API_KEY_PREFIX,
    API_SCOPES,
    API_TOKEN_DEFAULT_LIFETIME,
    API_TOKEN_MAX_LIFETIME,
    create_api_token,
    create_webhook_subscription,
    deactivate_webhook_subscription,
    hash_api_key,
    note_api_token_use,
    retry_webhook_delivery,
    revoke_api_token,
)
from hiring.services.loops import RoundSpec, create_loop_plan, start_loop, validate_plan_for_position
from hiring.services.materials import remove_resume, update_materials, upload_resume
from hiring.services.messages import send_candidate_message, send_message, send_template_to_loops
from hiring.services.privacy import (
    ERASED,
    candidates_due_for_erasure,
    deactivate_person,
    erase_candidate,
    erase_expired_candidates,
    export_candidate,
    person_history,
)
from hiring.services.reminders import resend_reminder
from hiring.services.rounds import (
    add_round,
    cancel_round,
    mark_no_show,
    mark_round_held,
    reschedule_round,
    schedule_round,
)
from hiring.services.scheduling import (
    book_proposal,
    propose_schedule,
    request_availability,
    submit_availability,
)
from hiring.services.scorecards import amend_scorecard, save_scorecard_draft, submit_scorecard

__all__ = [
    "API_KEY_PREFIX",
    "API_SCOPES",
    "API_TOKEN_DEFAULT_LIFETIME",
    "API_TOKEN_MAX_LIFETIME",
    "ERASED",
    "NOT_YET_HELD",
    "SCHEDULE_FUTURE_LIMIT",
    "SCHEDULE_PAST_LIMIT",
    "FeedBlock",
    "HoursSpec",
    "RoundSpec",
    "User",
    "add_busy_block",
    "add_round",
    "add_time_off",
    "amend_scorecard",
    "book_proposal",
    "cancel_round",
    "candidates_due_for_erasure",
    "create_api_token",
    "create_candidate",
    "create_loop_plan",
    "create_webhook_subscription",
    "deactivate_person",
    "deactivate_webhook_subscription",
    "decide",
    "erase_candidate",
    "erase_expired_candidates",
    "export_candidate",
    "feedback_allowance",
    "hash_api_key",
    "mark_all_insights",
    "mark_no_show",
    "mark_round_held",
    "mark_stale_targets",
    "note_api_token_use",
    "person_history",
    "propose_schedule",
    "record_event",
    "record_feed_failure",
    "refresh_insights",
    "remove_busy_block",
    "remove_pool",
    "remove_resume",
    "remove_time_off",
    "replace_feed_blocks",
    "request_availability",
    "reschedule_round",
    "resend_reminder",
    "retry_webhook_delivery",
    "revoke_api_token",
    "save_scorecard_draft",
    "schedule_round",
    "send_candidate_message",
    "send_message",
    "send_template_to_loops",
    "set_calendar_feed",
    "set_load_limits",
    "set_pool",
    "set_weekly_hours",
    "start_loop",
    "submit_availability",
    "submit_scorecard",
    "update_candidate",
    "update_materials",
    "upload_resume",
    "validate_plan_for_position",
    "withdraw",
]
