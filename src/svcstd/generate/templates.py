"""Case types: which (channel, category, priority) combinations ``svcstd generate`` emits, and
the ordered steps of a conforming case of each type.

A step is one event row: its event, the state the case enters (if any), the role that performs
it, and the gap before it — a range of seconds, counted either in elapsed time (``live``: calls,
chats, replies the contact centre sends at any hour) or in business time of the release's
default calendar (``office``: back-office work, which therefore lands in office hours, around
lunch breaks, weekends and holidays).

The order interleaves every process that applies to a type so that each process sees its own
steps in an allowed order (a process only looks at its own step events). Some combinations
cannot conform to the bundled releases, whatever the times; they are left out of the mix and
listed in :data:`UNSATISFIABLE` with the reason (see ``site/real-data.md`` and the generator's
report): a generator that emits them would plant breaches nobody asked for.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Basis = Literal["live", "office"]

MIN = 60
HOUR = 3600


@dataclass(frozen=True)
class Step:
    """One event row of a case template."""

    event: str
    role: str
    lo: int  # gap before this step, seconds (lower bound)
    hi: int  # upper bound
    basis: Basis = "office"
    state: str | None = None


@dataclass(frozen=True)
class CaseType:
    """A (channel, category, priority) combination the generator emits, with its mix weight."""

    channel: str
    category: str
    priority: str
    weight: float


#: Combinations left out of the mix because no record can conform to the bundled releases.
UNSATISFIABLE: dict[str, str] = {
    "complaint (any channel)": (
        "PROC-001 has step 'assess' (event classified) done by agent, PROC-003 by "
        "complaint-handler; one classified event cannot satisfy both"
    ),
    "visit channel (consultation, application, fault, feedback)": (
        "PROC-005 has 'hand-to-department' (event assigned) and 'record-feedback' "
        "(feedback_collected) done by reception-staff; PROC-007 / PROC-001 / PROC-009 require "
        "agent or team-lead for the same events"
    ),
    "urgent fault or feedback": (
        "ESC-004 requires an escalation to rapid-response-team within 30 min; PROC-001 admits an "
        "escalated event only after solution_proposed and done by team-lead or "
        "senior-management, and for faults ESC-005 counts a team-lead escalation as skipping "
        "technical-support"
    ),
}

ASYNC = ("email", "web-app", "social-media", "self-service")
CHANNEL_WEIGHTS = {
    "phone": 0.40,
    "online-chat": 0.20,
    "email": 0.15,
    "web-app": 0.12,
    "social-media": 0.05,
    "self-service": 0.08,
}
CATEGORY_WEIGHTS = {
    "consultation": 0.45,
    "application": 0.20,
    "fault": 0.20,
    "feedback": 0.13,
    "incident": 0.02,
}
PRIORITY_WEIGHTS = {"urgent": 0.06, "important": 0.30, "general": 0.64}


def case_types() -> list[CaseType]:
    """Every emitted combination with its share of cases (weights sum to 1)."""
    out: list[CaseType] = []
    for channel, wc in CHANNEL_WEIGHTS.items():
        for category, wk in CATEGORY_WEIGHTS.items():
            if category == "incident" and channel != "self-service":
                continue  # incidents are detected internally; recorded as self-service
            for priority, wp in PRIORITY_WEIGHTS.items():
                if priority == "urgent" and category in ("fault", "feedback"):
                    continue  # see UNSATISFIABLE
                weight = wc * wk * wp
                if category == "incident":
                    weight = wk * wp
                out.append(CaseType(channel, category, priority, weight))
    total = sum(t.weight for t in out)
    return [CaseType(t.channel, t.category, t.priority, t.weight / total) for t in out]


def _intake(channel: str) -> list[Step]:
    """Steps from first contact to registration (and the first reply for written channels)."""
    if channel == "phone":
        return [
            Step("call_queued", "agent", 0, 0, "live"),
            Step("call_ringing", "agent", 5, 90, "live"),
            Step("call_answered", "agent", 1, 10, "live"),
            Step("greeting", "agent", 2, 6, "live"),
            Step("needs_confirmed", "agent", 20, 120, "live"),
            Step("created", "agent", 10, 60, "live", state="new"),
            Step("answer_given", "agent", 30, 300, "live"),
            Step("call_logged", "agent", 10, 60, "live"),
            Step("call_ended", "agent", 5, 30, "live"),
        ]
    if channel == "online-chat":
        return [
            Step("created", "agent", 0, 0, "live", state="new"),
            Step("first_response", "agent", 3, 40, "live"),
        ]
    return [
        Step("created", "agent", 0, 0, "live", state="new"),
        Step("first_response", "agent", 10 * MIN, 6 * HOUR, "live"),
    ]


def steps_for(channel: str, category: str, priority: str) -> list[Step]:
    """The ordered steps of a conforming case of this type (roles before hand-overs)."""
    if category == "incident":
        return [
            Step("created", "agent", 0, 0, "live", state="new"),
            Step("first_response", "agent", 2 * MIN, 20 * MIN, "live"),
            Step("emergency_detected", "technical-support", 1 * MIN, 5 * MIN, "live"),
            Step("escalated", "rapid-response-team", 1 * MIN, 8 * MIN, "live"),
            Step("emergency_plan_activated", "rapid-response-team", 1 * MIN, 5 * MIN, "live"),
            Step("departments_notified", "rapid-response-team", 1 * MIN, 5 * MIN, "live"),
            Step("accepted", "agent", 1 * MIN, 5 * MIN, "live", state="open"),
            Step("customers_notified", "agent", 1 * MIN, 10 * MIN, "live"),
            Step("service_restored", "technical-support", 10 * MIN, 60 * MIN, "live"),
            Step("restoration_confirmed", "agent", 2 * MIN, 15 * MIN, "live"),
            Step("resolved", "agent", 1 * MIN, 10 * MIN, "live", state="resolved"),
            Step("confirmation_sent", "agent", 1 * MIN, 30 * MIN, "live"),
            Step("incident_reviewed", "quality-auditor", 30 * MIN, 4 * HOUR),
            Step("closed", "agent", 5 * MIN, 60 * MIN, state="closed"),
            Step("archived", "archivist", 10 * MIN, 3 * HOUR),
        ]
    steps = _intake(channel)
    if category == "feedback":
        # PROC-004 classifies feedback before the first reply: the reply moves after it.
        steps = [s for s in steps if s.event != "first_response"]
    if priority == "urgent":
        # ESC-004: a case opened urgent goes to the rapid-response team at once.
        steps.append(Step("escalated", "rapid-response-team", 1 * MIN, 10 * MIN, "live"))
    urgent = priority == "urgent"
    quick: Basis = "live" if urgent else "office"
    if category == "feedback":
        # PROC-004 answers feedback before assigning it to a dedicated person; a chat still
        # owes its reply within a minute (TL-002), so classification is quick there.
        if channel == "online-chat":
            steps.append(Step("classified", "agent", 3, 15, "live"))
            steps.append(Step("first_response", "agent", 3, 20, "live"))
        else:
            steps.append(Step("classified", "agent", 1 * MIN, 10 * MIN, "live"))
            steps.append(Step("first_response", "agent", 2 * MIN, 4 * HOUR, "live"))
        steps += [
            Step("assigned", "team-lead", 5 * MIN, 40 * MIN, quick),
            Step("accepted", "agent", 5 * MIN, 60 * MIN, quick, state="open"),
            Step("solution_proposed", "agent", 10 * MIN, 2 * HOUR, quick),
            Step("solution_implemented", "back-office-support", 10 * MIN, 2 * HOUR, quick),
            Step("solution_verified", "agent", 5 * MIN, 30 * MIN, quick),
            Step("resolved", "agent", 2 * MIN, 20 * MIN, quick, state="resolved"),
            Step("confirmation_sent", "agent", 1 * MIN, 30 * MIN, "live"),
            Step("survey_sent", "agent", 1 * MIN, 30 * MIN, "live"),
            Step("survey_completed", "agent", 10 * MIN, 3 * HOUR, "live"),
            Step("closed", "agent", 10 * MIN, 2 * HOUR, state="closed"),
            Step("archived", "archivist", 10 * MIN, 4 * HOUR),
        ]
        return steps
    steps += [
        Step("classified", "agent", 2 * MIN, 20 * MIN, quick),
        Step("assigned", "team-lead", 5 * MIN, 40 * MIN, quick),
        Step("accepted", "agent", 5 * MIN, 60 * MIN, quick, state="open"),
    ]
    if category == "fault":
        steps.append(Step("solution_proposed", "technical-support", 10 * MIN, 2 * HOUR, quick))
    if category == "application":
        steps.append(Step("application_approved", "team-lead", 10 * MIN, 2 * HOUR, quick))
    implementer = {"fault": "technical-support", "application": "back-office-support"}
    steps.append(
        Step("solution_implemented", implementer.get(category, "agent"), 10 * MIN, 3 * HOUR, quick)
    )
    if category == "fault":
        steps.append(Step("solution_verified", "agent", 5 * MIN, 30 * MIN, quick))
    steps += [
        Step("delivered", "agent", 5 * MIN, 30 * MIN, quick),
        Step("resolved", "agent", 1 * MIN, 10 * MIN, "live", state="resolved"),
        Step("confirmation_sent", "agent", 1 * MIN, 30 * MIN, "live"),
        Step("feedback_collected", "agent", 10 * MIN, 2 * HOUR, "live"),
        Step("survey_sent", "agent", 1 * MIN, 10 * MIN, "live"),
        Step("survey_completed", "agent", 10 * MIN, 3 * HOUR, "live"),
        Step("satisfaction_analysed", "data-analyst", 10 * MIN, 3 * HOUR),
        Step("callback", "agent", 10 * MIN, 2 * HOUR),
        Step("closed", "agent", 10 * MIN, 2 * HOUR, state="closed"),
        Step("archived", "archivist", 10 * MIN, 4 * HOUR),
    ]
    return steps
