"""Talking to candidates in the admin: message templates and rejection reasons
(reference data), writing to one candidate, writing to many loops at once, and the
candidate's timeline of emails.

The pages read a fixed number of rows whatever the selection (at most
messaging.BULK_LIMIT loops), and every send goes through hiring/services.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hiring import messaging, notifications, selectors, services
from hiring.admin.workflow import apply_errors
from hiring.models import (
    Candidate,
    Loop,
    MessageTemplate,
    MessageTemplateTranslation,
    RejectionReason,
    Reminder,
    ReminderKind,
    language_choices,
)
from hiring.rules import DomainError
from hiring.services.messages import recipients_for_loops, render_template_for, translations_of
from hiring.times import format_local

SEND_PERMISSION = "hiring.change_reminder"

# --- reference data ------------------------------------------------------------------


class TranslationFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        languages = [
            form.cleaned_data.get("language")
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        if messaging.FALLBACK_LANGUAGE not in languages:
            raise ValidationError(
                _("Write the English text too: it is sent to candidates whose language has none."),
                code="message_needs_english",
            )


class TranslationInline(admin.StackedInline):
    model = MessageTemplateTranslation
    formset = TranslationFormSet
    extra = 1
    fields = ["language", "subject", "body"]

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.form.base_fields["body"].help_text = _("Placeholders: %(list)s") % {
            "list": messaging.placeholder_help()
        }
        return formset


@admin.register(MessageTemplate)
class MessageTemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "is_active", "languages"]
    list_filter = ["is_active"]
    search_fields = ["name"]
    inlines = [TranslationInline]
    list_per_page = 100

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("translations")

    @admin.display(description=gettext_lazy("Languages"))
    def languages(self, template: MessageTemplate) -> str:
        return ", ".join(sorted(t.language for t in template.translations.all()))


@admin.register(RejectionReason)
class RejectionReasonAdmin(admin.ModelAdmin):
    list_display = ["label", "code", "is_active", "order"]
    list_editable = ["is_active", "order"]
    list_filter = ["is_active"]
    ordering = ["order", "label"]

    def has_delete_permission(self, request, obj=None):
        # Decisions point at their reason; a reason no longer offered is deactivated.
        return False


# --- writing to one candidate ----------------------------------------------------------------


def _template_choices():
    return MessageTemplate.objects.filter(is_active=True).order_by("name")


class CandidateMessageForm(forms.Form):
    loop = forms.ModelChoiceField(label=gettext_lazy("About the loop"), queryset=Loop.objects.none(), empty_label=None)
    template = forms.ModelChoiceField(
        label=gettext_lazy("Template"), queryset=MessageTemplate.objects.none(), required=False
    )
    language = forms.ChoiceField(label=gettext_lazy("Language"), choices=language_choices)
    subject = forms.CharField(label=gettext_lazy("Subject"), max_length=200, required=False)
    body = forms.CharField(
        label=gettext_lazy("Message"), widget=forms.Textarea(attrs={"rows": 10}), max_length=10000, required=False
    )

    def __init__(self, *args, candidate: Candidate, **kwargs):
        super().__init__(*args, **kwargs)
        # A candidate has a handful of loops; the newest first, bounded all the same.
        loops = Loop.objects.filter(candidate=candidate).select_related("position").order_by("-created_at", "-id")
        self.fields["loop"].queryset = loops
        self.fields["loop"].label_from_instance = lambda loop: f"{loop.position.title} · {loop.get_status_display()}"
        self.fields["template"].queryset = _template_choices()
        self.fields["body"].help_text = _("Placeholders: %(list)s") % {"list": messaging.placeholder_help()}

    def clean(self):
        data = super().clean()
        if self.data.get("do") == "load":
            if not data.get("template"):
                self.add_error("template", _("Pick a template to load."))
            return data
        for field, single in (("subject", True), ("body", False)):
            text = data.get(field) or ""
            if not text.strip():
                self.add_error(field, _("This field is required."))
                continue
            try:
                messaging.check_text(text, single_line=single)
            except ValidationError as exc:
                self.add_error(field, exc)
        return data


def _may_send(request: HttpRequest) -> None:
    if not request.user.has_perm(SEND_PERMISSION):
        raise PermissionDenied


def candidate_message_view(model_admin, request: HttpRequest, pk: int) -> HttpResponse:
    """Pick a template, edit, preview, send: three buttons of one form, no script needed."""
    _may_send(request)
    candidate = get_object_or_404(Candidate, pk=pk)
    back = reverse("admin:hiring_candidate_change", args=[pk])
    if candidate.erased_at is not None:
        model_admin.message_user(request, _("This candidate's personal data was erased."), messages.ERROR)
        return HttpResponseRedirect(back)
    action = request.POST.get("do", "")
    initial = {"language": candidate.preferred_language}
    form = CandidateMessageForm(request.POST or None, candidate=candidate, initial=initial)
    preview = None
    note = ""
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        recipient = recipients_for_loops([data["loop"].pk])[0]
        if action == "load":
            translations = translations_of(data["template"])
            picked = messaging.pick_translation(translations, candidate.preferred_language)
            if picked is None:
                form.add_error("template", _("This template has no English text to fall back on."))
            else:
                language, subject, body = picked
                fresh = {**form.data.dict(), "language": language, "subject": subject, "body": body}
                form = CandidateMessageForm(fresh, candidate=candidate)
                form.is_valid()
                note = _fallback_note(language, candidate.preferred_language, data["template"])
        elif action == "send":
            try:
                services.send_message(
                    loop=data["loop"],
                    subject=data["subject"],
                    body=data["body"],
                    language=data["language"],
                    template=data["template"],
                    by=request.user,
                )
            except (DomainError, ValidationError) as exc:
                apply_errors(form, exc)
            else:
                model_admin.message_user(
                    request, _("The message to %(name)s is on its way.") % {"name": candidate}, messages.SUCCESS
                )
                return HttpResponseRedirect(back)
        else:
            preview = messaging.render(data["subject"], data["body"], recipient=recipient, language=data["language"])
            note = _fallback_note(data["language"], candidate.preferred_language, data["template"])
    context = {
        **model_admin.admin_site.each_context(request),
        "title": _("Write to %(name)s") % {"name": candidate},
        "form": form,
        "preview": preview,
        "note": note,
        "candidate": candidate,
        "opts": model_admin.model._meta,
        "back": back,
        "media": model_admin.media + form.media,
    }
    return TemplateResponse(request, "admin/hiring/message_candidate.html", context)


def _fallback_note(language: str, wanted: str, template: MessageTemplate | None) -> str:
    if language == wanted:
        return ""
    if template is not None:
        return _("“%(template)s” has no %(wanted)s text; this message is in %(language)s.") % {
            "template": template,
            "wanted": messaging.language_name(wanted),
            "language": messaging.language_name(language),
        }
    return _("The candidate reads %(wanted)s; this message is in %(language)s.") % {
        "wanted": messaging.language_name(wanted),
        "language": messaging.language_name(language),
    }


# --- writing to many loops ------------------------------------------------------------------

PREVIEW_COUNT = 5


class LoopsMessageForm(forms.Form):
    template = forms.ModelChoiceField(label=gettext_lazy("Template"), queryset=MessageTemplate.objects.none())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template"].queryset = _template_choices()


def _loop_ids(request: HttpRequest) -> tuple[list[int], str]:
    raw = request.GET.getlist("loop")
    if any(not value.isdigit() or len(value) > 18 for value in raw):
        return [], _("A loop in the address is not a number.")
    ids = sorted({int(value) for value in raw})
    if len(ids) > messaging.BULK_LIMIT:
        return [], _("At most %(limit)s loops at once; narrow the selection.") % {"limit": messaging.BULK_LIMIT}
    if not ids:
        return [], _("No loop picked: select loops in the list, or open this page from a board column.")
    return ids, ""


def loops_message_view(model_admin, request: HttpRequest) -> HttpResponse:
    """The same template to the candidates of many loops (?loop=1&loop=2...), each in their language."""
    _may_send(request)
    back = reverse("admin:hiring_loop_changelist")
    ids, problem = _loop_ids(request)
    form = LoopsMessageForm(request.POST or None)
    recipients = recipients_for_loops(ids) if ids else []
    reachable = [r for r in recipients if r.email]
    previews = []
    if request.method == "POST" and not problem and form.is_valid():
        template = form.cleaned_data["template"]
        if request.POST.get("do") == "send":
            try:
                sent = services.send_template_to_loops(loop_ids=ids, template=template, by=request.user)
            except (DomainError, ValidationError) as exc:
                apply_errors(form, exc)
            else:
                model_admin.message_user(
                    request, _("%(count)s messages are on their way.") % {"count": len(sent)}, messages.SUCCESS
                )
                return HttpResponseRedirect(back)
        else:
            translations = translations_of(template)
            try:
                for recipient in reachable[:PREVIEW_COUNT]:
                    rendered = render_template_for(template, recipient, translations)
                    note = _fallback_note(rendered.language, recipient.language, template) if rendered.fell_back else ""
                    previews.append((recipient, rendered, note))
            except ValidationError as exc:
                apply_errors(form, exc)
    context = {
        **model_admin.admin_site.each_context(request),
        "title": _("Write to the candidates of %(count)s loops") % {"count": len(ids)},
        "form": form,
        "problem": problem,
        "recipients": recipients[:PREVIEW_COUNT],
        "count": len(recipients),
        "reachable": len(reachable),
        "skipped": len(recipients) - len(reachable),
        "previews": previews,
        "query": urlencode([("loop", pk) for pk in ids]),
        "limit": messaging.BULK_LIMIT,
        "opts": model_admin.model._meta,
        "back": back,
        "media": model_admin.media + form.media,
    }
    return TemplateResponse(request, "admin/hiring/message_loops.html", context)


def message_loops_action(model_admin, request, queryset):
    """The loop list's action: the selected loops (at most BULK_LIMIT) to the compose page."""
    ids = list(queryset.order_by().values_list("pk", flat=True)[: messaging.BULK_LIMIT + 1])
    if len(ids) > messaging.BULK_LIMIT:
        model_admin.message_user(
            request,
            _("At most %(limit)s loops at once; narrow the selection.") % {"limit": messaging.BULK_LIMIT},
            messages.WARNING,
        )
        return None
    url = reverse("admin:hiring_message_loops") + "?" + urlencode([("loop", pk) for pk in ids])
    return HttpResponseRedirect(url)


message_loops_action.short_description = gettext_lazy("Write to the candidates of the selected loops")


# --- the candidate's timeline -------------------------------------------------------------------


def _subject(reminder: Reminder) -> str:
    try:
        return notifications.render(reminder)[0]
    except Exception:  # an old row whose payload no template reads any more: shown, not fatal
        return reminder.get_kind_display()


def email_timeline(candidate: Candidate) -> str:
    """Every email the candidate was sent or will be, newest first (one query, bounded)."""
    zone = timezone.get_current_timezone_name()
    rows = []
    for reminder in selectors.candidate_emails(candidate.pk):
        when = reminder.sent_at or reminder.due_at
        rows.append(
            {
                "when": format_local(when, zone),
                "written": reminder.kind == ReminderKind.MESSAGE,
                "kind": reminder.get_kind_display(),
                "by": reminder.payload.get("sent_by", ""),
                "subject": _subject(reminder),
                "status": reminder.get_status_display(),
                "status_code": reminder.status,
                "error": reminder.last_error,
                "language": reminder.payload.get("language", ""),
            }
        )
    return render_to_string(
        "admin/hiring/candidate_emails.html",
        {
            "rows": rows,
            "limit": selectors.TIMELINE_LIMIT,
            "candidate": candidate,
            "compose": reverse("admin:hiring_candidate_message", args=[candidate.pk])
            if candidate.erased_at is None
            else "",
        },
    )
