"""Candidate privacy in the admin: erase (with a confirmation), export (a JSON download),
and people who leave (deactivated, never deleted away with their history).

Each is a mixin the model admins in pipeline.py and reference.py take on, so
those modules change by a base class and an action name; the views call
hiring/services/privacy.py.
"""

from __future__ import annotations

import json

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from hiring import services
from hiring.models import OPEN_LOOP_STATUSES, Candidate
from hiring.rules import DomainError

# --- candidates: erase and export --------------------------------------------------------


class CandidatePrivacyMixin:
    """Erase (action and per-candidate page) and export (download) on the candidate admin."""

    def get_urls(self):
        prefix = f"{self.opts.app_label}_{self.opts.model_name}"
        wrap = self.admin_site.admin_view
        return [
            path("<path:object_id>/export/", wrap(self.export_view), name=f"{prefix}_export"),
            path("<path:object_id>/erase/", wrap(self.erase_view), name=f"{prefix}_erase"),
            *super().get_urls(),
        ]

    def has_change_permission(self, request, obj=None):
        # An erased record is read-only: nothing about the person may come back into it.
        if obj is not None and obj.erased_at is not None:
            return False
        return super().has_change_permission(request, obj)

    def has_erase_permission(self, request) -> bool:
        return request.user.has_perm("hiring.erase_candidate")

    def has_export_permission(self, request) -> bool:
        return request.user.has_perm("hiring.export_candidate")

    def _candidate(self, request, object_id) -> Candidate:
        candidate = self.get_object(request, unquote(object_id))
        if candidate is None:
            raise Http404(_("No such candidate."))
        return candidate

    def export_view(self, request, object_id):
        if not self.has_export_permission(request):
            raise PermissionDenied
        candidate = self._candidate(request, object_id)
        document = services.export_candidate(candidate=candidate, by=request.user)
        response = HttpResponse(
            json.dumps(document, indent=2, ensure_ascii=False), content_type="application/json; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="candidate-{candidate.pk}.json"'
        # Personal data: not to be kept by any cache on the way.
        response["Cache-Control"] = "no-store"
        return response

    def erase_view(self, request, object_id):
        if not self.has_erase_permission(request):
            raise PermissionDenied
        candidate = self._candidate(request, object_id)
        queryset = self.model.objects.filter(pk=candidate.pk)
        response = erase_confirmation(self, request, queryset)
        if response is None:
            return HttpResponseRedirect(reverse("admin:hiring_candidate_change", args=[candidate.pk]))
        return response

    @admin.action(description=gettext_lazy("Erase the selected candidates' personal data"), permissions=["erase"])
    def erase_selected(self, request, queryset):
        return erase_confirmation(self, request, queryset)

    @admin.action(description=gettext_lazy("Export the selected candidate's data (JSON)"), permissions=["export"])
    def export_selected(self, request, queryset):
        candidates = list(queryset.values_list("pk", flat=True)[:2])
        if len(candidates) != 1:
            self.message_user(request, _("Select exactly one candidate to export."), messages.WARNING)
            return None
        return HttpResponseRedirect(reverse("admin:hiring_candidate_export", args=[candidates[0]]))


def erase_confirmation(model_admin, request, queryset):
    """Ask first; on "confirm", erase each candidate (force withdraws open loops when ticked).

    Returns None when done (the caller goes back to where it came from), else the page.
    """
    if request.method == "POST" and request.POST.get("confirm") == "erase":
        force = request.POST.get("force") == "on"
        done, refused = 0, []
        for candidate in queryset.order_by("pk"):
            label = str(candidate)
            try:
                services.erase_candidate(candidate=candidate, by=request.user, force=force)
                done += 1
            except DomainError as exc:
                refused.append(f"{label}: {exc.message}")
        model_admin.message_user(
            request,
            ngettext("Erased %(count)d candidate's personal data.", "Erased %(count)d candidates' personal data.", done)
            % {"count": done},
            messages.SUCCESS,
        )
        for line in refused:
            model_admin.message_user(request, line, messages.ERROR)
        return None
    candidates = list(queryset.order_by("pk")[:500])
    open_ids = set(queryset.filter(loops__status__in=OPEN_LOOP_STATUSES).values_list("pk", flat=True).distinct()[:500])
    context = {
        **model_admin.admin_site.each_context(request),
        "title": _("Erase candidates' personal data"),
        "candidates": [(c, c.pk in open_ids) for c in candidates],
        "any_open": bool(open_ids),
        "action": request.POST.get("action", ""),
        "opts": model_admin.model._meta,
        "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
    }
    return TemplateResponse(request, "admin/hiring/erase_confirm.html", context)


# --- people who leave: deactivate, never delete away their history ----------------------------


class DeactivateInsteadOfDeleteMixin:
    """On the user and interviewer admins: someone with history (rounds, scorecards,
    decisions, positions, events) is deactivated, not deleted. Their delete page
    says so and offers deactivation, instead of Django's page that blames a missing
    permission on rounds, or a protected-row error."""

    def person_of(self, obj):
        return getattr(obj, "user", obj)

    def has_deactivate_permission(self, request) -> bool:
        return request.user.has_perm("hiring.change_interviewer")

    def delete_view(self, request, object_id, extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            return super().delete_view(request, object_id, extra_context)
        person = self.person_of(obj)
        history = services.person_history(person)
        if not history.any:
            return super().delete_view(request, object_id, extra_context)
        if not (self.has_delete_permission(request, obj) or self.has_deactivate_permission(request)):
            raise PermissionDenied
        if request.method == "POST" and request.POST.get("deactivate") == "yes":
            self._deactivate(request, [person])
            return HttpResponseRedirect(reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "title": _("%(name)s cannot be deleted") % {"name": person.get_full_name() or person.get_username()},
            "person": person,
            "history": history,
            "can_deactivate": self.has_deactivate_permission(request),
            "opts": self.opts,
            "object": obj,
        }
        return TemplateResponse(request, "admin/hiring/deactivate_instead.html", context)

    def _deactivate(self, request, people) -> None:
        for person in people:
            name = person.get_full_name() or person.get_username()
            try:
                result = services.deactivate_person(user=person, by=request.user)
            except DomainError as exc:
                self.message_user(
                    request, _("%(name)s: %(message)s") % {"name": name, "message": exc.message}, messages.ERROR
                )
                continue
            if result.already_inactive:
                self.message_user(request, _("%(name)s was already inactive.") % {"name": name}, messages.INFO)
            else:
                self.message_user(
                    request,
                    _("%(name)s is deactivated: they can no longer sign in or be booked; their history stays.")
                    % {"name": name},
                    messages.SUCCESS,
                )
            if result.upcoming_rounds:
                self.message_user(
                    request,
                    ngettext(
                        "%(name)s is still booked on %(count)d upcoming round: reschedule it with someone else.",
                        "%(name)s is still booked on %(count)d upcoming rounds: reschedule them with someone else.",
                        len(result.upcoming_rounds),
                    )
                    % {"name": name, "count": len(result.upcoming_rounds)},
                    messages.WARNING,
                )

    def get_actions(self, request):
        actions = super().get_actions(request)
        if "delete_selected" in actions:
            _func, name, description = actions["delete_selected"]
            actions["delete_selected"] = (self._delete_selected_unless_history, name, description)
        return actions

    @staticmethod
    def _delete_selected_unless_history(model_admin, request, queryset):
        """Django's bulk delete, unless someone selected has history: then say so."""
        kept = [
            model_admin.person_of(obj) for obj in queryset if services.person_history(model_admin.person_of(obj)).any
        ]
        if kept:
            names = ", ".join(p.get_full_name() or p.get_username() for p in kept[:10])
            model_admin.message_user(
                request,
                _(
                    "Not deleted: %(names)s have interviews, scorecards or decisions on record. "
                    "Deactivate them instead (the “Deactivate” action): the history stays."
                )
                % {"names": names},
                messages.ERROR,
            )
            return None
        return admin.actions.delete_selected(model_admin, request, queryset)

    @admin.action(description=gettext_lazy("Deactivate the selected people (they left)"), permissions=["deactivate"])
    def deactivate_selected(self, request, queryset):
        self._deactivate(request, [self.person_of(obj) for obj in queryset])
