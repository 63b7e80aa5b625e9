"""Measure how many password and API-key guesses a running site actually checks.

    DATABASE_URL=... manage.py bench_guessing --url http://127.0.0.1:8000 --tries 200

Against a site already serving this DATABASE_URL (runserver or gunicorn), makes
(once) a staff user `guess-target` and posts --tries wrong passwords to the
interviewer login and to the admin login, and --tries unknown API keys to the
API, one after the other from one address, as an attacker's script would. Each
answer is sorted: *checked* (the password or key was tried: 200 with the form
error, or 401), *refused* (429: locked out, nothing tried), or other. Prints
the counts and the guesses checked per second. Clears django-axes' records of
the target and of 127.0.0.1 before each entry point, so each starts fresh.
"""

from __future__ import annotations

import http.cookiejar
import re
import secrets
import time
import urllib.error
import urllib.parse
import urllib.request

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError

TARGET = "guess-target"


class Command(BaseCommand):
    help = "Posts wrong passwords and unknown API keys to a running site; counts which were checked."

    def add_arguments(self, parser):
        parser.add_argument("--url", default="http://127.0.0.1:8000")
        parser.add_argument("--tries", type=int, default=200)

    def handle(self, *args, url: str, tries: int, **options):
        if not User.objects.filter(username=TARGET).exists():
            # Its real password is never guessed (nor needed): every guess is wrong.
            User.objects.create_user(
                TARGET, email="guess-target@example.com", password=secrets.token_urlsafe(), is_staff=True
            )
        if not url.startswith(("http://", "https://")):
            raise CommandError("--url must be an http:// or https:// address.")
        base = url.rstrip("/")
        for name, attempt in [
            ("interviewer login /accounts/login/", lambda n: self.form(base, "/accounts/login/", n)),
            ("admin login /admin/login/", lambda n: self.form(base, "/admin/login/", n)),
            ("API token /api/v1/departments/", lambda n: self.api(base, n)),
        ]:
            self.forget_attempts()
            counts = {"checked": 0, "refused": 0, "other": 0}
            started = time.monotonic()
            for n in range(tries):
                counts[attempt(n)] += 1
            elapsed = time.monotonic() - started
            self.stdout.write(
                f"{name}: {tries} guesses in {elapsed:.1f}s; checked {counts['checked']}, "
                f"refused {counts['refused']}, other {counts['other']}; "
                f"{counts['checked'] / elapsed:.1f} checked guesses/s"
            )
        self.forget_attempts()

    def forget_attempts(self) -> None:
        try:
            from axes.models import AccessAttempt
        except ImportError:  # the site before django-axes
            return
        AccessAttempt.objects.all().delete()

    def form(self, base: str, path: str, n: int) -> str:
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect())
        page = opener.open(base + path).read().decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        body = urllib.parse.urlencode(
            {"username": TARGET, "password": f"guess-{n}", "csrfmiddlewaretoken": token, "next": "/"}
        ).encode()
        request = urllib.request.Request(base + path, data=body, headers={"Referer": base + path})  # noqa: S310 - http(s) checked
        status, text = self.send(opener, request)
        if status == 429:
            return "refused"
        if status == 200 and ("Please enter a correct username" in text or "Please enter the correct username" in text):
            return "checked"
        return "other"

    def api(self, base: str, n: int) -> str:
        request = urllib.request.Request(  # noqa: S310 - http(s) checked in handle()
            base + "/api/v1/departments/", headers={"Authorization": f"Bearer hl_guess{n:06d}"}
        )
        status, _ = self.send(urllib.request.build_opener(NoRedirect()), request)
        return {401: "checked", 429: "refused"}.get(status, "other")

    @staticmethod
    def send(opener, request) -> tuple[int, str]:
        try:
            with opener.open(request, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(errors="replace")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None
