"""Candidate materials: the résumé, links, phone and the recruiters' notes.

A résumé is taken only as what its bytes are, never what its name or the
browser's Content-Type claims: a PDF starts with "%PDF-", a DOCX is a zip
holding word/document.xml. It is stored through the "resumes" storage (a
private local folder, or S3-compatible storage by setting) under a random
name; the name the candidate gave it is kept as metadata for the download.

A refused file changes nothing. A replaced or removed file is deleted from the
storage only once the database change has committed, and a file written for a
change that then failed is deleted again, so the storage and the rows agree.
"""

from __future__ import annotations

import os
import secrets
import unicodedata
import zipfile
from typing import IO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hiring.models import Candidate, EventKind, resume_storage
from hiring.rules import DomainError
from hiring.services.common import User, _require_perm, record_event

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
EXTENSIONS = {PDF: ".pdf", DOCX: ".docx"}
MATERIAL_FIELDS = ("phone", "linkedin_url", "portfolio_url", "recruiter_notes")
PHONE_CHARACTERS = set("0123456789+-() ./")
NOTES_MAX = 20_000
NAME_MAX = 255


# The candidate's fields that describe the stored résumé (written together, cleared together).
RESUME_FIELDS = ["resume", "resume_name", "resume_content_type", "resume_size", "resume_uploaded_at"]


def max_resume_bytes() -> int:
    return getattr(settings, "HIRING_RESUME_MAX_BYTES", 10 * 1024 * 1024)


def sniff_resume(stream: IO[bytes]) -> str | None:
    """The résumé type the bytes are (PDF or DOCX), or None. Leaves the stream at its start."""
    stream.seek(0)
    head = stream.read(8)
    stream.seek(0)
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"PK\x03\x04"):
        try:
            # Only the central directory is read: nothing is decompressed.
            with zipfile.ZipFile(stream) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, OSError, ValueError, EOFError):
            return None
        finally:
            stream.seek(0)
        if "word/document.xml" in names and "[Content_Types].xml" in names:
            return DOCX
    return None


def _clean_original_name(name: str, content_type: str) -> str:
    """What the candidate called the file, safe to put in a header: no path, no control characters."""
    base = os.path.basename((name or "").replace("\\", "/"))
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C").strip()
    stem, _ext = os.path.splitext(base)
    stem = stem[: NAME_MAX - 10] or "resume"
    # The extension follows the content, so a download opens in the right program.
    return stem + EXTENSIONS[content_type]


def check_resume(upload: File) -> str:
    size = upload.size
    limit = max_resume_bytes()
    if size is None or size <= 0:
        raise ValidationError({"resume": _("The file is empty.")}, code="resume_empty")
    if size > limit:
        raise ValidationError(
            {
                "resume": _("The file is %(size)s bytes; a résumé may be at most %(limit)s bytes.")
                % {"size": size, "limit": limit}
            },
            code="resume_too_large",
        )
    content_type = sniff_resume(upload)
    if content_type is None:
        raise ValidationError(
            {"resume": _("A résumé must be a PDF or a Word (.docx) document; this file is neither.")},
            code="resume_type",
        )
    return content_type


def _require_not_erased(candidate: Candidate) -> None:
    if candidate.erased_at is not None:
        raise DomainError(_("This candidate's personal data was erased; the record can no longer change."))


def _delete_on_commit(name: str) -> None:
    if name:
        transaction.on_commit(lambda: resume_storage().delete(name))


def upload_resume(*, candidate: Candidate, upload: File, by: User | None) -> Candidate:
    """Keep a candidate's résumé (replacing any earlier one). Refused with a ValidationError
    on the `resume` field for a file that is empty, too large, or not a PDF or DOCX by content."""
    _require_perm(by, "hiring.change_candidate", _("Only recruiters can change candidates."))
    content_type = check_resume(upload)
    original = _clean_original_name(getattr(upload, "name", "") or "", content_type)
    storage = resume_storage()
    stored = storage.save(f"{secrets.token_hex(16)}{EXTENSIONS[content_type]}", upload)
    try:
        with transaction.atomic():
            locked = Candidate.objects.select_for_update().get(pk=candidate.pk)
            _require_not_erased(locked)
            previous = locked.resume.name if locked.resume else ""
            locked.resume.name = stored
            locked.resume_name = original
            locked.resume_content_type = content_type
            locked.resume_size = upload.size
            locked.resume_uploaded_at = timezone.now()
            locked.save(update_fields=[*RESUME_FIELDS, "updated_at"])
            record_event(
                kind=EventKind.CANDIDATE_UPDATED,
                actor=by,
                candidate=locked,
                data={"changed_fields": ["resume"]},
            )
            _delete_on_commit(previous)
    except BaseException:
        storage.delete(stored)
        raise
    return locked


@transaction.atomic
def remove_resume(*, candidate: Candidate, by: User | None) -> Candidate:
    _require_perm(by, "hiring.change_candidate", _("Only recruiters can change candidates."))
    locked = Candidate.objects.select_for_update().get(pk=candidate.pk)
    _require_not_erased(locked)
    if not locked.resume:
        return locked
    _delete_on_commit(locked.resume.name)
    clear_resume_fields(locked)
    locked.save(update_fields=[*RESUME_FIELDS, "updated_at"])
    record_event(kind=EventKind.CANDIDATE_UPDATED, actor=by, candidate=locked, data={"changed_fields": ["resume"]})
    return locked


def clear_resume_fields(candidate: Candidate) -> None:
    candidate.resume.name = ""
    candidate.resume_name = ""
    candidate.resume_content_type = ""
    candidate.resume_size = None
    candidate.resume_uploaded_at = None


def clean_materials(fields: dict[str, str]) -> dict[str, str]:
    errors: dict[str, str] = {}
    cleaned: dict[str, str] = {}
    url = URLValidator(schemes=["http", "https"])
    for name, value in fields.items():
        if not isinstance(value, str):
            errors[name] = _("Expected text.")
            continue
        value = value if name == "recruiter_notes" else value.strip()
        if "\x00" in value:
            errors[name] = _("Null characters are not allowed.")
            continue
        if name == "phone":
            if len(value) > 40 or any(ch not in PHONE_CHARACTERS for ch in value):
                errors[name] = _("A phone number holds digits, spaces and + - ( ) . / only, at most 40.")
                continue
        elif name in {"linkedin_url", "portfolio_url"} and value:
            if len(value) > 500:
                errors[name] = _("At most 500 characters.")
                continue
            try:
                url(value)
            except ValidationError:
                errors[name] = _("Enter a full web address starting with https:// or http://.")
                continue
        elif name == "recruiter_notes" and len(value) > NOTES_MAX:
            errors[name] = _("At most %(max)s characters.") % {"max": NOTES_MAX}
            continue
        cleaned[name] = value
    if errors:
        raise ValidationError(errors)
    return cleaned


@transaction.atomic
def update_materials(*, candidate: Candidate, by: User | None, **fields: str) -> Candidate:
    """Change a candidate's phone, links or recruiter notes. Events record which of them
    changed, never the values: notes are the recruiters' and webhooks carry events."""
    _require_perm(by, "hiring.change_candidate", _("Only recruiters can change candidates."))
    unknown = set(fields) - set(MATERIAL_FIELDS)
    if unknown:
        raise ValidationError({name: _("This field cannot be changed.") for name in unknown})
    cleaned = clean_materials(fields)
    locked = Candidate.objects.select_for_update().get(pk=candidate.pk)
    changed = sorted(name for name, value in cleaned.items() if getattr(locked, name) != value)
    if not changed:
        return locked
    _require_not_erased(locked)
    for name in changed:
        setattr(locked, name, cleaned[name])
    locked.save(update_fields=[*changed, "updated_at"])
    record_event(kind=EventKind.CANDIDATE_UPDATED, actor=by, candidate=locked, data={"changed_fields": changed})
    return locked
