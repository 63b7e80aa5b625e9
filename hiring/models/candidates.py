"""Candidates and where their résumés are kept."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from hiring.models.common import TimeZoneField, language_choices
from hiring.validators import validate_email_text, validate_person_name


def resume_storage():
    """The named storage résumés are kept in (settings.STORAGES["resumes"]): a private
    local folder by default, S3-compatible storage by setting. Never served by URL.

    Code reads and writes files through this function, not through the field's own
    storage (which Django resolves once, when the model class is made)."""
    from django.core.files.storage import storages

    return storages["resumes"]


class Candidate(models.Model):
    full_name = models.CharField(max_length=200, validators=[validate_person_name], verbose_name=_("full name"))
    email = models.EmailField(max_length=254, validators=[validate_email_text], verbose_name=_("email"))
    time_zone = TimeZoneField(verbose_name=_("time zone"))
    preferred_language = models.CharField(
        max_length=10, choices=language_choices, default="en", verbose_name=_("preferred language")
    )
    source = models.CharField(
        max_length=100, blank=True, help_text=_("Referral, careers site, agency ..."), verbose_name=_("source")
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, db_index=True, verbose_name=_("updated at"))
    # Set once when services.erase_candidate anonymised the record (on request or at the
    # end of the retention period); the row stays so the loops' anonymous facts still count.
    erased_at = models.DateTimeField(null=True, blank=True, editable=False, verbose_name=_("erased at"))
    # Materials (hiring/services/materials.py writes them). Phone and notes are the
    # recruiters' own; the links and the résumé are shown to the candidate's panel.
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    linkedin_url = models.URLField(_("LinkedIn"), max_length=500, blank=True)
    portfolio_url = models.URLField(_("portfolio"), max_length=500, blank=True)
    recruiter_notes = models.TextField(_("recruiter notes"), blank=True)
    # Stored under a random name; what the candidate called it is kept beside it.
    resume = models.FileField(_("résumé"), storage=resume_storage, max_length=200, blank=True, editable=False)
    resume_name = models.CharField(_("résumé file name"), max_length=255, blank=True, editable=False)
    resume_content_type = models.CharField(
        max_length=100, blank=True, editable=False, verbose_name=_("résumé content type")
    )
    resume_size = models.PositiveIntegerField(null=True, blank=True, editable=False, verbose_name=_("résumé size"))
    resume_uploaded_at = models.DateTimeField(
        null=True, blank=True, editable=False, verbose_name=_("résumé uploaded at")
    )

    class Meta:
        verbose_name = _("candidate")
        verbose_name_plural = _("candidates")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="candidate_email_unique"),
        ]
        # The admin list's order (newest first, then id): without it every page sorts the table.
        indexes = [
            models.Index(fields=["full_name"]),  # sorting by name
            models.Index(fields=["created_at", "id"], name="candidate_created_idx"),
            # The retention sweep walks the oldest candidates not yet erased; erased rows pile
            # up at the old end, so the index leaves them out rather than step over them.
            models.Index(
                fields=["created_at", "id"], condition=Q(erased_at__isnull=True), name="candidate_retention_idx"
            ),
        ]
        permissions = [
            ("erase_candidate", "Can erase a candidate's personal data"),
            ("export_candidate", "Can export a candidate's personal data"),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)
