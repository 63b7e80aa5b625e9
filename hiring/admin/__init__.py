"""The recruiters' admin. One module per area; importing them registers the models."""

from hiring.admin import (
    integrations,  # noqa: F401
    pipeline,  # noqa: F401
    reminders,  # noqa: F401
)
