"""Single sign-on links in the admin: who is linked to which provider account.

Read-only: links are made by signing in (hiring/services/identity.py). Deleting
one (administrators only) lets the person link again on their next sign-in, e.g.
after their account at the provider was replaced."""

from __future__ import annotations

from django.contrib import admin

from hiring.models import SsoIdentity


@admin.register(SsoIdentity)
class SsoIdentityAdmin(admin.ModelAdmin):
    list_display = ["user", "email", "issuer", "subject", "linked_at", "last_sign_in_at"]
    list_select_related = ["user"]
    search_fields = ["user__username", "email", "subject"]
    readonly_fields = ["user", "issuer", "subject", "email", "linked_at", "last_sign_in_at"]
    ordering = ["-last_sign_in_at", "-id"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
