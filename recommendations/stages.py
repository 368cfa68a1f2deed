"""The stages of a recommendation, in plain words (DESIGN §4.5)."""

from dataclasses import dataclass

from django.db import models


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
DECISIONS = {Stage.ADOPTED, Stage.DECLINED, Stage.DEFERRED}


class DecisionMaker(models.TextChoices):
    MUNICIPAL_COUNCIL = "municipal_council", "Municipal council"
    PROVINCIAL_MINISTRY = "provincial_ministry", "Provincial ministry"
    POLICE_BOARD = "police_board", "Police board"
    SERVICE_PROVIDERS = "service_providers", "Service providers"
    FUNDERS = "funders", "Funders"
    OTHER = "other", "Other"


class FundingStatus(models.TextChoices):
    PLEDGED = "pledged", "Pledged"
    CONFIRMED = "confirmed", "Confirmed"
    DISBURSED = "disbursed", "Disbursed"
