"""Candidates: creating and updating the person being hired."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from hiring.models import (
    Candidate,
    EventKind,
)
from hiring.rules import DomainError
from hiring.services.common import User, _require_perm, record_event

# --- candidates ---------------------------------------------------------------


def _clean_candidate(candidate: Candidate) -> None:
    """full_clean(), with the case-insensitive unique email reported on the email
    field (Django reports an expression constraint as a non-field error)."""
    try:
        candidate.full_clean()
    except ValidationError as exc:
        errors = exc.message_dict
        taken = [m for m in errors.get("__all__", []) if "candidate_email_unique" in m]
        if not taken:
            raise
        rest = [m for m in errors.pop("__all__") if m not in taken]
        if rest:
            errors["__all__"] = rest
        errors.setdefault("email", []).append("A candidate with this email already exists.")
        raise ValidationError(errors) from None


def create_candidate(
    *,
    full_name: str,
    email: str,
    time_zone: str,
    preferred_language: str = "en",
    source: str = "",
    by: User | None,
) -> Candidate:
    _require_perm(by, "hiring.add_candidate", _("Only recruiters can add candidates."))
    candidate = Candidate(
        full_name=(full_name or "").strip(),
        email=(email or "").strip(),
        time_zone=time_zone,
        preferred_language=preferred_language,
        source=(source or "").strip(),
    )
    _clean_candidate(candidate)
    try:
        with transaction.atomic():
            candidate.save()
            record_event(kind=EventKind.CANDIDATE_CREATED, actor=by, candidate=candidate)
    except IntegrityError:
        # Two requests raced past full_clean() with the same address.
        raise ValidationError({"email": "A candidate with this email already exists."}) from None
    return candidate


@transaction.atomic
def update_candidate(*, candidate: Candidate, by: User | None, **fields: object) -> Candidate:
    _require_perm(by, "hiring.change_candidate", _("Only recruiters can change candidates."))
    allowed = {"full_name", "email", "time_zone", "preferred_language", "source"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValidationError({name: "This field cannot be changed." for name in unknown})
    candidate = Candidate.objects.select_for_update().get(pk=candidate.pk)
    if candidate.erased_at is not None:
        raise DomainError(_("This candidate's personal data was erased; the record can no longer change."))
    changed = {}
    for name, value in fields.items():
        if getattr(candidate, name) != value:
            changed[name] = [getattr(candidate, name), value]
            setattr(candidate, name, value)
    if not changed:
        return candidate
    _clean_candidate(candidate)
    candidate.save()
    record_event(kind=EventKind.CANDIDATE_UPDATED, actor=by, candidate=candidate, data={"changed": changed})
    return candidate
