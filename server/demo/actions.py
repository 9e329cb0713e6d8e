"""The demo campaign's actions: tasks, whom to contact, and a few weeks of sample results.

Tasks and targets go through the service, so they obey the same rules as real ones.
Phone numbers are examples only (fictional or all-zero numbers) and say so in the target's
name; links that are not well-known public pages point to example.org and say so too.
The sample completions (anonymous, no notes with personal data) give the organizer's
results page something to show.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import timedelta

import msgspec

from server.accounts.service import OrganizerView
from server.actions import service
from server.actions import targets as target_service
from server.actions.schemas import TargetInput, TaskInput
from server.actions.tables import ActionCompletion
from server.db import write_transaction
from server.events import service as events
from server.tokens import utcnow

EXAMPLE_NUMBER = "(example number — replace before use)"
EXAMPLE_LINK = "(example link — replace before use)"

CALL_SCRIPT = """Hello, my name is {volunteer_name} and I live in {city}.

I am calling about LGBTI people who are fleeing persecution in Chechnya. Some of them may arrive at our border without a visa, after escaping detention and violence.

I ask that border officers let them apply for asylum, and treat them with respect and discretion: their lives may depend on it.

Could you please make sure this reaches the officers on duty? Thank you for your time."""

UNHCR_SUBJECT = "Protection for LGBTI people fleeing Chechnya"
UNHCR_SCRIPT = """Dear {target_name},

I am writing from {city} about LGBTI people in Chechnya, who have been detained, tortured and killed since 2017. Police have lured victims through fake online profiles.

I ask UNHCR to help those who escape: to support their asylum claims, to help them reach safe countries quickly, and to press states to accept them.

Thank you for your work.

Yours sincerely,
{volunteer_name}"""

OHCHR_SUBJECT = "Please investigate the persecution of LGBTI people in Chechnya"
OHCHR_SCRIPT = """Dear {target_name},

I am writing from {city} to ask your Office to investigate the detention, torture and killing of LGBTI people in Chechnya, and to call on the authorities to end it and hold those responsible to account.

Survivors and their families need protection while they give evidence.

Yours sincerely,
{volunteer_name}"""

MP_SUBJECT = "Please help LGBTI people fleeing Chechnya"
MP_SCRIPT = """Dear {target_name},

I live in {city} and I am one of your constituents. LGBTI people in Chechnya are being detained and tortured. A few manage to escape, and they need a safe country quickly.

I ask you to urge our government to grant emergency humanitarian visas to people fleeing this persecution, and to raise it with the foreign minister.

Thank you for your time.

Yours sincerely,
{volunteer_name}"""

CPT_SCRIPT = """Dear Members of the Committee,

I am writing from {city} about reports that LGBTI people are held in unofficial places of detention in the Chechen Republic of the Russian Federation, where they are beaten and tortured.

I respectfully ask the Committee to raise these reports with the authorities of the Russian Federation and to seek access to these places, in whatever way its mandate allows.

Yours faithfully,
{volunteer_name}"""

SHARE_SCRIPT = """LGBTI people in Chechnya are being detained and tortured. Our governments can help those who escape. Join the #DontTurnAway actions: call, write, sign, and come to a rally near you."""


@dataclass(frozen=True, slots=True)
class DemoTask:
    task: TaskInput
    targets: tuple[TargetInput, ...]
    event_city: str | None = None  # "before the rally in ..."


def _border(country: str, phone: str, language: str) -> TargetInput:
    return TargetInput(
        country=country,
        name=f"Border police switchboard {EXAMPLE_NUMBER}",
        organisation="Border police",
        phone=phone,
        language=language,
    )


def _anywhere(name: str, url: str, **details: str) -> TargetInput:
    """One target for volunteers in every country (a web form, a petition, a fund...)."""
    return TargetInput(country="any", name=name, url=url, **details)


TASKS = (
    DemoTask(
        TaskInput(
            kind="call",
            title="Call your border police",
            instructions="Ask that people fleeing Chechnya may apply for asylum at the border. "
            "The numbers in this demo are examples: an organizer replaces them with real ones.",
            script=CALL_SCRIPT,
            goal=1000,
        ),
        (
            _border("NO", "+47 00 00 00 00", "Norwegian, English"),
            _border("SE", "+46 00 000 00 00", "Swedish, English"),
            _border("NL", "+31 00 000 0000", "Dutch, English"),
            _border("DE", "+49 30 0000 0000", "German, English"),
            _border("FR", "+33 1 00 00 00 00", "French"),
            _border("GB", "+44 20 7946 0000", "English"),
            _border("CA", "+1 613 555 0100", "English, French"),
            _border("US", "+1 202 555 0100", "English"),
        ),
        event_city="Oslo",
    ),
    DemoTask(
        TaskInput(
            kind="email",
            title="Ask UNHCR to protect LGBTI refugees from Chechnya",
            instructions="Use UNHCR's contact form: copy the message below into it.",
            subject=UNHCR_SUBJECT,
            script=UNHCR_SCRIPT,
            goal=500,
        ),
        (
            _anywhere(
                "UNHCR, the UN Refugee Agency",
                "https://www.unhcr.org/contact-us",
                organisation="United Nations High Commissioner for Refugees",
                language="English, French",
            ),
        ),
        event_city="Geneva",
    ),
    DemoTask(
        TaskInput(
            kind="email",
            title="Ask the UN Human Rights Office to investigate",
            instructions="Use the Office's contact page: copy the message below into it.",
            subject=OHCHR_SUBJECT,
            script=OHCHR_SCRIPT,
            goal=500,
        ),
        (
            _anywhere(
                "UN Human Rights Office (OHCHR)",
                "https://www.ohchr.org/en/about-us/contact-us",
                organisation="Office of the United Nations High Commissioner for Human Rights",
                language="English, French, Spanish",
            ),
        ),
    ),
    DemoTask(
        TaskInput(
            kind="email",
            title="Write to your member of parliament",
            instructions="Find your MP on your parliament's website and send them this letter, "
            "in your own words if you like. A personal sentence makes it count more.",
            subject=MP_SUBJECT,
            script=MP_SCRIPT,
            goal=300,
        ),
        (
            _anywhere(
                "Member of Parliament",
                "https://example.org/find-your-member-of-parliament",
                organisation=f"Find yours on your parliament's website {EXAMPLE_LINK}",
            ),
            TargetInput(
                country="GB",
                name="Member of Parliament",
                organisation="House of Commons (example address — replace before use)",
                email="your-mp@example.org",
                language="English",
            ),
        ),
    ),
    DemoTask(
        TaskInput(
            kind="letter",
            title="Write to the Committee for the Prevention of Torture",
            instructions="The Council of Europe's Committee for the Prevention of Torture (CPT) "
            "visits places of detention. A short, polite letter is best.",
            script=CPT_SCRIPT,
            goal=200,
        ),
        (
            _anywhere(
                "Secretariat of the CPT",
                "https://www.coe.int/en/web/cpt",
                organisation="Council of Europe",
                postal_address="Council of Europe\nF-67075 Strasbourg Cedex\nFrance",
                language="English, French",
            ),
        ),
    ),
    DemoTask(
        TaskInput(kind="petition", title="Sign the #DontTurnAway petition", goal=5000),
        (
            _anywhere(
                f"#DontTurnAway petition {EXAMPLE_LINK}",
                "https://example.org/petition/dontturnaway",
            ),
        ),
    ),
    DemoTask(
        TaskInput(
            kind="donate",
            title="Donate to the emergency evacuation fund",
            instructions="Every donation helps pay for safe travel, shelter and legal help.",
            goal=250,
        ),
        (
            _anywhere(
                f"Emergency evacuation fund {EXAMPLE_LINK}",
                "https://example.org/donate/evacuation-fund",
            ),
        ),
    ),
    DemoTask(
        TaskInput(kind="share", title="Share the campaign", script=SHARE_SCRIPT),
        (_anywhere(f"Campaign page {EXAMPLE_LINK}", "https://example.org/dontturnaway"),),
    ),
)

SAMPLE_COUNTRIES = ("NO", "SE", "NL", "DE", "FR", "GB", "CA", "US", "CH", "")
SAMPLE_OUTCOMES = {
    "call": ("reached", "reached", "voicemail", "no_answer", "done"),
    "email": ("sent",),
    "letter": ("sent",),
}


async def load_actions(
    organizer: OrganizerView, organization_id: uuid.UUID, campaign_id: uuid.UUID
) -> int:
    """Create the demo campaign's actions; returns how many."""
    rallies = await events.organization_events(organizer, organization_id)
    by_city = {r["city"]: r["id"] for r in rallies if r["status"] == "published"}
    tasks = []
    for demo in TASKS:
        data = demo.task
        if demo.event_city in by_city:
            data = msgspec.structs.replace(data, event_id=by_city[demo.event_city])
        task = await service.create_task(organizer, campaign_id, data)
        for target in demo.targets:
            await target_service.add_target(organizer, task["id"], target)
        tasks.append(task)
    await _sample_completions(tasks, campaign_id)
    return len(tasks)


async def _sample_completions(tasks: list[dict[str, object]], campaign_id: uuid.UUID) -> None:
    """Three weeks of anonymous sample completions (fixed seed: the same every time)."""
    rng = random.Random(2017)  # sample data, not a secret
    now = utcnow()
    rows = []
    for task in tasks:
        outcomes = SAMPLE_OUTCOMES.get(str(task["kind"]), ("done",))
        for _ in range(rng.randint(8, 30)):
            rows.append(
                ActionCompletion(
                    task=task["id"],
                    campaign=campaign_id,
                    outcome=rng.choice(outcomes),
                    country=rng.choice(SAMPLE_COUNTRIES),
                    idempotency_key=f"demo-{uuid.uuid4().hex}",
                    created_at=now
                    - timedelta(days=rng.randint(0, 20), minutes=rng.randint(0, 600)),
                )
            )
    async with write_transaction():
        await ActionCompletion.insert(*rows)
