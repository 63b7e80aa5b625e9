"""Message templates for writing to candidates, with a text per language."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from hiring.models.common import language_choices

# --- talking to candidates (issue 12) ------------------------------------------------------


class MessageTemplate(models.Model):
    """A message recruiters send candidates, written once per language
    (MessageTemplateTranslation). Reference data, edited in the admin."""

    name = models.CharField(max_length=120, unique=True, verbose_name=_("name"))
    is_active = models.BooleanField(default=True, verbose_name=_("is active"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("message template")
        verbose_name_plural = _("message templates")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class MessageTemplateTranslation(models.Model):
    """A template's subject and body in one language. Placeholders such as
    {candidate_name} are filled by hiring/messaging.py with str.format_map over a
    fixed list: the text is never run as a Django template."""

    template = models.ForeignKey(
        MessageTemplate, on_delete=models.CASCADE, related_name="translations", verbose_name=_("template")
    )
    language = models.CharField(_("language"), max_length=10, choices=language_choices)
    subject = models.CharField(max_length=200, verbose_name=pgettext_lazy("email", "subject"))
    body = models.TextField(max_length=10000, verbose_name=_("body"))

    class Meta:
        verbose_name = _("message template translation")
        verbose_name_plural = _("message template translations")
        ordering = ["template", "language"]
        constraints = [
            models.UniqueConstraint(fields=["template", "language"], name="message_translation_once_per_language"),
        ]

    def __str__(self) -> str:
        return f"{self.template} ({self.language})"

    def clean(self) -> None:
        from hiring.messaging import check_text

        errors = {}
        for field in ("subject", "body"):
            try:
                check_text(getattr(self, field) or "", single_line=field == "subject")
            except ValidationError as exc:
                errors[field] = exc.messages
        if errors:
            raise ValidationError(errors)
