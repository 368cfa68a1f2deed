"""The stages of a recommendation, in plain words (DESIGN §4.5)."""

from dataclasses import dataclass

from django.db import models

from convenings.models import Organization


class Stage(models.TextChoices):
    """Where a recommendation is on its way from draft to implementation (DESIGN §4.5)."""

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


@dataclass(frozen=True)
class StageGuide:
    """Plain words for a stage: what it means, who holds it, what comes next."""

    definition: str
    holder: str
    next_step: str


STAGE_GUIDE = {
    Stage.DRAFT: StageGuide(
        "Being written. Not yet put before the round table.",
        "The round table's facilitators and drafters",
        "A facilitator puts it before the table (proposed).",
    ),
    Stage.PROPOSED: StageGuide(
        "Put before the round table for discussion. The table has not decided yet.",
        "The round table",
        "The table endorses it at a convening (endorsed).",
    ),
    Stage.ENDORSED: StageGuide(
        "The round table agreed on it at a convening. It has not gone to a decision-maker yet.",
        "The round table's facilitators",
        "Sent to its decision-maker once every clarity question is answered (submitted).",
    ),
    Stage.SUBMITTED: StageGuide(
        "Sent to its decision-maker. No decision yet.",
        "The decision-maker",
        "A decision: adopted, declined or deferred.",
    ),
    Stage.ADOPTED: StageGuide(
        "The decision-maker said yes. Adopted is not funded: no money is committed yet.",
        "The decision-maker and funders",
        "A funding commitment is recorded (funded).",
    ),
    Stage.DECLINED: StageGuide(
        "The decision-maker said no.",
        "Nobody: the decision is recorded",
        "The table may draft a new recommendation.",
    ),
    Stage.DEFERRED: StageGuide(
        "The decision-maker postponed its decision.",
        "The decision-maker",
        "A later decision: adopted, declined or deferred again.",
    ),
    Stage.FUNDED: StageGuide(
        "Money is committed. Funded is not done: the work has not been reported as finished.",
        "The responsible body",
        "The work is done and reported (implemented).",
    ),
    Stage.IMPLEMENTED: StageGuide(
        "Done: the responsible body carried it out, with an account of what happened.",
        "Nobody: the work is reported",
        "Check the success measure.",
    ),
    Stage.WITHDRAWN: StageGuide(
        "Taken back by the round table before a decision was made.",
        "Nobody",
        "The table may draft a new recommendation.",
    ),
}

FINAL_STAGES = {Stage.DECLINED, Stage.IMPLEMENTED, Stage.WITHDRAWN}
WITHDRAWABLE_STAGES = {
    Stage.DRAFT,
    Stage.PROPOSED,
    Stage.ENDORSED,
    Stage.SUBMITTED,
    Stage.DEFERRED,
}


@dataclass(frozen=True)
class StageAction:
    """A stage change a person asks for from a recommendation's page.

    ``decision`` marks the decision-maker's answer: recorded by the people
    who speak for the decision-maker as well as by the table's facilitators
    (``RecommendationPage.may_record_decision``); every other action is the
    facilitators' alone.
    """

    label: str
    allowed_from: frozenset[Stage]
    to: Stage
    decision: bool = False


def _action(label: str, allowed_from, to: Stage, *, decision: bool = False) -> StageAction:
    return StageAction(label, frozenset(allowed_from), to, decision)


# Every stage change the site offers, by the name its form sends.
STAGE_ACTIONS = {
    "propose": _action("Propose to the table", {Stage.DRAFT}, Stage.PROPOSED),
    "endorse": _action(
        "Record the table's endorsement at a convening", {Stage.PROPOSED}, Stage.ENDORSED
    ),
    "submit": _action("Submit to the decision-maker", {Stage.ENDORSED}, Stage.SUBMITTED),
    "adopted": _action(
        "Record decision: adopted",
        {Stage.SUBMITTED, Stage.DEFERRED},
        Stage.ADOPTED,
        decision=True,
    ),
    "declined": _action(
        "Record decision: declined",
        {Stage.SUBMITTED, Stage.DEFERRED},
        Stage.DECLINED,
        decision=True,
    ),
    "deferred": _action(
        "Record decision: deferred",
        {Stage.SUBMITTED, Stage.DEFERRED},
        Stage.DEFERRED,
        decision=True,
    ),
    "implemented": _action("Mark implemented", {Stage.FUNDED}, Stage.IMPLEMENTED),
    "withdraw": _action("Withdraw", WITHDRAWABLE_STAGES, Stage.WITHDRAWN),
}
DECISIONS = {action.to for action in STAGE_ACTIONS.values() if action.decision}


class DecisionMaker(models.TextChoices):
    MUNICIPAL_COUNCIL = "municipal_council", "Municipal council"
    PROVINCIAL_MINISTRY = "provincial_ministry", "Provincial ministry"
    POLICE_BOARD = "police_board", "Police board"
    SERVICE_PROVIDERS = "service_providers", "Service providers"
    FUNDERS = "funders", "Funders"
    OTHER = "other", "Other"


@dataclass(frozen=True)
class DecisionMakerBody:
    """The government organizations that speak for a decision-maker (DESIGN §12).

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
