"""Seed a realistic company: departments, 36 employees on six continents,
positions with their loop plans, and candidates in every state of the loop.

Every loop is driven through hiring/services/, exactly as the admin, the
pages and the API would drive it, so the demo data obeys every rule.
"""

from __future__ import annotations

import datetime as dt
import random

from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from hiring import services
from hiring.models import (
    Candidate,
    Competency,
    Department,
    Interviewer,
    Loop,
    Position,
    Recommendation,
    Round,
    RoundKind,
    Scorecard,
    SeniorityLevel,
)
from hiring.reminders.hours import candidate_hours, interviewer_hours, within
from hiring.rules import DomainError

DEMO_PASSWORD = "hiring-demo"  # noqa: S105 - printed in the README; demo only

DEPARTMENTS = ["Engineering", "Product", "Design", "Data", "Sales", "Customer Success", "Finance", "Talent"]
LEVELS = [(1, "Associate"), (2, "Mid-level"), (3, "Senior"), (4, "Staff"), (5, "Principal")]
# (username, first, last, department, level rank, zone, languages, bar raiser, work start, work end, work days)
PEOPLE = [
    ("amara", "Amara", "Okafor", "Engineering", 4, "Africa/Lagos", ["en", "fr"], True),
    ("kenji", "Kenji", "Watanabe", "Engineering", 3, "Asia/Tokyo", ["ja", "en"], False),
    ("lucia", "Lucía", "Fernández", "Engineering", 2, "America/Mexico_City", ["es", "en"], False),
    ("oliver", "Oliver", "Smith", "Engineering", 5, "Europe/London", ["en"], True),
    ("priya", "Priya", "Raman", "Engineering", 3, "Asia/Kolkata", ["en"], False),
    ("noah", "Noah", "Müller", "Engineering", 1, "Europe/Berlin", ["de", "en"], False),
    ("wei", "Wei", "Zhang", "Engineering", 4, "Asia/Singapore", ["zh-hans", "en"], False),
    ("chloe", "Chloé", "Martin", "Product", 3, "Europe/Paris", ["fr", "en"], True),
    ("diego", "Diego", "Silva", "Product", 4, "America/Sao_Paulo", ["pt-br", "es", "en"], False),
    ("hannah", "Hannah", "Lee", "Product", 2, "America/Los_Angeles", ["en"], False),
    ("tariq", "Tariq", "Haddad", "Product", 5, "Asia/Dubai", ["ar", "en"], True),
    ("sofia", "Sofia", "Rossi", "Design", 3, "Europe/Rome", ["en"], False),
    ("liam", "Liam", "O'Brien", "Design", 4, "Europe/Dublin", ["en"], True),
    ("mei", "Mei", "Tanaka", "Design", 2, "Asia/Tokyo", ["ja", "en"], False),
    ("ava", "Ava", "Wilson", "Data", 3, "Australia/Sydney", ["en"], True),
    ("arjun", "Arjun", "Mehta", "Data", 4, "Asia/Kolkata", ["en"], False),
    ("zofia", "Zofia", "Kowalska", "Data", 2, "Europe/Warsaw", ["en"], False),
    ("james", "James", "Brown", "Sales", 3, "America/New_York", ["en"], False),
    ("isabela", "Isabela", "Costa", "Sales", 4, "America/Sao_Paulo", ["pt-br", "en"], True),
    ("daan", "Daan", "de Vries", "Sales", 2, "Europe/Amsterdam", ["en"], False),
    ("grace", "Grace", "Mwangi", "Customer Success", 3, "Africa/Nairobi", ["en"], True),
    ("mateo", "Mateo", "García", "Customer Success", 2, "Europe/Madrid", ["es", "en"], False),
    ("ruby", "Ruby", "Taylor", "Customer Success", 4, "Pacific/Auckland", ["en"], False),
    ("yusuf", "Yusuf", "Demir", "Finance", 4, "Europe/Istanbul", ["en", "de"], True),
    ("emma", "Emma", "Johnson", "Finance", 3, "America/Chicago", ["en"], False),
    ("ines", "Inês", "Pereira", "Finance", 2, "Europe/Lisbon", ["pt-br", "en"], False),
    ("kwame", "Kwame", "Mensah", "Engineering", 3, "Africa/Accra", ["en"], False),
    ("sara", "Sara", "Nilsson", "Data", 5, "Europe/Stockholm", ["en"], True),
    ("lena", "Lena", "Schmidt", "Product", 3, "Europe/Berlin", ["de", "en"], False),
    ("omar", "Omar", "Farouk", "Engineering", 2, "Africa/Cairo", ["ar", "en"], False),
    ("jack", "Jack", "Nguyen", "Design", 3, "Australia/Melbourne", ["en"], False),
    ("nina", "Nina", "Ivanova", "Data", 3, "Europe/Berlin", ["en", "de"], False),
]
RECRUITERS = [
    ("recruiter", "Rosa", "Delgado", "America/New_York"),
    ("recruiter2", "Ravi", "Shah", "Asia/Singapore"),
]
MANAGERS = [
    ("manager", "Maya", "Cohen", "Engineering", "Europe/London"),
    ("manager2", "Marco", "Bianchi", "Product", "Europe/Rome"),
    ("manager3", "Mia", "Andersen", "Sales", "America/Los_Angeles"),
]
COMPETENCIES = {
    "Problem solving": "Breaks a vague problem down; weighs options; checks the answer.",
    "Coding": "Writes correct, readable code; tests the edges.",
    "System design": "Designs for scale and failure; explains trade-offs.",
    "Communication": "Clear, concise, listens, adapts to the audience.",
    "Ownership": "Takes responsibility end to end; follows through.",
    "Collaboration": "Works across teams and time zones; credits others.",
    "Product sense": "Knows the user; prioritises by impact.",
    "Customer focus": "Starts from the customer's problem.",
    "Analytical depth": "Reasons from data; knows the limits of the data.",
}
PLANS = {
    "Engineering loop": [
        (RoundKind.SCREEN, "Recruiter screen", 30, ["Communication"]),
        (RoundKind.TECHNICAL, "Coding", 60, ["Coding", "Problem solving"]),
        (RoundKind.SYSTEM_DESIGN, "System design", 60, ["System design", "Communication"]),
        (RoundKind.CULTURE, "Values and collaboration", 45, ["Collaboration", "Ownership"]),
        (RoundKind.HIRING_MANAGER, "Hiring manager", 45, ["Ownership", "Product sense"]),
        (RoundKind.BAR_RAISER, "Bar raiser", 60, ["Problem solving", "Ownership"]),
    ],
    "Product loop": [
        (RoundKind.SCREEN, "Recruiter screen", 30, ["Communication"]),
        (RoundKind.TECHNICAL, "Product case", 60, ["Product sense", "Analytical depth"]),
        (RoundKind.CULTURE, "Collaboration", 45, ["Collaboration"]),
        (RoundKind.HIRING_MANAGER, "Hiring manager", 45, ["Ownership", "Product sense"]),
        (RoundKind.BAR_RAISER, "Bar raiser", 60, ["Problem solving", "Ownership"]),
    ],
    "Go-to-market loop": [
        (RoundKind.SCREEN, "Recruiter screen", 30, ["Communication"]),
        (RoundKind.TECHNICAL, "Role play", 60, ["Customer focus", "Communication"]),
        (RoundKind.OTHER, "Pipeline review", 45, ["Analytical depth"]),
        (RoundKind.HIRING_MANAGER, "Hiring manager", 45, ["Ownership"]),
        (RoundKind.BAR_RAISER, "Bar raiser", 60, ["Problem solving", "Collaboration"]),
    ],
}
POSITIONS = [
    ("Senior Backend Engineer", "Engineering", "manager", "recruiter", "Engineering loop"),
    ("Site Reliability Engineer", "Engineering", "manager", "recruiter2", "Engineering loop"),
    ("Product Manager, Payments", "Product", "manager2", "recruiter", "Product loop"),
    ("Account Executive, EMEA", "Sales", "manager3", "recruiter2", "Go-to-market loop"),
]
CANDIDATES = [
    ("Aiko Sato", "Asia/Tokyo", "ja"),
    ("Ben Carter", "America/Denver", "en"),
    ("Carla Mendes", "America/Sao_Paulo", "pt-br"),
    ("Dmitri Volkov", "Europe/Helsinki", "ru"),
    ("Elif Yılmaz", "Europe/Istanbul", "tr"),
    ("Fatima Zahra", "Africa/Casablanca", "fr"),
    ("Gabriel Dubois", "America/Montreal", "fr"),
    ("Hiroshi Kato", "Asia/Tokyo", "ja"),
    ("Ingrid Berg", "Europe/Oslo", "en"),
    ("Jorge Ramírez", "America/Bogota", "es"),
    ("Kavya Nair", "Asia/Kolkata", "en"),
    ("Lars Jensen", "Europe/Copenhagen", "en"),
    ("Mariana López", "America/Lima", "es"),
    ("Nadia Rahman", "Asia/Dhaka", "en"),
    ("Oscar Lindqvist", "Europe/Stockholm", "en"),
    ("Paula Nowak", "Europe/Warsaw", "en"),
    ("Quentin Moreau", "Europe/Paris", "fr"),
    ("Rania Aziz", "Asia/Riyadh", "ar"),
    ("Samuel Osei", "Africa/Accra", "en"),
    ("Tamar Levi", "Asia/Jerusalem", "en"),
    ("Uma Patel", "Europe/London", "en"),
    ("Victor Hugo", "America/Argentina/Buenos_Aires", "es"),
    ("Wen Li", "Asia/Shanghai", "zh-hans"),
    ("Ximena Torres", "America/Santiago", "es"),
    ("Yara Haddad", "Asia/Beirut", "ar"),
    ("Zane Mitchell", "Australia/Perth", "en"),
    ("Amelia Clarke", "Pacific/Auckland", "en"),
    ("Bruno Conti", "Europe/Rome", "en"),
    ("Chen Wei", "Asia/Taipei", "zh-hans"),
    ("Dara Kim", "Asia/Seoul", "en"),
    ("Eva Horvat", "Europe/Zagreb", "en"),
    ("Felipe Santos", "America/Sao_Paulo", "pt-br"),
    ("Greta Vos", "Europe/Amsterdam", "en"),
    ("Hamza Ali", "Asia/Karachi", "en"),
    ("Ivy Chen", "America/Vancouver", "en"),
    ("Jonas Weber", "Europe/Zurich", "de"),
]
# How many candidates end in each state, in the order they are built.
STATES = ["draft", "scheduled", "in_progress", "awaiting_decision", "hired", "vetoed", "withdrawn", "rejected"]
# The README's interviewer: she owes scorecards (a bar-raiser one among them) and has interviews ahead.
DEMO_INTERVIEWER = "amara"
# What panels write, by recommendation: varied, as real notes are.
NOTES = {
    Recommendation.STRONG_YES: [
        "Outstanding. Walked through the migration they led with numbers, trade-offs and what they would redo.",
        "Best session I have had this quarter: precise, curious, and kind to a junior colleague in the role play.",
        "Raised the bar: found the edge case in the exercise before I hinted at it and tested it unprompted.",
    ],
    Recommendation.YES: [
        "Clear examples; asked good questions about the team's on-call.",
        "Solid fundamentals. Needed one hint on the data model, then reasoned well about consistency.",
        "Structured answers, good ownership stories. Slightly vague on how they measured the result.",
        "Communicates well across time zones; described async hand-offs that would work here.",
    ],
    Recommendation.NO: [
        "Struggled to go past the first solution; did not weigh alternatives when asked.",
        "Pleasant and well prepared, but the examples were all about what the team did, not what they did.",
        "Good on the happy path; missed failure handling twice even after a prompt.",
    ],
    Recommendation.STRONG_NO: [
        "Dismissive of the support team's role; would not be a good partner across departments.",
    ],
}


class Command(BaseCommand):
    help = "Seed a demo company with candidates in every state. Refuses to run on a database that has candidates."

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=7, help="Random seed, for repeatable data.")

    def handle(self, *args, seed: int, **options):
        if Candidate.objects.exists():
            raise CommandError("The database already has candidates; seed_demo only fills an empty one.")
        self.rng = random.Random(seed)
        self.now = timezone.now().replace(second=0, microsecond=0)
        with transaction.atomic():
            self.build_company()
        counts: dict[str, int] = {}
        for index, (name, zone, language) in enumerate(CANDIDATES):
            state = STATES[index % len(STATES)]
            # Each run of every state goes to the next position, so each hiring manager and
            # recruiter gets loops in several states (not one position per state).
            position = self.positions[(index // len(STATES)) % len(self.positions)]
            email = name.lower().replace(" ", ".").encode("ascii", "ignore").decode() + "@example.net"
            candidate = services.create_candidate(
                full_name=name,
                email=email,
                time_zone=zone,
                preferred_language=language,
                source=self.rng.choice(["Referral", "Careers site", "LinkedIn", "Agency", "Conference"]),
                by=self.recruiter_for(position),
            )
            self.drive(candidate, position, state, index)
            counts[state] = counts.get(state, 0) + 1
        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded {len(PEOPLE) + len(RECRUITERS) + len(MANAGERS)} employees in "
                f"{Interviewer.objects.values('time_zone').distinct().count()} time zones, "
                f"{len(self.positions)} positions, {Candidate.objects.count()} candidates: "
                + ", ".join(f"{n} {s}" for s, n in counts.items())
            )
        )

    # --- the company ---

    def build_company(self) -> None:
        departments = {name: Department.objects.create(name=name) for name in DEPARTMENTS}
        levels = {rank: SeniorityLevel.objects.create(rank=rank, name=name) for rank, name in LEVELS}
        competencies = {name: Competency.objects.create(name=name, guide=guide) for name, guide in COMPETENCIES.items()}
        recruiters_group = Group.objects.get(name="Recruiters")

        def person(username, first, last, department, rank, zone, languages, bar_raiser=False, **user_fields):
            user = User.objects.create_user(
                username=username,
                email=f"{username}@example.com",
                password=DEMO_PASSWORD,
                first_name=first,
                last_name=last,
                **user_fields,
            )
            Interviewer.objects.create(
                user=user,
                department=departments[department],
                level=levels[rank],
                time_zone=zone,
                languages=languages,
                is_bar_raiser=bar_raiser,
            )
            return user

        User.objects.create_superuser("admin", "admin@example.com", DEMO_PASSWORD, first_name="Ada", last_name="Admin")
        Interviewer.objects.create(
            user=User.objects.get(username="admin"),
            department=departments["Talent"],
            level=levels[4],
            time_zone="UTC",
            languages=["en"],
        )
        self.recruiters = {}
        for username, first, last, zone in RECRUITERS:
            user = person(username, first, last, "Talent", 3, zone, ["en", "es"], is_staff=True)
            user.groups.add(recruiters_group)
            self.recruiters[username] = User.objects.get(pk=user.pk)
        self.managers = {
            username: person(username, first, last, dept, 4, zone, ["en"])
            for username, first, last, dept, zone in MANAGERS
        }
        for username, first, last, dept, rank, zone, languages, bar_raiser in PEOPLE:
            person(username, first, last, dept, rank, zone, languages, bar_raiser)
        admin = User.objects.get(username="admin")
        plans = {}
        for name, rounds in PLANS.items():
            specs = [
                services.RoundSpec(
                    kind=kind,
                    title=title,
                    duration_minutes=minutes,
                    competency_ids=tuple(competencies[c].pk for c in comps),
                )
                for kind, title, minutes, comps in rounds
            ]
            plans[name] = services.create_loop_plan(name=name, rounds=specs, by=admin)
        self.positions = [
            Position.objects.create(
                title=title,
                department=departments[dept],
                hiring_manager=self.managers[manager],
                recruiter=self.recruiters[recruiter],
                loop_plan=plans[plan],
            )
            for title, dept, manager, recruiter, plan in POSITIONS
        ]
        self.interviewers = list(
            Interviewer.objects.select_related("user", "department").exclude(department__name="Talent")
        )
        self.demo_interviewer = next(i for i in self.interviewers if i.user.username == DEMO_INTERVIEWER)
        # Each candidate's booked rounds, so the demo never puts one candidate in two rounds at once.
        self.booked: dict[int, list[tuple[dt.datetime, dt.datetime]]] = {}

    def recruiter_for(self, position: Position) -> User:
        return self.recruiters["recruiter" if position.recruiter.username == "recruiter" else "recruiter2"]

    # --- one candidate's loop ---

    def choices_for(self, loop: Loop, round_: Round, prefer: Interviewer | None = None) -> list[Interviewer]:
        """Who may sit this round, best first: the manager for their round, a bar raiser
        from outside the hiring department for the bar-raiser round, anyone else otherwise;
        `prefer` goes first when the round's kind allows them."""
        hiring_dept = loop.position.department_id
        manager = loop.position.hiring_manager.interviewer
        others = [i for i in self.interviewers if i.pk != manager.pk]
        self.rng.shuffle(others)
        if round_.kind == RoundKind.BAR_RAISER:
            choices = [i for i in others if i.is_bar_raiser and i.department_id != hiring_dept]
        elif round_.kind == RoundKind.HIRING_MANAGER:
            choices = [manager, *[i for i in others if i.department_id == hiring_dept]]
        else:
            choices = others
        if prefer is not None and prefer in choices:
            choices = [prefer, *[i for i in choices if i != prefer]]
        return choices

    def schedule(
        self, loop: Loop, round_: Round, starts_at: dt.datetime, by: User, prefer: Interviewer | None = None
    ) -> None:
        """Schedule with the first person the rules accept (free at that time, not on the
        panel yet, keeping the panel varied), at the slot nearest `starts_at` that sits in
        the interviewer's working hours and the candidate's waking hours, as a recruiter would."""
        last_error = None
        # The nearest day first; when nobody fits, a day later or earlier, as a recruiter would.
        attempts = [
            (interviewer, starts_at + dt.timedelta(days=shift))
            for shift in (0, 1, -1, 2)
            for interviewer in self.choices_for(loop, round_, prefer)
        ]
        for interviewer, wanted in attempts:
            slot = self.slot_near(wanted, round_, interviewer, loop.candidate)
            if slot is None:
                continue
            try:
                services.schedule_round(round=round_, interviewer=interviewer, starts_at=slot, by=by)
            except DomainError as exc:
                last_error = exc
                continue
            ends_at = slot + dt.timedelta(minutes=round_.duration_minutes)
            self.booked.setdefault(loop.candidate_id, []).append((slot, ends_at))
            return
        raise CommandError(f"No interviewer fits round {round_} of {loop}: {last_error}")

    def candidate_free(self, candidate: Candidate, starts_at: dt.datetime, ends_at: dt.datetime) -> bool:
        """No overlap with the candidate's other rounds, with an hour's break between them."""
        gap = dt.timedelta(hours=1)
        return all(ends_at + gap <= s or e + gap <= starts_at for s, e in self.booked.get(candidate.pk, []))

    def slot_near(
        self, wanted: dt.datetime, round_: Round, interviewer: Interviewer, candidate: Candidate
    ) -> dt.datetime | None:
        """The half-hour slot nearest `wanted` (within two days) inside both people's hours,
        staying in the past for a past interview and in the future for a future one."""
        past = wanted <= self.now
        duration = dt.timedelta(minutes=round_.duration_minutes)
        mine, theirs = interviewer_hours(interviewer), candidate_hours()
        for step in range(0, 96):
            for sign in (1, -1) if step else (1,):
                slot = wanted + sign * step * dt.timedelta(minutes=30)
                if past and not (self.now - dt.timedelta(days=6, hours=20) < slot and slot + duration < self.now):
                    continue
                if not past and slot <= self.now + dt.timedelta(hours=1):
                    continue
                if (
                    within(slot, slot + duration, zone=interviewer.time_zone, hours=mine)
                    and within(slot, slot + duration, zone=candidate.time_zone, hours=theirs)
                    and self.candidate_free(candidate, slot, slot + duration)
                ):
                    return slot
        return None

    def drive(self, candidate: Candidate, position: Position, state: str, index: int) -> None:
        recruiter = self.recruiter_for(position)
        loop = services.start_loop(candidate=candidate, position=position, by=recruiter)
        rounds = list(loop.rounds.order_by("order"))
        demo = self.demo_interviewer
        if state == "draft":
            self.schedule(loop, rounds[0], self.now + dt.timedelta(days=3, minutes=40 * index), recruiter)
            return
        if state == "in_progress" and position.department_id != demo.department_id:
            # The README's interviewer (an Engineering bar raiser) owes this loop's bar-raiser
            # scorecard: the bar-raiser round takes the third slot, the one left without feedback.
            bar_raiser = next(r for r in rounds if r.kind == RoundKind.BAR_RAISER)
            rounds.remove(bar_raiser)
            rounds.insert(2, bar_raiser)
        prefer: dict[int, Interviewer] = {}
        if state == "in_progress":
            prefer[2] = demo
        elif state == "scheduled":
            generic = (RoundKind.TECHNICAL, RoundKind.SYSTEM_DESIGN, RoundKind.CULTURE, RoundKind.OTHER)
            prefer[next(o for o, r in enumerate(rounds) if o and r.kind in generic)] = demo
        past = state not in ("scheduled", "withdrawn")
        # Past loops started about six days ago, one round every five hours, each candidate
        # a little later than the one before; future ones start in two days. In-progress and
        # vetoed loops still have rounds ahead (a veto visibly cancels them).
        base = self.now + (dt.timedelta(days=-6) if past else dt.timedelta(days=2)) + dt.timedelta(minutes=70 * index)
        # The preferred seats are filled first, before a random pick puts the same person elsewhere.
        for offset in sorted(range(len(rounds)), key=lambda o: o not in prefer):
            round_ = rounds[offset]
            starts_at = base + dt.timedelta(hours=5 * offset)
            if state in ("in_progress", "vetoed") and offset >= 3:
                starts_at = self.now + dt.timedelta(days=1, hours=3 * offset, minutes=70 * index)
            self.schedule(loop, round_, starts_at, recruiter, prefer=prefer.get(offset))
        if state in ("scheduled",):
            return
        if state == "withdrawn":
            loop.refresh_from_db()
            services.withdraw(loop=loop, by=recruiter, reason="The candidate accepted another offer.")
            return
        owed = rounds[2].pk if state == "in_progress" else None
        vetoing = rounds[2].pk if state == "vetoed" else None
        for round_ in loop.rounds.select_related("interviewer__user").order_by("starts_at"):
            if round_.starts_at > self.now:
                break
            if round_.pk == owed:
                continue  # this interviewer owes feedback: it shows as overdue
            self.submit(round_, veto=round_.pk == vetoing)
            if round_.pk == vetoing:
                return
        loop.refresh_from_db()
        try:
            if state == "hired":
                services.decide(
                    loop=loop, outcome="hire", by=position.hiring_manager, reason="Strong panel, bar raiser in favour."
                )
            elif state == "rejected":
                services.decide(
                    loop=loop,
                    outcome="reject",
                    by=position.hiring_manager,
                    reason="Not enough depth in system design for this level.",
                )
        except DomainError as exc:  # pragma: no cover - the demo data is built to satisfy the rules
            raise CommandError(f"Demo loop for {candidate} broke a rule: {exc}") from exc

    def submit(self, round_: Round, *, veto: bool) -> None:
        recommendation = (
            Recommendation.STRONG_NO
            if veto
            else self.rng.choice([Recommendation.YES, Recommendation.STRONG_YES, Recommendation.YES, Recommendation.NO])
        )
        scorecard = services.submit_scorecard(
            round=round_,
            by=round_.interviewer.user,
            ratings={c.pk: self.rng.choice([2, 3, 3, 4]) for c in round_.competencies.all()},
            recommendation=recommendation,
            notes=self.rng.choice(NOTES[recommendation]),
            veto=veto,
            veto_reason="Misrepresented their role in the project they presented; it contradicts the references."
            if veto
            else "",
        )
        # The demo's history happened over the past week: give each scorecard a believable
        # time between the interview's end and now (from minutes to a day and a half later).
        # Only the seeder rewrites this timestamp, so feedback-latency figures have a story.
        ended = round_.starts_at + dt.timedelta(minutes=round_.duration_minutes)
        latency = dt.timedelta(minutes=self.rng.choice([20, 35, 50, 80, 140, 210, 300, 480, 900, 1800]))
        Scorecard.objects.filter(pk=scorecard.pk).update(submitted_at=min(ended + latency, self.now))
