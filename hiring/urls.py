from django.contrib.auth import views as auth_views
from django.urls import path, register_converter

from hiring import candidate_views, views, web_availability


class IdConverter:
    """A database id: digits that fit a bigint, so an absurd id is a 404, not a database error."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


register_converter(IdConverter, "id")

urlpatterns = [
    path("", views.home, name="home"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(template_name="hiring/login.html", redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("rounds/<id:round_id>/", views.round_packet, name="round"),
    path("rounds/<id:round_id>/scorecard/", views.scorecard_form, name="scorecard"),
    path("rounds/<id:round_id>/scorecard/autosave/", views.scorecard_autosave, name="scorecard_autosave"),
    path("session/keepalive/", views.keepalive, name="keepalive"),
    path("me/language/", views.my_language, name="my_language"),
    path("scorecards/<id:scorecard_id>/", views.scorecard_detail, name="scorecard_detail"),
    path("candidates/<id:candidate_id>/resume/", views.resume_download, name="resume_download"),
    path("loops/<id:loop_id>/debrief/", views.debrief, name="debrief"),
    path("loops/<id:loop_id>/decision/", views.decide, name="decide"),
    path("availability/", web_availability.my_availability, name="my_availability"),
    # The candidate's availability link (signed, no login).
    path("availability/<str:token>/", candidate_views.candidate_availability, name="candidate_availability"),
]
