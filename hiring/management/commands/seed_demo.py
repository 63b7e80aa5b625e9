"""Seed a realistic company: departments, 36 employees on six continents,
positions with their loop plans, and candidates in every state of the loop.

Every loop is driven through hiring/services/, exactly as the admin, the
pages and the API would drive it, so the demo data obeys every rule.
"""

from __future__ import annotations

import datetime as dt
import random
import unicodedata

from django.contrib.auth.models import Group, User
from django.core.files.base import ContentFile
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
    LoopStatus,
    MessageTemplate,
    MessageTemplateTranslation,
    Position,
    Question,
    Recommendation,
    Round,
    RoundKind,
    RoundTemplate,
    Scorecard,
    SeniorityLevel,
)
from hiring.reminders.hours import candidate_hours, within
from hiring.rules import DomainError
from hiring.scheduling import availability

DEMO_PASSWORD = "hiring-demo"  # noqa: S105 - printed in the README; demo only

DEPARTMENTS = ["Engineering", "Product", "Design", "Data", "Sales", "Customer Success", "Finance", "Talent"]
LEVELS = [(1, "Associate"), (2, "Mid-level"), (3, "Senior"), (4, "Staff"), (5, "Principal")]
# (username, first, last, department, level rank, zone, languages, bar raiser, work start, work end, work days)
PEOPLE = [
    ("amara", "Amara", "Okafor", "Engineering", 4, "Africa/Lagos", ["en", "fr"], True),
    ("kenji", "Kenji", "Watanabe", "Engineering", 3, "Asia/Tokyo", ["ja", "en"], False),
    ("lucia", "Lucía", "Fernández", "Engineering", 2, "America/Mexico_City", ["es", "en"], False),
    ("oliver", "Oliver", "Smith", "Engineering", 5, "Europe/London", ["en"], True),
    ("priya", "Priya", "Raman", "Engineering", 3, "Asia/Kathmandu", ["en"], False),
    ("noah", "Noah", "Müller", "Engineering", 1, "Europe/Berlin", ["de", "en"], False),
    ("wei", "Wei", "Zhang", "Engineering", 4, "Asia/Singapore", ["zh-hans", "en"], False),
    ("chloe", "Chloé", "Martin", "Product", 3, "Europe/Paris", ["fr", "en"], True),
    ("diego", "Diego", "Silva", "Product", 4, "America/Sao_Paulo", ["pt-br", "es", "en"], False),
    ("hannah", "Hannah", "Lee", "Product", 2, "America/Los_Angeles", ["en"], False),
    ("tariq", "Tariq", "Haddad", "Product", 5, "Asia/Riyadh", ["ar", "en"], True),
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
# The question bank: two questions per competency, with what a strong answer shows.
QUESTIONS = {
    "Problem solving": [
        (
            "Tell me about a problem you could not solve the first way you tried. What changed your approach?",
            "Names the wrong turn, why it was wrong, and how they checked the final answer.",
        ),
        (
            "Estimate how many support tickets a 10,000-customer product gets a week.",
            "States assumptions out loud, sanity-checks the order of magnitude.",
        ),
    ],
    "Coding": [
        (
            "Write a function that merges overlapping time ranges given in different time zones.",
            "Normalises to UTC first, handles touching and nested ranges, tests the edges.",
        ),
        (
            "Walk me through a code review comment you disagreed with.",
            "Separates taste from correctness; shows how they reached agreement.",
        ),
    ],
    "System design": [
        (
            "Design the reminder service for interviews in 100 countries.",
            "Covers quiet hours, retries, idempotency, and what happens when the broker is down.",
        ),
        (
            "How would you shard a table that outgrew one database?",
            "Picks a key from the access pattern and explains the cost of cross-shard queries.",
        ),
    ],
    "Communication": [
        (
            "Explain a technical decision you made to someone outside engineering.",
            "Plain words, checks understanding, adapts when asked.",
        ),
        (
            "How do you hand work over to a colleague eight time zones away?",
            "Written context, explicit next steps, no decision left to a meeting.",
        ),
    ],
    "Ownership": [
        (
            "Tell me about something that broke on your watch.",
            "Owns it without blame; fixed the cause, not only the symptom.",
        ),
        (
            "What did you do the last time a project you led slipped?",
            "Said so early, re-planned, told the people who depended on it.",
        ),
    ],
    "Collaboration": [
        (
            "Describe a disagreement with another team and how it ended.",
            "Understands the other side's constraints; credits others.",
        ),
        ("How have you helped a new colleague become effective?", "Concrete actions, not just availability."),
    ],
    "Product sense": [
        (
            "Which product do you use daily that you would change, and how?",
            "Starts from a user problem; weighs impact against effort.",
        ),
        (
            "How would you decide what not to build next quarter?",
            "Uses evidence; says who loses and how they would be told.",
        ),
    ],
    "Customer focus": [
        (
            "Tell me about a customer you turned around.",
            "Listened first; the fix served the customer, not only the deal.",
        ),
        (
            "What do you do when a customer asks for something we should not build?",
            "Finds the underlying need; says no with an alternative.",
        ),
    ],
    "Analytical depth": [
        (
            "Our pipeline conversion dropped 20% last month. Where do you look first?",
            "Checks the data's integrity before the story; segments before concluding.",
        ),
        ("Tell me about a metric that misled you.", "Knows the limits of the data; changed how it is measured."),
    ],
}
# Each round's kit: what the interviewer does in that kind of round.
KIT_INSTRUCTIONS = {
    RoundKind.SCREEN: "Confirm motivation, location and notice period. Keep ten minutes for their questions.",
    RoundKind.TECHNICAL: "Use one exercise from the bank; let them drive. Note hints given and when.",
    RoundKind.SYSTEM_DESIGN: "Start from requirements; push on failure and scale. Draw nothing for them.",
    RoundKind.CULTURE: "Ask for specific past situations, not hypotheticals. Probe what they did themselves.",
    RoundKind.HIRING_MANAGER: "Cover the role's first six months and what success looks like; sell the team honestly.",
    RoundKind.BAR_RAISER: "You are the long-term view: would this hire raise the bar of the whole company?",
    RoundKind.OTHER: "Follow the exercise brief shared by the recruiter; score only what you observed.",
}
JOB_DESCRIPTIONS = {
    "Senior Backend Engineer": "Own the services behind interview scheduling and reminders: Python, PostgreSQL, "
    "Redis. You will design for teams in every time zone and mentor two engineers.",
    "Site Reliability Engineer": "Keep the platform up across three regions: observability, incident response, "
    "capacity planning. On-call is shared follow-the-sun.",
    "Product Manager, Payments": "Lead payments from discovery to launch with design and engineering; "
    "define metrics and talk to customers every week.",
    "Account Executive, EMEA": "Run the full sales cycle for mid-market customers in Europe, the Middle East "
    "and Africa; partner with customer success after the close.",
}
# Which demo candidates have a résumé and links (every third, so some do not).
RESUME_EVERY = 3


def tiny_pdf(text: str) -> bytes:
    """A valid one-page PDF that says `text` (ASCII), built by hand with a correct xref table."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    safe = ascii_text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    stream = f"BT /F1 18 Tf 72 720 Td ({safe}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


# Weekly hours (issue 9), by zone, as people there work: (ISO weekdays, start, end), in
# their own zone. Anyone not listed works Monday to Friday, 09:00-17:30.
MON_FRI = "12345"
HOURS_BY_ZONE = {
    # Saudi Arabia works Sunday to Thursday.
    "Asia/Riyadh": [("71234", "09:00", "17:00")],
    # Nepal works Sunday to Friday, Friday short.
    "Asia/Kathmandu": [("71234", "10:00", "17:00"), ("5", "10:00", "15:00")],
    "Asia/Tokyo": [(MON_FRI, "09:30", "18:30")],
    "Asia/Singapore": [(MON_FRI, "09:00", "18:00")],
    "Asia/Kolkata": [(MON_FRI, "10:00", "19:00")],
    # The long Italian lunch: two intervals a day.
    "Europe/Rome": [(MON_FRI, "09:00", "13:00"), (MON_FRI, "14:00", "18:00")],
    "America/New_York": [(MON_FRI, "08:30", "17:30")],
    "America/Chicago": [(MON_FRI, "08:00", "16:30")],
    "America/Los_Angeles": [(MON_FRI, "08:00", "17:30")],
    "America/Mexico_City": [(MON_FRI, "09:00", "18:00")],
    "America/Sao_Paulo": [(MON_FRI, "09:00", "18:00")],
    "Australia/Sydney": [(MON_FRI, "08:30", "17:00")],
    "Australia/Melbourne": [(MON_FRI, "08:30", "17:00")],
    "Pacific/Auckland": [(MON_FRI, "08:30", "17:00")],
    "Africa/Lagos": [(MON_FRI, "08:00", "17:00")],
    "Africa/Nairobi": [(MON_FRI, "08:00", "17:00")],
    "Africa/Accra": [(MON_FRI, "08:00", "17:00")],
    "Africa/Cairo": [("71234", "09:00", "17:00")],
}
# Mateo covers the night for Customer Success: Sunday to Thursday nights, 22:00 to 06:00.
NIGHT_SHIFT = {"mateo": [("71234", "22:00", "06:00")]}
# (username, starts in days, lasts days, note): time off around the demo's weeks.
TIME_OFF = [("noah", 9, 7, "Holiday"), ("sara", 5, 2, "Conference"), ("kenji", 4, 1, "Public holiday")]
# Pools: who may take which round kind (the bar-raiser round's pool is the trained bar raisers).
POOLS = {
    RoundKind.TECHNICAL: (
        "Engineers, data and product people who run coding exercises",
        {"Engineering", "Data", "Product"},
        1,
    ),
    RoundKind.SYSTEM_DESIGN: ("Senior engineers and data people", {"Engineering", "Data"}, 3),
    RoundKind.CULTURE: ("Anyone mid-level and up, from any department", None, 2),
    RoundKind.SCREEN: ("Anyone", None, 1),
    RoundKind.HIRING_MANAGER: ("Managers and senior people of the hiring departments", None, 3),
}
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

# Rejected loops say why, from the reasons list (migration 0018 writes the list), so the
# insights page has reasons to count.
REJECTIONS = [
    ("skills", "Not enough depth in system design for this level."),
    ("experience", "Has led small teams only; the role leads three."),
    ("compensation", "Salary expectations well above the band."),
    ("communication", "Hard to follow in the written exercise and in the debrief call."),
]

# Templates recruiters write from, in several languages (English is the fallback).
MESSAGE_TEMPLATES = {
    "Next interview": {
        "en": (
            "Your next interview for {position}",
            "Hello {candidate_name},\n\nThank you for your time so far. Your next interview for {position} is on "
            "{next_interview} (your time).\n\nBest regards,\n{recruiter_name}",
        ),
        "es": (
            "Tu próxima entrevista para {position}",
            "Hola {candidate_name}:\n\nGracias por tu tiempo. Tu próxima entrevista para {position} es el "
            "{next_interview} (tu hora).\n\nUn saludo,\n{recruiter_name}",
        ),
        "fr": (
            "Votre prochain entretien pour {position}",
            "Bonjour {candidate_name},\n\nMerci pour votre temps. Votre prochain entretien pour {position} aura lieu "
            "le {next_interview} (votre heure).\n\nCordialement,\n{recruiter_name}",
        ),
        "de": (
            "Ihr nächstes Gespräch für {position}",
            "Hallo {candidate_name},\n\nvielen Dank für Ihre Zeit. Ihr nächstes Gespräch für {position} ist am "
            "{next_interview} (Ihre Zeit).\n\nViele Grüße\n{recruiter_name}",
        ),
    },
    "Thank you for applying": {
        "en": (
            "Thank you for your interest in {position}",
            "Hello {candidate_name},\n\nThank you for applying for {position}. We will be in touch within a few "
            "days about the next steps.\n\nBest regards,\n{recruiter_name}",
        ),
        "pt-br": (
            "Obrigado pelo seu interesse em {position}",
            "Olá, {candidate_name},\n\nObrigado pela sua candidatura para {position}. Entraremos em contato nos "
            "próximos dias.\n\nAtenciosamente,\n{recruiter_name}",
        ),
    },
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
            self.build_message_templates()
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
            if index % RESUME_EVERY == 0:
                self.add_materials(candidate, position)
            self.drive(candidate, position, state, index)
            counts[state] = counts.get(state, 0) + 1
        # A recruiter wrote to the scheduled candidates: the timeline shows written emails beside automatic ones.
        scheduled = list(Loop.objects.filter(status=LoopStatus.SCHEDULED).order_by("pk").values_list("pk", flat=True))
        if scheduled:
            services.send_template_to_loops(
                loop_ids=scheduled[:20],
                template=MessageTemplate.objects.get(name="Next interview"),
                by=self.recruiter_for(self.positions[0]),
            )
        self.backdate_history()
        # Issue 9: one more draft, built last so the candidates above come out as before.
        position = self.positions[0]
        recruiter = self.recruiter_for(position)
        ready = services.create_candidate(
            full_name="Noor Ready",
            email="noor.ready@example.net",
            time_zone="Asia/Kathmandu",
            preferred_language="en",
            source="Careers site",
            by=recruiter,
        )
        self.ready_to_book(services.start_loop(candidate=ready, position=position, by=recruiter), recruiter)
        counts["draft"] = counts.get("draft", 0) + 1
        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded {len(PEOPLE) + len(RECRUITERS) + len(MANAGERS)} employees in "
                f"{Interviewer.objects.values('time_zone').distinct().count()} time zones, "
                f"{len(self.positions)} positions, {Candidate.objects.count()} candidates: "
                + ", ".join(f"{n} {s}" for s, n in counts.items())
            )
        )

    # --- the company ---

    def build_message_templates(self) -> None:
        for name, texts in MESSAGE_TEMPLATES.items():
            template = MessageTemplate.objects.create(name=name)
            MessageTemplateTranslation.objects.bulk_create(
                MessageTemplateTranslation(template=template, language=code, subject=subject, body=body)
                for code, (subject, body) in texts.items()
            )

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
        self.build_availability()
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
                description=JOB_DESCRIPTIONS.get(title, ""),
            )
            for title, dept, manager, recruiter, plan in POSITIONS
        ]
        # The interview kits: instructions per round of each plan, a question bank per competency.
        for kind, instructions in KIT_INSTRUCTIONS.items():
            RoundTemplate.objects.filter(kind=kind).update(instructions=instructions)
        Question.objects.bulk_create(
            [
                Question(competency=competencies[name], text=text, guidance=guidance)
                for name, questions in QUESTIONS.items()
                for text, guidance in questions
            ]
        )
        self.interviewers = list(
            Interviewer.objects.select_related("user", "department").exclude(department__name="Talent")
        )
        self.demo_interviewer = next(i for i in self.interviewers if i.user.username == DEMO_INTERVIEWER)
        # Each candidate's booked rounds, so the demo never puts one candidate in two rounds at once.
        self.booked: dict[int, list[tuple[dt.datetime, dt.datetime]]] = {}

    def add_materials(self, candidate: Candidate, position: Position) -> None:
        recruiter = self.recruiter_for(position)
        slug = unicodedata.normalize("NFKD", candidate.full_name).encode("ascii", "ignore").decode().lower()
        slug = slug.replace(" ", "-")
        pdf = tiny_pdf(f"{candidate.full_name} - {position.title}")
        services.upload_resume(candidate=candidate, upload=ContentFile(pdf, name=f"{slug}-cv.pdf"), by=recruiter)
        services.update_materials(
            candidate=candidate,
            by=recruiter,
            linkedin_url=f"https://www.linkedin.com/in/{slug}",
            portfolio_url=f"https://{slug}.example.dev" if self.rng.random() < 0.5 else "",
            phone=f"+1 555 01{self.rng.randint(10, 99)}",
            recruiter_notes="Referred by a former colleague; available in four weeks.",
        )

    def build_availability(self) -> None:
        """Weekly hours, time off and pools, through the services (issue 9)."""
        people = list(Interviewer.objects.select_related("user", "department", "level"))
        for interviewer in people:
            plan = NIGHT_SHIFT.get(interviewer.user.username) or HOURS_BY_ZONE.get(
                interviewer.time_zone, [(MON_FRI, "09:00", "17:30")]
            )
            specs = [
                services.HoursSpec(int(day), dt.time.fromisoformat(start), dt.time.fromisoformat(end))
                for days, start, end in plan
                for day in days
            ]
            services.set_weekly_hours(interviewer=interviewer, intervals=specs, by=None)
        by_name = {i.user.username: i for i in people}
        for username, starts_in, days, note in TIME_OFF:
            person = by_name[username]
            first = (self.now + dt.timedelta(days=starts_in)).astimezone(person.zone).date()
            start = dt.datetime.combine(first, dt.time(0), tzinfo=person.zone)
            end = dt.datetime.combine(first + dt.timedelta(days=days), dt.time(0), tzinfo=person.zone)
            services.add_time_off(interviewer=person, starts_at=start, ends_at=end, reason=note, by=None)
        for kind, (description, departments, min_rank) in POOLS.items():
            members = [
                i.pk
                for i in people
                if i.department.name != "Talent"
                and (departments is None or i.department.name in departments)
                and (i.level.rank >= min_rank or i.user.username in {m[0] for m in MANAGERS})
            ]
            services.set_pool(kind=kind, interviewer_ids=members, description=description, by=None)
        # What slot_near reads: each person's working windows and time off over the demo's weeks.
        start, end = self.now - dt.timedelta(days=10), self.now + dt.timedelta(days=40)
        free = availability.free_intervals(interviewer_ids=[i.pk for i in people], start=start, end=end)
        self.free = free
        self.qualified = availability.qualified_ids(RoundKind.values)

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
        # Only the round kind's pool (issue 9).
        others = [i for i in others if i.pk in self.qualified[round_.kind]]
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
        choices = self.choices_for(loop, round_, prefer)
        shifts = (0, 1, -1, 2)
        # The preferred person on any of the nearby days before anyone else.
        first = [(prefer, starts_at + dt.timedelta(days=s)) for s in shifts] if prefer in choices else []
        attempts = first + [
            (interviewer, starts_at + dt.timedelta(days=shift)) for shift in shifts for interviewer in choices
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
        theirs = candidate_hours()
        for step in range(0, 96):
            for sign in (1, -1) if step else (1,):
                slot = wanted + sign * step * dt.timedelta(minutes=30)
                if past and not (self.now - dt.timedelta(days=6, hours=20) < slot and slot + duration < self.now):
                    continue
                if not past and slot <= self.now + dt.timedelta(hours=1):
                    continue
                if (
                    availability.covers(self.free.get(interviewer.pk, []), slot, slot + duration)
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
                code, why = REJECTIONS[index % len(REJECTIONS)]
                services.decide(
                    loop=loop,
                    outcome="reject",
                    rejection_reason=code,
                    by=position.hiring_manager,
                    reason=why,
                )
        except DomainError as exc:  # pragma: no cover - the demo data is built to satisfy the rules
            raise CommandError(f"Demo loop for {candidate} broke a rule: {exc}") from exc

    def ready_to_book(self, loop: Loop, recruiter: User) -> None:
        """Issue 9: a draft loop with nothing booked, whose candidate answered their
        availability link (every offered block but the evenings): "Propose a schedule",
        then "Book this one", schedules it in one click."""
        from hiring.services import scheduling

        request = services.request_availability(loop=loop, by=recruiter)
        blocks = [
            scheduling.block_value(day, start)
            for day in scheduling.offered_days(request)
            for start, _end in scheduling.DAY_BLOCKS
            if start < 18
        ]
        scheduling.submit_availability(token=scheduling.availability_token(request), blocks=blocks)

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

    def backdate_history(self) -> None:
        """Give each loop a believable past for the Insights page: created some days before its
        first interview, scheduled a day or two later, in progress from the first interview,
        awaiting a decision from the last scorecard, decided a few hours to days after that.

        The services stamp every event with the moment the seeder ran; like the scorecards'
        submission times above, only the seeder rewrites these timestamps."""
        from hiring.insights import STATE_EVENTS
        from hiring.models import Decision, Event, EventKind, Loop

        day = dt.timedelta(days=1)
        latest = self.now - dt.timedelta(minutes=5)
        for loop in Loop.objects.prefetch_related("rounds__scorecards").order_by("pk"):
            rounds = [r for r in loop.rounds.all() if r.starts_at is not None]
            first = min((r.starts_at for r in rounds), default=self.now)
            ends = [r.starts_at + dt.timedelta(minutes=r.duration_minutes) for r in rounds if r.starts_at <= self.now]
            submitted = [c.submitted_at for r in rounds for c in r.scorecards.all() if c.submitted_at]
            created = min(first, self.now) - day * self.rng.uniform(4, 12)
            natural = {
                EventKind.LOOP_CREATED: created,
                EventKind.LOOP_SCHEDULED: created + day * self.rng.uniform(0.5, 2.5),
                "in_progress": min(ends, default=latest),
                "awaiting_decision": max(submitted, default=latest),
            }
            previous = None
            closed = None
            for event in Event.objects.filter(loop=loop, kind__in=STATE_EVENTS).order_by("created_at", "id"):
                if event.kind in natural:
                    moment = natural[event.kind]
                elif event.kind == EventKind.LOOP_STATUS_CHANGED:
                    moment = natural.get(event.data.get("to"), latest)
                elif event.kind == EventKind.LOOP_DECIDED:
                    moment = (previous or created) + day * self.rng.uniform(0.2, 2.5)
                else:  # vetoed (at the veto's submission) or withdrawn
                    moment = max(submitted, default=latest) if event.kind == EventKind.LOOP_VETOED else latest
                if previous is not None:
                    moment = max(moment, previous + dt.timedelta(minutes=10))
                moment = min(moment, latest)
                Event.objects.filter(pk=event.pk).update(created_at=moment)
                previous = moment
                if event.kind in (EventKind.LOOP_DECIDED, EventKind.LOOP_VETOED, EventKind.CANDIDATE_WITHDRAWN):
                    closed = moment
            Loop.objects.filter(pk=loop.pk).update(created_at=created, closed_at=closed if loop.closed_at else None)
            if closed is not None:
                Decision.objects.filter(loop=loop).update(decided_at=closed)
