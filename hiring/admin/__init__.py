"""The recruiters' admin. One module per area; importing them registers the models."""

from hiring.admin import pipeline  # noqa: F401
from hiring.admin import integrations  # noqa: F401
from hiring.admin import reminders  # noqa: F401
