"""The stages of a recommendation and every move between them, declared once.

``STAGE_ACTIONS`` is the whole stage graph: each move, the stages it starts
from, the stage it leads to and who may make it. Everything else reads it:
the transition methods on ``RecommendationPage`` check against it, the stage
form offers what it allows this person at this stage, the demo and the scale
data follow ``path_to``, and each stage's "next step" is written from it.
"""

import enum
from collections import deque
from dataclasses import dataclass

from django.db import models

from convenings.models import Organization


class Stage(models.TextChoices):
    """Where a recommendation is on its way from draft to implementation."""

    DRAFT = "draft", "Draft"
    PROPOSED = "proposed", "Proposed"
    ENDORSED = "endorsed", "Endorsed by the table"
    SUBMITTED = "submitted", "Submitted"
    ADOPTED = "adopted", "Adopted"
    DECLINED = "declined", "Declined"
    DEFERRED = "deferred", "Deferred"
    FUNDED = "funded", "Funded"
    IMPLEMENTED = "implemented", "Implemented"
    WITHDRAWN = "withdrawn", "Withdrawn"


class WhoMay(enum.Enum):
    """Who may make a move."""

    # The round table's facilitators (administrators too).
    FACILITATORS = "facilitators"
    # The facilitators, and the people who speak for the recommendation's
    # decision-maker (``RecommendationPage.may_record_decision``).
    DECISION_MAKER = "decision_maker"


@dataclass(frozen=True)
class StageAction:
    """One move in the stage graph.

    ``name`` is what the stage form sends; ``doing`` finishes the refusal
    "Only this round table's facilitators can …"; ``step`` says the move in
    plain words for a stage's "next step". ``without_cost_from`` are stages it
    also starts from when the recommendation costs nothing (there is nothing
    to fund). ``forward`` is false for a way out rather than a way on
    (withdrawal), which the "next step" leaves unsaid. ``on_stage_form`` is
    false for a move made by another form (the first funding commitment).
    """

    name: str
    label: str
    allowed_from: frozenset[Stage]
    to: Stage
    who: WhoMay
    doing: str
    step: str
    without_cost_from: frozenset[Stage] = frozenset()
    forward: bool = True
    on_stage_form: bool = True

    @property
    def decision(self) -> bool:
        """Whether this is the decision-maker's answer (recorded by its people too)."""
        return self.who is WhoMay.DECISION_MAKER

    def starts_from(self, stage: str, *, costs_nothing: bool) -> bool:
        """Whether the move may start from ``stage``, for a recommendation with or without cost."""
        return stage in self.allowed_from or (costs_nothing and stage in self.without_cost_from)


_BEFORE_A_DECISION_TO_ADOPT = {
    Stage.DRAFT,
    Stage.PROPOSED,
    Stage.ENDORSED,
    Stage.SUBMITTED,
    Stage.DEFERRED,
}
_AWAITING_A_DECISION = {Stage.SUBMITTED, Stage.DEFERRED}


def _decision(outcome: Stage) -> StageAction:
    return StageAction(
        name=outcome.value,
        label=f"Record decision: {outcome.label.lower()}",
        allowed_from=frozenset(_AWAITING_A_DECISION),
        to=outcome,
        who=WhoMay.DECISION_MAKER,
        doing="record this decision",
        step="A decision",
    )


# Every move, in the order the stage form lists them.
STAGE_ACTIONS: dict[str, StageAction] = {
    action.name: action
    for action in [
        StageAction(
            name="propose",
            label="Propose to the table",
            allowed_from=frozenset({Stage.DRAFT}),
            to=Stage.PROPOSED,
            who=WhoMay.FACILITATORS,
            doing="propose a recommendation",
            step="A facilitator puts it before the table",
        ),
        StageAction(
            name="endorse",
            label="Record the table's endorsement at a convening",
            allowed_from=frozenset({Stage.PROPOSED}),
            to=Stage.ENDORSED,
            who=WhoMay.FACILITATORS,
            doing="record the table's endorsement",
            step="The table endorses it at a convening",
        ),
        StageAction(
            name="submit",
            label="Submit to the decision-maker",
            allowed_from=frozenset({Stage.ENDORSED}),
            to=Stage.SUBMITTED,
            who=WhoMay.FACILITATORS,
            doing="submit a recommendation",
            step="Sent to its decision-maker once every clarity question is answered",
        ),
        _decision(Stage.ADOPTED),
        _decision(Stage.DECLINED),
        _decision(Stage.DEFERRED),
        StageAction(
            name="fund",
            label="Record a funding commitment",
            allowed_from=frozenset({Stage.ADOPTED}),
            to=Stage.FUNDED,
            who=WhoMay.FACILITATORS,
            doing="record funding",
            step="A funding commitment is recorded",
            on_stage_form=False,
        ),
        StageAction(
            name="implemented",
            label="Mark implemented",
            allowed_from=frozenset({Stage.FUNDED}),
            without_cost_from=frozenset({Stage.ADOPTED}),
            to=Stage.IMPLEMENTED,
            who=WhoMay.FACILITATORS,
            doing="mark a recommendation implemented",
            step="The work is done and reported",
        ),
        StageAction(
            name="withdraw",
            label="Withdraw",
            allowed_from=frozenset(_BEFORE_A_DECISION_TO_ADOPT),
            to=Stage.WITHDRAWN,
            who=WhoMay.FACILITATORS,
            doing="withdraw a recommendation",
            step="The table takes it back",
            forward=False,
        ),
    ]
}
DECISIONS = frozenset(action.to for action in STAGE_ACTIONS.values() if action.decision)
# Where a decision is awaited: the stages a decision starts from.
AWAITING_DECISION = frozenset(
    stage for action in STAGE_ACTIONS.values() if action.decision for stage in action.allowed_from
)


def actions_from(stage: str, *, costs_nothing: bool) -> list[StageAction]:
    """The moves that may be made from ``stage``, in the table's order."""
    return [
        action
        for action in STAGE_ACTIONS.values()
        if action.starts_from(stage, costs_nothing=costs_nothing)
    ]


def _shortest_path(start: Stage, end: Stage, *, costs_nothing: bool) -> list[StageAction] | None:
    """The fewest moves from ``start`` to ``end`` (the table's first choice on a tie)."""
    paths: dict[Stage, list[StageAction]] = {start: []}
    waiting = deque([start])
    while waiting:
        stage = waiting.popleft()
        if stage == end:
            return paths[stage]
        for action in actions_from(stage, costs_nothing=costs_nothing):
            if action.to not in paths:
                paths[action.to] = [*paths[stage], action]
                waiting.append(action.to)
    return None


def path_to(
    stage: Stage, *, via: Stage | None = None, costs_nothing: bool = False
) -> list[StageAction]:
    """The fewest moves that take a draft to ``stage`` (through ``via``, when given).

    For a recommendation with a cost unless ``costs_nothing``. Raises
    ``ValueError`` when the table has no such path.
    """
    legs = [(Stage.DRAFT, stage)] if via is None else [(Stage.DRAFT, via), (via, stage)]
    path = []
    for start, end in legs:
        leg = _shortest_path(Stage(start), Stage(end), costs_nothing=costs_nothing)
        if leg is None:
            raise ValueError(f"No way from {start} to {end} in STAGE_ACTIONS.")
        path += leg
    return path


# Where nothing can move any more.
FINAL_STAGES = frozenset(
    stage
    for stage in Stage
    if not actions_from(stage, costs_nothing=False) and not actions_from(stage, costs_nothing=True)
)
# Before submission: the stages from which the table may still submit it.
BEFORE_SUBMISSION = frozenset(
    stage
    for stage in Stage
    if stage != STAGE_ACTIONS["submit"].to
    and any(
        _shortest_path(stage, STAGE_ACTIONS["submit"].to, costs_nothing=costs_nothing) is not None
        for costs_nothing in (False, True)
    )
)
# The funding ledger takes lines from the stage the first commitment moves on from, and after.
FUNDABLE_STAGES = frozenset(
    stage
    for stage in Stage
    for start in STAGE_ACTIONS["fund"].allowed_from
    if _shortest_path(start, stage, costs_nothing=True) is not None
)


@dataclass(frozen=True)
class StageGuide:
    """Plain words for a stage: what it means, who holds it, what comes next."""

    definition: str
    holder: str
    next_step: str


@dataclass(frozen=True)
class _StageWords:
    definition: str
    holder: str
    # For a final stage, which no move leaves: what people may do now.
    afterwards: str = ""


_STAGE_WORDS = {
    Stage.DRAFT: _StageWords(
        "Being written. Not yet put before the round table.",
        "The round table's facilitators and drafters",
    ),
    Stage.PROPOSED: _StageWords(
        "Put before the round table for discussion. The table has not decided yet.",
        "The round table",
    ),
    Stage.ENDORSED: _StageWords(
        "The round table agreed on it at a convening. It has not gone to a decision-maker yet.",
        "The round table's facilitators",
    ),
    Stage.SUBMITTED: _StageWords(
        "Sent to its decision-maker. No decision yet.",
        "The decision-maker",
    ),
    Stage.ADOPTED: _StageWords(
        "The decision-maker said yes. Adopted is not funded: no money is committed yet.",
        "The decision-maker and funders",
    ),
    Stage.DECLINED: _StageWords(
        "The decision-maker said no.",
        "Nobody: the decision is recorded",
        afterwards="The table may draft a new recommendation.",
    ),
    Stage.DEFERRED: _StageWords(
        "The decision-maker postponed its decision.",
        "The decision-maker",
    ),
    Stage.FUNDED: _StageWords(
        "Money is committed. Funded is not done: the work has not been reported as finished.",
        "The responsible body",
    ),
    Stage.IMPLEMENTED: _StageWords(
        "Done: the responsible body carried it out, with an account of what happened.",
        "Nobody: the work is reported",
        afterwards="Check the success measure.",
    ),
    Stage.WITHDRAWN: _StageWords(
        "Taken back by the round table before a decision was made.",
        "Nobody",
        afterwards="The table may draft a new recommendation.",
    ),
}


def _in_words(stages: list[Stage]) -> str:
    labels = [stage.label.lower() for stage in stages]
    return labels[0] if len(labels) == 1 else f"{', '.join(labels[:-1])} or {labels[-1]}"


def next_step(stage: str, *, costs_nothing: bool = False) -> str:
    """What comes next from ``stage``, in plain words, from the moves ``STAGE_ACTIONS`` allows.

    Moves that share their words are said once, naming each stage they lead
    to: "A decision (adopted, declined or deferred)."
    """
    steps: dict[str, list[Stage]] = {}
    for action in actions_from(stage, costs_nothing=costs_nothing):
        if action.forward:
            steps.setdefault(action.step, []).append(action.to)
    if not steps:
        return _STAGE_WORDS[Stage(stage)].afterwards
    said = [f"{step} ({_in_words(leads_to)})" for step, leads_to in steps.items()]
    return ", or ".join([said[0], *(words[0].lower() + words[1:] for words in said[1:])]) + "."


def stage_guide(stage: str, *, costs_nothing: bool = False) -> StageGuide:
    """A stage's definition, who holds it and the next step, for a recommendation with or
    without cost."""
    words = _STAGE_WORDS[Stage(stage)]
    return StageGuide(words.definition, words.holder, next_step(stage, costs_nothing=costs_nothing))


class DecisionMaker(models.TextChoices):
    MUNICIPAL_COUNCIL = "municipal_council", "Municipal council"
    PROVINCIAL_MINISTRY = "provincial_ministry", "Provincial ministry"
    POLICE_BOARD = "police_board", "Police board"
    SERVICE_PROVIDERS = "service_providers", "Service providers"
    FUNDERS = "funders", "Funders"
    OTHER = "other", "Other"


@dataclass(frozen=True)
class DecisionMakerBody:
    """The government organizations that speak for a decision-maker.

    ``kind`` is an ``Organization.Kind`` value. A local body answers only for
    the communities it serves; a provincial one answers for the whole province.
    """

    kind: str
    local: bool
    described: str  # in a sentence: "a municipal government serving Okanagan"


# Decision-makers that are government organizations on the site. Police boards,
# service providers and funders are not: only the table's facilitators record
# their decisions.
DECISION_MAKER_BODIES = {
    DecisionMaker.MUNICIPAL_COUNCIL: DecisionMakerBody(
        Organization.Kind.MUNICIPAL,
        local=True,
        described="a municipal government serving {community}",
    ),
    DecisionMaker.PROVINCIAL_MINISTRY: DecisionMakerBody(
        Organization.Kind.PROVINCIAL, local=False, described="a provincial body"
    ),
}


class FundingStatus(models.TextChoices):
    PLEDGED = "pledged", "Pledged"
    CONFIRMED = "confirmed", "Confirmed"
    DISBURSED = "disbursed", "Disbursed"
