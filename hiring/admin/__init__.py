"""The recruiters' admin. One module per area; importing them registers the models."""

from hiring.admin import pipeline  # noqa: F401
