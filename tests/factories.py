"""factory_boy factories, plus builders that drive a loop to a given state through
the services (never by writing statuses directly), so tests start from states
the real code can reach."""

from __future__ import annotations

import datetime as dt
import importlib

import factory
from django.apps import apps as django_apps
from django.contrib.auth.models import Group, User
from django.utils import timezone

from hiring import services
from hiring.models import (
    Candidate,
    Competency,
    Department,
    Interviewer,
    Loop,
    LoopPlan,
    Position,
    Recommendation,
    Round,
    RoundKind,
    RoundTemplate,
    SeniorityLevel,
)

PASSWORD = "correct-horse-battery"

# Rule 10 refuses a round outside someone's hours without an override. Tests that book
# relative to now (so whatever the local hour is when they run) and do not test hours
# pass this override, with its reason, as a recruiter would for an agreed odd hour.
ANY_HOUR = {"allow_outside_hours": True, "outside_hours_reason": "Booked relative to now in a test, at any hour."}


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Department {n}")


class LevelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SeniorityLevel
        django_get_or_create = ("rank",)

    rank = 2
    name = factory.LazyAttribute(lambda o: f"Level {o.rank}")


class InterviewerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Interviewer

    user = factory.SubFactory(UserFactory)
    department = factory.SubFactory(DepartmentFactory, name="Engineering")
    level = factory.SubFactory(LevelFactory)
    time_zone = "Europe/Berlin"
    languages = ["en"]
    is_bar_raiser = False


class CompetencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Competency
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Competency {n}")
    guide = "Look for evidence."


class CandidateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Candidate

    full_name = factory.Faker("name")
    email = factory.Sequence(lambda n: f"candidate{n}@example.org")
    time_zone = "Asia/Singapore"
    preferred_language = "en"
    source = "careers site"


STANDARD_PLAN = [
    RoundKind.SCREEN,
    RoundKind.TECHNICAL,
    RoundKind.SYSTEM_DESIGN,
    RoundKind.CULTURE,
    RoundKind.HIRING_MANAGER,
    RoundKind.BAR_RAISER,
]


def make_plan(name: str = "Engineering loop", kinds=STANDARD_PLAN) -> LoopPlan:
    plan = LoopPlan.objects.create(name=name)
    competencies = [CompetencyFactory(name=n) for n in ("Problem solving", "Communication", "Ownership")]
    for order, kind in enumerate(kinds, start=1):
        template = RoundTemplate.objects.create(plan=plan, order=order, kind=kind, duration_minutes=45)
        template.competencies.set(competencies[: 1 + order % 3])
    return plan


def recruiters_group() -> Group:
    """The group a data migration creates. Transactional tests flush the database between
    tests, taking the group with it, so it is made again by the migration's own code."""
    group = Group.objects.filter(name="Recruiters").first()
    if group is None:
        migration = importlib.import_module("hiring.migrations.0002_recruiters_group")
        migration.create_group(django_apps, None)
        # Later migrations give the group more (0012: erase and export candidates).
        importlib.import_module("hiring.migrations.0012_candidate_erasure").grant_recruiters(django_apps, None)
        # 0015: weekly hours, time off, busy blocks, pools (issue 9).
        importlib.import_module("hiring.migrations.0015_availability").grant_recruiters(django_apps, None)
        group = Group.objects.get(name="Recruiters")
    return group


def make_recruiter(username: str = "rita", time_zone: str = "America/New_York") -> User:
    user = UserFactory(username=username, first_name="Rita", last_name="Recruiter", is_staff=True)
    user.groups.add(recruiters_group())
    InterviewerFactory(
        user=user,
        department=DepartmentFactory(name="Talent"),
        level=LevelFactory(rank=2),
        time_zone=time_zone,
    )
    return User.objects.get(pk=user.pk)  # fresh, with no cached permissions


class World:
    """A small company: a position in Engineering and a varied panel of six."""

    def __init__(self) -> None:
        self.engineering = DepartmentFactory(name="Engineering")
        self.product = DepartmentFactory(name="Product")
        self.junior = LevelFactory(rank=1, name="Junior")
        self.senior = LevelFactory(rank=3, name="Senior")
        self.recruiter = make_recruiter()
        self.manager = UserFactory(username="hank", first_name="Hank", last_name="Manager")
        InterviewerFactory(user=self.manager, department=self.engineering, level=self.senior, time_zone="Europe/London")
        self.plan = make_plan()
        self.position = Position.objects.create(
            title="Backend Engineer",
            department=self.engineering,
            hiring_manager=self.manager,
            recruiter=self.recruiter,
            loop_plan=self.plan,
        )
        zones = ["Europe/Berlin", "America/Los_Angeles", "Asia/Tokyo", "Africa/Lagos", "Australia/Sydney"]
        self.interviewers = [
            InterviewerFactory(
                user=UserFactory(username=f"ivy{i}", first_name=f"Ivy{i}", last_name="Interviewer"),
                department=self.engineering if i % 2 == 0 else self.product,
                level=self.senior if i < 3 else self.junior,
                time_zone=zones[i],
            )
            for i in range(5)
        ]
        self.bar_raiser = InterviewerFactory(
            user=UserFactory(username="bea", first_name="Bea", last_name="Raiser"),
            department=self.product,
            level=self.senior,
            time_zone="America/Sao_Paulo",
            is_bar_raiser=True,
        )

    def panel_for(self, loop: Loop) -> list[tuple[Round, Interviewer]]:
        rounds = list(loop.rounds.order_by("order"))
        others = iter([self.manager.interviewer, *self.interviewers])
        return [(r, self.bar_raiser if r.kind == RoundKind.BAR_RAISER else next(others)) for r in rounds]

    def start_loop(self, candidate: Candidate | None = None) -> Loop:
        return services.start_loop(candidate=candidate or CandidateFactory(), position=self.position, by=self.recruiter)

    def scheduled_loop(self, candidate: Candidate | None = None, *, start: dt.datetime | None = None) -> Loop:
        """Every round scheduled, an hour apart from `start` (default: two hours ago, so feedback is open)."""
        loop = self.start_loop(candidate)
        now = timezone.now()
        start = start or now - dt.timedelta(hours=2)
        # The same panel sits every loop of this world: stagger each loop so no one is double-booked,
        # moving away from now so a past start stays past and a future one stays future.
        self._loops = getattr(self, "_loops", 0) + 1
        shift = dt.timedelta(minutes=50 * (self._loops - 1))
        start = start - shift if start <= now else start + shift
        for i, (round_, interviewer) in enumerate(self.panel_for(loop)):
            services.schedule_round(
                round=round_,
                interviewer=interviewer,
                starts_at=start + dt.timedelta(hours=i),
                by=self.recruiter,
                **ANY_HOUR,
            )
        loop.refresh_from_db()
        return loop

    def submit(
        self, round_: Round, *, veto: bool = False, veto_reason: str = "", recommendation: str = Recommendation.YES
    ):
        round_ = Round.objects.select_related("interviewer__user").get(pk=round_.pk)
        return services.submit_scorecard(
            round=round_,
            by=round_.interviewer.user,
            ratings={c.pk: 3 for c in round_.competencies.all()},
            recommendation=recommendation,
            notes="Solid.",
            veto=veto,
            veto_reason=veto_reason,
        )

    def awaiting_decision_loop(self, candidate: Candidate | None = None) -> Loop:
        # Starts far enough back that every round has begun.
        loop = self.scheduled_loop(candidate, start=timezone.now() - dt.timedelta(hours=8))
        for round_ in loop.rounds.order_by("order"):
            self.submit(round_)
        loop.refresh_from_db()
        return loop
