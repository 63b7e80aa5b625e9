"""Who someone is: single sign-on accounts.

Single sign-on may only *find* an account, never guess one: a person is matched
by the provider's stable subject once linked, and linked only by an email the
provider says it verified. An unknown email gets no account unless the
deployment allows it (OIDC_CREATE_USERS).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping, Sequence

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser, Group
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from hiring.models import Interviewer, SsoIdentity, language_codes
from hiring.rules import DomainError
from hiring.selectors import RECRUITERS_GROUP

logger = logging.getLogger(__name__)


class SsoRefused(Exception):
    """A sign-in the provider vouched for, which this site still refuses; `code` is stable."""

    MESSAGES = {
        "no_subject": _("The sign-in service did not say who you are."),
        "no_email": _("The sign-in service did not give an email address for your account."),
        "email_unverified": _(
            "The sign-in service has not verified your email address, so it cannot be matched to an account here."
        ),
        "unknown_email": _(
            "There is no Hiring Loop account for this email address. Ask a recruiter or an administrator "
            "to add you with this email, then sign in again."
        ),
        "ambiguous_email": _(
            "More than one Hiring Loop account has this email address, so none can be chosen. "
            "Ask an administrator to fix the accounts."
        ),
        "inactive": _("This Hiring Loop account is deactivated."),
        "already_linked": _(
            "This Hiring Loop account is already linked to another account at the sign-in service. "
            "Ask an administrator if that is wrong."
        ),
    }

    def __init__(self, code: str) -> None:
        self.code = code
        self.message = self.MESSAGES[code]
        super().__init__(f"{code}: {self.message}")


def _email_verified(claims: Mapping) -> bool:
    # The spec says boolean; some providers send the string "true".
    value = claims.get("email_verified")
    return value is True or (isinstance(value, str) and value.lower() == "true")


def _claimed_groups(claims: Mapping, claim: str) -> set[str]:
    value = claims.get(claim)
    if isinstance(value, str):
        return {value}
    if isinstance(value, list | tuple):
        return {str(item) for item in value}
    return set()


def _new_username(email: str) -> str:
    User = get_user_model()
    base = email.split("@", 1)[0][:140] or "user"
    candidate, n = base, 1
    while User.objects.filter(username__iexact=candidate).exists():
        n += 1
        candidate = f"{base}{n}"
    return candidate


@transaction.atomic
def sign_in_with_sso(
    *,
    issuer: str,
    claims: Mapping,
    now: dt.datetime,
    create_users: bool = False,
    groups_claim: str = "",
    recruiter_groups: Sequence[str] = (),
) -> AbstractUser:
    """The account for a provider's vouched-for claims (`sub`, `email`, `email_verified`, ...),
    linking it on first sign-in; raises SsoRefused with the reason otherwise."""
    subject = str(claims.get("sub") or "")
    if not subject:
        raise SsoRefused("no_subject")
    identity = (
        SsoIdentity.objects.select_for_update().select_related("user").filter(issuer=issuer, subject=subject).first()
    )
    if identity is not None:
        user = identity.user
        if not user.is_active:
            raise SsoRefused("inactive")
        identity.last_sign_in_at = now
        identity.save(update_fields=["last_sign_in_at"])
    else:
        user = _link_by_verified_email(issuer=issuer, subject=subject, claims=claims, now=now, create=create_users)
    if groups_claim and recruiter_groups:
        claimed = _claimed_groups(claims, groups_claim)
        _sync_recruiter_role(user=user, is_recruiter=bool(claimed & set(recruiter_groups)))
    return user


def _link_by_verified_email(*, issuer: str, subject: str, claims: Mapping, now: dt.datetime, create: bool):
    User = get_user_model()
    email = str(claims.get("email") or "").strip()
    if not email:
        raise SsoRefused("no_email")
    if not _email_verified(claims):
        raise SsoRefused("email_unverified")
    users = list(User.objects.filter(email__iexact=email).order_by("pk")[:2])
    if len(users) > 1:
        raise SsoRefused("ambiguous_email")
    if users:
        user = users[0]
        if not user.is_active:
            raise SsoRefused("inactive")
        if SsoIdentity.objects.filter(issuer=issuer, user=user).exists():
            # The account is someone else's subject at this provider: an email moved
            # between people there must not move the account here.
            raise SsoRefused("already_linked")
    elif create:
        user = User.objects.create_user(
            username=_new_username(email),
            email=email,
            first_name=str(claims.get("given_name") or "")[:150],
            last_name=str(claims.get("family_name") or "")[:150],
        )  # no password: this person signs in through the provider only
        logger.info("Single sign-on created user %s for a verified email at %s.", user.pk, issuer)
    else:
        raise SsoRefused("unknown_email")
    try:
        with transaction.atomic():
            SsoIdentity.objects.create(
                user=user, issuer=issuer, subject=subject, email=email, linked_at=now, last_sign_in_at=now
            )
    except IntegrityError:
        # Two first sign-ins at once: the other one linked it.
        raise SsoRefused("already_linked") from None
    logger.info("Single sign-on linked user %s to subject %s at %s.", user.pk, subject, issuer)
    return user


def _sync_recruiter_role(*, user, is_recruiter: bool) -> None:
    """The provider's groups decide who is a recruiter, both ways; staff status is only
    ever granted here (taking it away could lock out a hiring manager who uses the admin)."""
    group = Group.objects.get(name=RECRUITERS_GROUP)
    if is_recruiter:
        user.groups.add(group)
        if not user.is_staff:
            user.is_staff = True
            user.save(update_fields=["is_staff"])
    else:
        user.groups.remove(group)


def unlock_account(*, user) -> int:
    """Forgets the failed password sign-ins counted against this account (not against
    any address). Called when the owner proves control of the account's email by
    resetting the password, so a guesser cannot keep its owner locked out."""
    from axes.utils import reset

    return reset(username=user.get_username())


@transaction.atomic
def set_ui_language(*, user: AbstractUser, language: str) -> Interviewer:
    """The language of this person's pages, admin, API messages and emails (issue 10);
    "" follows the browser's Accept-Language again. A person sets only their own."""
    if language and language not in language_codes():
        raise DomainError(
            _("%(language)s is not a language the product speaks.") % {"language": language},
            field="language",
            code="unknown_language",
        )
    profile = Interviewer.objects.select_for_update().filter(user_id=user.pk).first()
    if profile is None:
        raise DomainError(_("This account has no profile to keep a language in."), code="no_profile")
    if profile.ui_language != language:
        profile.ui_language = language
        profile.save(update_fields=["ui_language"])
    return profile
