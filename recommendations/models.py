"""Recommendations: clarity, endorsements, stages and funding."""

import operator
from datetime import date, timedelta
from decimal import Decimal
from functools import reduce

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import IntegrityError, models, transaction
from django.db.models import Case, Count, Exists, OuterRef, Q, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from taggit.models import Tag, TaggedItemBase
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.models import Page
from wagtail.search import index
from wagtail.search.backends import get_search_backend

from commontable.core.addresses import OwnAddressPageMixin
from commontable.core.dates import validate_in_range
from commontable.core.errors import ActionRefused
from commontable.core.plain_text import (
    PlainCharField,
    PlainTextField,
    PlainTextPageMixin,
    PlainURLField,
)
from commontable.core.search import search_terms
from commontable.core.visibility import VisiblePageManager, VisiblePageQuerySet
from convenings.models import (
    Community,
    ConveningPage,
    Corroboration,
    Need,
    Organization,
    RoundTablePage,
    TablePageMixin,
    TaggedNeed,
)
from recommendations.following import FollowFrequency, FollowKind
from recommendations.forms import EndorsementForm, FundingForm, StageForm
from recommendations.panels import FollowThroughPanel, RecommendationPageForm
from recommendations.stages import (
    AWAITING_DECISION,
    BEFORE_SUBMISSION,
    DECISION_MAKER_BODIES,
    DECISIONS,
    FINAL_STAGES,
    FUNDABLE_STAGES,
    STAGE_ACTIONS,
    DecisionMaker,
    FundingStatus,
    Stage,
    StageAction,
    StageGuide,
    WhoMay,
    actions_from,
    stage_guide,
)

STALE_AFTER = timedelta(days=90)


class TaggedRecommendation(TaggedItemBase):
    """The tags on a recommendation (kept with its revisions)."""

    content_object = ParentalKey(
        "RecommendationPage", on_delete=models.CASCADE, related_name="tagged_items"
    )


class RecommendationQuerySet(VisiblePageQuerySet):
    """Recommendation pages, with the figures every listing shows."""

    def with_funding(self):
        """Annotate ``committed``: the total of its funding commitments (0 when none)."""
        committed = (
            FundingCommitment.objects.filter(recommendation=OuterRef("pk"))
            .values("recommendation")
            .annotate(total=Sum("amount"))
            .values("total")
        )
        return self.annotate(
            committed=Coalesce(
                Subquery(committed), Value(Decimal("0")), output_field=models.DecimalField()
            )
        )

    def matching(self, query: str):
        """Filters the QuerySet to recommendations whose words match a full-text search.

        Searched over every recommendation, then narrowed by this QuerySet (and
        so by ``visible_to``): visibility is never left to the search index.
        """
        terms = search_terms(query)
        if not terms:
            return self.none()
        # Only the ids are loaded: the matches are narrowed by this QuerySet next.
        matches = get_search_backend().search(
            terms, RecommendationPage.objects.only("pk").order_by(), order_by_relevance=False
        )
        return self.filter(pk__in=[page.pk for page in matches])

    def with_corroboration(self, user):
        """Annotate ``corroborations``: the corroborations of the linked needs ``user`` may see.

        A members-only need's corroborations would otherwise lift a public
        recommendation up the "most corroborated" list, telling a visitor that
        hidden needs are linked to it and how heavily they weigh. Counted in a
        subquery, as a need's own weight is, so the listing needs no grouping.
        """
        corroborations = (
            Corroboration.objects.filter(
                need__recommendations=OuterRef("pk"),
                need__in=Need.objects.visible_to(user).values("pk"),
            )
            .order_by()
            .values("need__recommendations")
            .annotate(count=Count("pk", distinct=True))
            .values("count")
        )
        return self.annotate(corroborations=Coalesce(Subquery(corroborations), 0))

    def for_listing(self):
        """Everything a recommendation listing shows, in a constant number of queries."""
        return self.with_funding().select_related("round_table__community")

    def with_public_record(self):
        """Filters the QuerySet to recommendations that have a public record to keep.

        Their stage history, endorsements and funding ledger are what a
        councillor relies on (and the database protects them): such a
        recommendation is withdrawn, never deleted.
        """
        return self.filter(
            Q(stage_changes__isnull=False)
            | Q(endorsements__isnull=False)
            | Q(funding_commitments__isnull=False)
        ).distinct()

    def by_stage(self) -> dict[str, list]:
        """The recommendations grouped by stage, in the order of the stages."""
        groups = {stage: [] for stage in Stage}
        for recommendation in self:
            groups[Stage(recommendation.stage)].append(recommendation)
        return {stage: items for stage, items in groups.items() if items}


class RecommendationPage(TablePageMixin, OwnAddressPageMixin, PlainTextPageMixin, Page):
    """A local solution on its way to a decision and to funding.

    Its stage changes only through the transition methods below, each of which
    checks the move against ``STAGE_ACTIONS``, changes the stage under a row
    lock and writes a ``StageChange`` in the same transaction. Publishing an
    older revision never rolls the stage back (see ``with_content_json``).
    """

    summary = PlainTextField(
        max_length=1000, help_text="Two or three sentences anyone can understand."
    )
    action = PlainTextField(
        blank=True, verbose_name="1. Action", help_text="The specific thing to be done."
    )
    responsible_body = PlainCharField(
        max_length=255,
        blank=True,
        verbose_name="2. Responsible body",
        help_text="Who would carry it out: an organization or body, named.",
    )
    decision_maker = models.CharField(
        max_length=30,
        choices=DecisionMaker.choices,
        blank=True,
        verbose_name="3. Decision-maker",
        help_text="Who has to say yes.",
    )
    audience = PlainCharField(
        max_length=255,
        blank=True,
        help_text="The body by name, e.g. 'City of Prince George council'.",
    )
    cost_estimate = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        verbose_name="4. Cost estimate (CAD)",
        help_text="What it would cost, in Canadian dollars.",
    )
    funding_source = PlainCharField(
        max_length=255,
        blank=True,
        verbose_name="4. Funding source",
        help_text="Where the money is asked from.",
    )
    evidence = PlainTextField(
        blank=True,
        verbose_name="5. Evidence",
        help_text="Why it would work: references, lived experience, data.",
    )
    what_exists = PlainTextField(
        blank=True,
        verbose_name="6. What exists",
        help_text="Current programs or policies, and how this differs from them.",
    )
    success_measure = PlainTextField(
        blank=True,
        verbose_name="7. Success measure",
        help_text="How everyone will know it worked, and by when.",
    )
    needs = ParentalManyToManyField(
        Need, blank=True, related_name="recommendations", help_text="The needs it addresses."
    )
    tags = ClusterTaggableManager(through=TaggedRecommendation, blank=True)

    # Follow-through: changed only by the transition methods.
    stage = models.CharField(
        max_length=20, choices=Stage.choices, default=Stage.DRAFT, editable=False
    )
    stage_changed_at = models.DateTimeField(default=timezone.now, editable=False)
    endorsed_at_convening = models.ForeignKey(
        ConveningPage,
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="recommendations_endorsed",
    )
    decision_date = models.DateField(null=True, blank=True, editable=False)
    decision_link = PlainURLField(blank=True, editable=False)
    implementation_account = PlainTextField(blank=True, editable=False)
    clarity_score = models.PositiveSmallIntegerField(default=0, editable=False)
    round_table = models.ForeignKey(
        RoundTablePage,
        null=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="recommendations",
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("summary"),
        MultiFieldPanel(
            [
                FieldPanel("action"),
                FieldPanel("responsible_body"),
                FieldRowPanel([FieldPanel("decision_maker"), FieldPanel("audience")]),
                FieldRowPanel([FieldPanel("cost_estimate"), FieldPanel("funding_source")]),
                FieldPanel("evidence"),
                FieldPanel("what_exists"),
                FieldPanel("success_measure"),
            ],
            heading="The seven clarity questions",
        ),
        FieldPanel("needs"),
        FieldPanel("tags"),
        FollowThroughPanel(heading="Stage, endorsements and funding"),
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("summary"),
        index.SearchField("action"),
        index.SearchField("responsible_body"),
        index.SearchField("evidence"),
        index.FilterField("stage"),
        index.FilterField("round_table"),
    ]
    parent_page_types = ["convenings.RoundTablePage"]
    subpage_types = []

    objects = VisiblePageManager.from_queryset(RecommendationQuerySet)()
    base_form_class = RecommendationPageForm

    # Fields that only the transition methods change; a revision never restores them.
    FOLLOW_THROUGH_FIELDS = [
        "stage",
        "stage_changed_at",
        "endorsed_at_convening_id",
        "decision_date",
        "decision_link",
        "implementation_account",
    ]

    # A copy starts again as a draft with no decision of its own.
    exclude_fields_in_copy = [
        "stage",
        "stage_changed_at",
        "endorsed_at_convening",
        "decision_date",
        "decision_link",
        "implementation_account",
    ]

    class Meta:
        verbose_name = "recommendation"
        # "Recently moved" lists (the home page, ?sort=moved) read the newest moves first.
        indexes = [models.Index(fields=["stage_changed_at"], name="recommendation_moved_idx")]

    # Clarity ---------------------------------------------------------------

    def clarity_checklist(self) -> list[tuple[str, str | None]]:
        """The seven questions, each with what is missing (None when answered).

        The one place clarity is decided: the score, the page's checklist and
        the refusal to submit all come from here.
        """
        cost_missing = [
            part
            for part, answered in [
                ("no cost estimate", self.cost_estimate is not None),
                ("no funding source", bool(self.funding_source.strip())),
            ]
            if not answered
        ]
        return [
            ("Action: the specific thing to be done", None if self.action.strip() else "no action"),
            (
                "Responsible body: who would carry it out",
                None if self.responsible_body.strip() else "no responsible body",
            ),
            (
                "Decision-maker: who has to say yes",
                None if self.decision_maker else "no decision-maker",
            ),
            ("Cost and funding: an estimate and a source", "; ".join(cost_missing) or None),
            ("Evidence: why it would work", None if self.evidence.strip() else "no evidence"),
            (
                "What exists, and how this differs",
                None if self.what_exists.strip() else "no account of what exists",
            ),
            (
                "Success measure: how we will know, and by when",
                None if self.success_measure.strip() else "no success measure",
            ),
        ]

    def compute_clarity_score(self) -> int:
        """Answered clarity questions, out of seven."""
        return sum(1 for _, missing in self.clarity_checklist() if missing is None)

    def save(self, *args, **kwargs):
        """Keep the clarity score and round table in step; never touch the follow-through.

        Stage and decision fields change only through the transition methods
        (which write them with a locked update), so a save from a copy loaded
        before a stage change cannot roll them back.
        """
        with transaction.atomic():
            if self.pk and kwargs.get("update_fields") is None:
                # Locked, so a stage change cannot slip in between this read and the write.
                current = (
                    RecommendationPage.objects.select_for_update(of=("self",))
                    .filter(pk=self.pk)
                    .values(*self.FOLLOW_THROUGH_FIELDS)
                    .first()
                )
                for field, value in (current or {}).items():
                    setattr(self, field, value)
            self.clarity_score = self.compute_clarity_score()
            if self.path and self.depth and self.depth > 1:
                parent = self.get_parent()
                if parent is not None:
                    self.round_table_id = parent.pk
            return super().save(*args, **kwargs)

    def with_content_json(self, content):
        """Build a revision's page, but keep the live follow-through fields.

        Stage, decision and implementation are changed by the transition
        methods only; publishing a draft written before a stage change must not
        roll the stage back.
        """
        page = super().with_content_json(content)
        for field in self.FOLLOW_THROUGH_FIELDS:
            setattr(page, field, getattr(self, field))
        return page

    # Plain-language state ----------------------------------------------------

    @property
    def guide(self) -> StageGuide:
        """The stage's definition, who holds it now and the next step (for its cost)."""
        return stage_guide(self.stage, costs_nothing=self.costs_nothing)

    @property
    def costs_nothing(self) -> bool:
        """Its cost estimate is $0: there is nothing to fund, so it may be implemented once
        adopted. An unanswered estimate is not "no cost"."""
        return self.cost_estimate is not None and self.cost_estimate == 0

    @property
    def stale_since(self):
        """The date of the last move, if it is more than 90 days ago and not final."""
        if self.stage in FINAL_STAGES:
            return None
        if timezone.now() - self.stage_changed_at > STALE_AFTER:
            return self.stage_changed_at
        return None

    @property
    def takes_funding(self) -> bool:
        """Funding is recorded once a recommendation is adopted (``FUNDABLE_STAGES``)."""
        return self.stage in FUNDABLE_STAGES

    @property
    def awaits_decision(self) -> bool:
        """Its decision-maker has it and has not decided yet (``AWAITING_DECISION``)."""
        return self.stage in AWAITING_DECISION

    def funding_progress(self, committed: Decimal | None) -> int | None:
        """Committed as a whole percentage of the estimate (capped at 100), or None."""
        if not self.cost_estimate:
            return None
        return min(100, int((committed or 0) * 100 / self.cost_estimate))

    def endorsement_convenings(self):
        """The table's convenings that have taken place: where it may have been endorsed."""
        return (
            ConveningPage.objects.live()
            .filter(round_table_id=self.round_table_id, starts_at__lte=timezone.now())
            .order_by("-starts_at")
        )

    def get_context(self, request, *args, **kwargs):
        """Checklist, timeline, endorsements, needs, funding and the actions this person has."""
        context = super().get_context(request, *args, **kwargs)
        user = request.user
        committed = self.funding_commitments.aggregate(total=Sum("amount"))["total"]
        endorsements = list(self.endorsements.select_related("organization"))
        endorsed_ids = {e.organization_id for e in endorsements}
        representable = list(Organization.objects.represented_by(user))
        context.update(
            round_table=self.round_table,
            checklist=self.clarity_checklist(),
            timeline=self.stage_changes.select_related("by"),
            endorsements=endorsements,
            linked_needs=Need.objects.visible_to(user).filter(recommendations=self).for_listing(),
            discussed_at=ConveningPage.objects.visible_to(user).discussing(self),
            ledger=self.funding_commitments.all(),
            committed=committed or Decimal("0"),
            progress=self.funding_progress(committed),
            submission_gaps=(
                self.submission_gaps() if self.stage in STAGE_ACTIONS["submit"].allowed_from else []
            ),
            may_record_funding=self.may_record_funding(user),
            stage_form=(
                StageForm(
                    convenings=self.endorsement_convenings(),
                    offered=offered,
                    initial={"seen_stage": self.stage},
                )
                if (offered := self.stage_actions_for(user))
                else None
            ),
            funding_form=FundingForm(),
            endorse_form=(
                EndorsementForm(user=user)
                if any(o.pk not in endorsed_ids for o in representable)
                else None
            ),
            withdrawable=[o for o in representable if o.pk in endorsed_ids],
        )
        return context

    # Who may act ---------------------------------------------------------------

    def may_take(self, action: StageAction, user) -> bool:
        """Whether this person is among those who may make the move (``action.who``)."""
        if action.who is WhoMay.DECISION_MAKER:
            return self.may_record_decision(user)
        return self.is_facilitated_by(user)

    def _require_may_take(self, action: StageAction, user) -> None:
        if self.may_take(action, user):
            return
        if action.who is WhoMay.DECISION_MAKER:
            raise ActionRefused(self.decision_refusal())
        raise ActionRefused(f"Only this round table's facilitators can {action.doing}.")

    def may_record_funding(self, user) -> bool:
        """Whether this person may add a line to the funding ledger now: those who may make
        the "fund" move, once the recommendation takes funding (``takes_funding``)."""
        return self.takes_funding and self.may_take(STAGE_ACTIONS["fund"], user)

    def decision_makers(self):
        """The government organizations that speak for this recommendation's decision-maker.

        From ``DECISION_MAKER_BODIES``: for a municipal council, the municipal
        governments serving the table's community; for a provincial ministry,
        any provincial body. None for other decision-makers.
        """
        body = DECISION_MAKER_BODIES.get(self.decision_maker)
        if body is None or self.round_table is None:
            return Organization.objects.none()
        organizations = Organization.objects.filter(kind=body.kind)
        if body.local:
            organizations = organizations.filter(communities=self.round_table.community_id)
        return organizations

    def may_record_decision(self, user) -> bool:
        """The table's facilitators (administrators too), and its decision-maker's representatives.

        A representative is a member who may speak for (``can_represent``)
        one of ``decision_makers()``: a councillor of Prince George speaks for
        Prince George's council, not for Okanagan's. Asked once
        per page object and person (the page asks it for several parts).
        """
        if not user.is_authenticated:
            return False
        answers = self.__dict__.setdefault("_records_decision", {})
        if user.pk not in answers:
            answers[user.pk] = self.is_facilitated_by(user) or (
                # One query whatever the decision-maker: none speak for a non-government one.
                Organization.objects.represented_by(user)
                .filter(
                    Q(pk__in=self.decision_makers())
                    if self.decision_maker in DECISION_MAKER_BODIES
                    else Q(pk__isnull=True)
                )
                .exists()
            )
        return answers[user.pk]

    def decision_refusal(self) -> str:
        """Who may record this recommendation's decision, for a person who may not."""
        body = DECISION_MAKER_BODIES.get(self.decision_maker)
        if body is None:
            return (
                "Only this round table's facilitators can record this decision: its "
                "decision-maker is not a government organization on this site."
            )
        community = self.round_table.community if self.round_table else "its community"
        return (
            "Only this round table's facilitators and the representatives of "
            f"{body.described.format(community=community)} can record this decision."
        )

    def stage_actions_for(self, user) -> list[StageAction]:
        """The moves the stage form offers this person now.

        Those ``STAGE_ACTIONS`` allows from this stage (for this
        recommendation's cost) that this person may make: nothing at all to
        someone who may make none of them.
        """
        return [
            action
            for action in actions_from(self.stage, costs_nothing=self.costs_nothing)
            if action.on_stage_form and self.may_take(action, user)
        ]

    # Transitions -------------------------------------------------------------

    def _move(
        self,
        action: StageAction,
        *,
        by,
        seen_stage: str | None = None,
        note: str = "",
        link: str = "",
        check=None,
        **changes,
    ) -> "StageChange":
        """Make ``action``'s move under a row lock and record it, or refuse with a reason.

        The row is locked (PostgreSQL; SQLite serialises writers) and re-read.
        The move must start from ``seen_stage``, the stage the person saw
        (this copy's stage when not given): if someone else moved it
        meanwhile, they must look again before acting. Then ``STAGE_ACTIONS``
        must allow the move from there, for the recommendation's cost as it is
        now, and ``check`` runs on the fresh copy. The update is a
        compare-and-set on the stage: two people acting at once cannot both
        win, and a refused change leaves neither a new stage nor a history row.

        Side effects, through the ``StageChange`` it writes
        (``recommendations.signals``): the recommendation's followers are told
        (email now or in their weekly digest, sent once the transaction
        commits), and every cached page is refreshed.
        """
        seen = self.stage if seen_stage is None else seen_stage
        with transaction.atomic():
            fresh = RecommendationPage.objects.select_for_update(of=("self",)).get(pk=self.pk)
            if fresh.stage != seen:
                raise ActionRefused(
                    f"Someone else has just moved this recommendation to "
                    f"{Stage(fresh.stage).label.lower()}; nothing was changed. "
                    "Please look again before acting."
                )
            if not action.starts_from(fresh.stage, costs_nothing=fresh.costs_nothing):
                refusal = (
                    f"Cannot move from {Stage(fresh.stage).label.lower()} to "
                    f"{action.to.label.lower()}"
                )
                if fresh.stage in action.without_cost_from:
                    refusal += ": unless its cost estimate is $0, a funding commitment comes first"
                raise ActionRefused(refusal + ".")
            if check is not None:
                check(fresh)
            now = timezone.now()
            updated = RecommendationPage.objects.filter(pk=self.pk, stage=fresh.stage).update(
                stage=action.to, stage_changed_at=now, **changes
            )
            if updated != 1:
                raise ActionRefused("Someone else changed this recommendation; please reload.")
            change = StageChange.objects.create(
                recommendation=self,
                from_stage=fresh.stage,
                to_stage=action.to,
                by=by if by and by.is_authenticated else None,
                at=now,
                note=note,
                link=link,
            )
        self.stage = action.to
        self.stage_changed_at = now
        for field, value in changes.items():
            setattr(self, field, value)
        return change

    def take_stage_action(
        self,
        name: str,
        *,
        by,
        seen_stage: str,
        note: str = "",
        link: str = "",
        convening: ConveningPage | None = None,
        decided_on: date | None = None,
    ) -> "StageChange":
        """Make the stage form's move ``name`` from ``seen_stage``, the stage the person saw.

        ``convening`` is where the table endorsed it, ``decided_on`` the date
        of a decision; for "implemented", ``note`` is the account of the work.
        The named transition method checks everything and names its side effects.
        """
        action = STAGE_ACTIONS.get(name)
        if action is None or not action.on_stage_form:
            raise ActionRefused("Choose one of the stage changes offered.")
        if action.decision:
            return self.record_decision(
                name, by=by, seen_stage=seen_stage, decided_on=decided_on, link=link, note=note
            )
        moves = {
            "propose": lambda: self.propose(by=by, seen_stage=seen_stage, note=note, link=link),
            "endorse": lambda: self.endorse_at(
                convening, by=by, seen_stage=seen_stage, note=note, link=link
            ),
            "submit": lambda: self.submit(by=by, seen_stage=seen_stage, note=note, link=link),
            "implemented": lambda: self.mark_implemented(
                by=by, seen_stage=seen_stage, account=note, link=link
            ),
            "withdraw": lambda: self.withdraw(by=by, seen_stage=seen_stage, note=note, link=link),
        }
        return moves[name]()

    def propose(
        self, *, by, seen_stage: str | None = None, note: str = "", link: str = ""
    ) -> "StageChange":
        """A facilitator puts a draft before the table (tells followers: see ``_move``)."""
        action = STAGE_ACTIONS["propose"]
        self._require_may_take(action, by)
        return self._move(action, by=by, seen_stage=seen_stage, note=note, link=link)

    def endorse_at(
        self,
        convening: ConveningPage | None,
        *,
        by,
        seen_stage: str | None = None,
        note: str = "",
        link: str = "",
    ) -> "StageChange":
        """Record that the table endorsed it at one of its convenings that has taken place
        (tells followers: see ``_move``)."""
        action = STAGE_ACTIONS["endorse"]
        self._require_may_take(action, by)
        if convening is None or convening.round_table_id != self.round_table_id:
            raise ActionRefused("Choose a convening of this round table.")
        if convening.starts_at > timezone.now():
            raise ActionRefused("The table can only endorse at a convening that has taken place.")
        return self._move(
            action,
            by=by,
            seen_stage=seen_stage,
            note=note or f"Endorsed at “{convening.title}”.",
            link=link,
            endorsed_at_convening=convening,
        )

    def submission_gaps(self) -> list[str]:
        """What stops submission: unanswered clarity questions and a missing peer sign-off."""
        gaps = [missing for _, missing in self.clarity_checklist() if missing]
        table = self.round_table
        if (
            table is not None
            and table.peer_signoff_required
            and not self.endorsements.filter(organization__peer_led=True).exists()
        ):
            gaps.append("no endorsement from a peer-led organization")
        return gaps

    def submit(
        self, *, by, seen_stage: str | None = None, note: str = "", link: str = ""
    ) -> "StageChange":
        """Send it to its decision-maker: only when it is clear and, if required, peer-endorsed
        (tells followers: see ``_move``)."""
        action = STAGE_ACTIONS["submit"]
        self._require_may_take(action, by)

        def clear_and_signed_off(fresh: RecommendationPage) -> None:
            gaps = fresh.submission_gaps()
            if gaps:
                raise ActionRefused(f"Cannot submit: {'; '.join(gaps)}.")

        return self._move(
            action,
            by=by,
            seen_stage=seen_stage,
            note=note,
            link=link,
            check=clear_and_signed_off,
        )

    def record_decision(
        self,
        outcome: str,
        *,
        by,
        decided_on: date | None,
        link: str,
        note: str = "",
        seen_stage: str | None = None,
    ) -> "StageChange":
        """Record the decision-maker's answer, with the motion or letter and its date.

        Only ``may_record_decision`` people; a refusal writes nothing (no stage,
        no history, so no feed entry and no news). Tells followers: see ``_move``.
        """
        if outcome not in DECISIONS:
            raise ActionRefused("A decision is adopted, declined or deferred.")
        action = STAGE_ACTIONS[outcome]
        self._require_may_take(action, by)
        if not link:
            raise ActionRefused("Give a link to the motion or letter that records the decision.")
        if decided_on is None or decided_on > timezone.localdate():
            raise ActionRefused("Give the date of the decision (not in the future).")
        return self._move(
            action,
            by=by,
            seen_stage=seen_stage,
            note=note,
            link=link,
            decision_date=decided_on,
            decision_link=link,
        )

    def record_funding(
        self,
        *,
        by,
        funder: str,
        amount: Decimal,
        committed_on: date,
        status: str = "pledged",
        reference: str = "",
    ) -> "FundingCommitment":
        """Add a line to the funding ledger, from adoption on (``FUNDABLE_STAGES``).

        The first line on an adopted recommendation is the "fund" move to
        funded. Side effects: followers are told of the funding (and of the
        move: see ``_move``), and every cached page is refreshed
        (``recommendations.signals``).
        """
        fund = STAGE_ACTIONS["fund"]
        self._require_may_take(fund, by)
        if not funder.strip():
            raise ActionRefused("Name the funder.")
        if amount is None or amount <= 0:
            raise ActionRefused("The amount must be more than $0.")
        if status not in FundingCommitment.Status.values:
            raise ActionRefused("Funding is pledged, confirmed or disbursed.")
        with transaction.atomic():
            # The stage as it is now, under the lock: another person may have moved it.
            self.stage = stage = (
                RecommendationPage.objects.select_for_update(of=("self",))
                .values_list("stage", flat=True)
                .get(pk=self.pk)
            )
            if not self.may_record_funding(by):
                raise ActionRefused("Funding can be recorded once the recommendation is adopted.")
            commitment = FundingCommitment.objects.create(
                recommendation=self,
                funder=funder.strip(),
                amount=amount,
                committed_on=committed_on,
                status=status,
                reference=reference,
                recorded_by=by,
            )
            if stage in fund.allowed_from:
                self._move(
                    fund,
                    by=by,
                    seen_stage=stage,
                    note=f"First funding commitment: ${amount:,.2f} from {commitment.funder}.",
                )
        return commitment

    def mark_implemented(
        self, *, by, account: str, link: str = "", seen_stage: str | None = None
    ) -> "StageChange":
        """The work is done: record a short account of what happened.

        From funded, or from adopted when it costs nothing (``costs_nothing``).
        Tells followers: see ``_move``.
        """
        action = STAGE_ACTIONS["implemented"]
        self._require_may_take(action, by)
        if not account.strip():
            raise ActionRefused("Give a short account of what happened.")
        return self._move(
            action,
            by=by,
            seen_stage=seen_stage,
            note=account,
            link=link,
            implementation_account=account,
        )

    def withdraw(
        self, *, by, seen_stage: str | None = None, note: str = "", link: str = ""
    ) -> "StageChange":
        """The table takes it back, at any stage before a decision to adopt (tells followers:
        see ``_move``)."""
        action = STAGE_ACTIONS["withdraw"]
        self._require_may_take(action, by)
        return self._move(action, by=by, seen_stage=seen_stage, note=note, link=link)

    # Endorsements ------------------------------------------------------------

    def endorse(self, *, by, organization: Organization, statement: str) -> "Endorsement":
        """An organization's representative endorses it on the organization's behalf."""
        if not Organization.objects.represented_by(by).filter(pk=organization.pk).exists():
            raise ActionRefused(
                f"Only someone who can represent {organization} can endorse for it."
            )
        if self.stage in FINAL_STAGES:
            raise ActionRefused("This recommendation is no longer taking endorsements.")
        if not statement.strip():
            raise ActionRefused("Add a short statement of why you endorse it.")
        try:
            with transaction.atomic():
                return Endorsement.objects.create(
                    recommendation=self,
                    organization=organization,
                    representative=by,
                    statement=statement.strip(),
                )
        except IntegrityError as error:
            raise ActionRefused(
                f"{organization} has already endorsed this recommendation."
            ) from error

    def withdraw_endorsement(self, *, by, organization: Organization) -> None:
        """Take an endorsement back; only before the recommendation is submitted."""
        if not Organization.objects.represented_by(by).filter(pk=organization.pk).exists():
            raise ActionRefused(
                f"Only someone who can represent {organization} can withdraw for it."
            )
        with transaction.atomic():
            # Locked like a stage change, so a submission cannot lose its peer sign-off
            # to a withdrawal at the same moment.
            stage = (
                RecommendationPage.objects.select_for_update(of=("self",))
                .values_list("stage", flat=True)
                .get(pk=self.pk)
            )
            if stage not in BEFORE_SUBMISSION:
                raise ActionRefused("Endorsements cannot be withdrawn once it has been submitted.")
            deleted, _ = self.endorsements.filter(organization=organization).delete()
        if not deleted:
            raise ActionRefused(f"{organization} has not endorsed this recommendation.")


class StageChange(models.Model):
    """One move on a recommendation's public timeline (append-only)."""

    recommendation = models.ForeignKey(
        RecommendationPage, on_delete=models.PROTECT, related_name="stage_changes"
    )
    from_stage = models.CharField(max_length=20, choices=Stage.choices)
    to_stage = models.CharField(max_length=20, choices=Stage.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now, db_index=True)
    note = PlainTextField(blank=True)
    link = PlainURLField(blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.recommendation}: {self.from_stage} → {self.to_stage}"


class Endorsement(models.Model):
    """An organization's endorsement, given by one of its representatives."""

    recommendation = models.ForeignKey(
        RecommendationPage, on_delete=models.CASCADE, related_name="endorsements"
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="endorsements"
    )
    representative = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    statement = PlainCharField(max_length=500, multiline=True)
    endorsed_on = models.DateField(default=timezone.localdate, validators=[validate_in_range])

    panels = [
        FieldPanel("recommendation"),
        FieldPanel("organization"),
        FieldPanel("representative"),
        FieldPanel("statement"),
        FieldPanel("endorsed_on"),
    ]

    class Meta:
        ordering = ["endorsed_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["recommendation", "organization"], name="one_endorsement_per_org"
            )
        ]

    def __str__(self) -> str:
        return f"{self.organization} endorses {self.recommendation}"


class FundingCommitment(models.Model):
    """A line in a recommendation's funding ledger."""

    Status = FundingStatus

    recommendation = models.ForeignKey(
        RecommendationPage, on_delete=models.PROTECT, related_name="funding_commitments"
    )
    funder = PlainCharField(max_length=200)
    amount = models.DecimalField(
        max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    committed_on = models.DateField(default=timezone.localdate, validators=[validate_in_range])
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PLEDGED)
    reference = PlainCharField(max_length=255, blank=True, help_text="Grant or motion number.")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    panels = [
        FieldPanel("recommendation"),
        FieldPanel("funder"),
        FieldPanel("amount"),
        FieldPanel("committed_on"),
        FieldPanel("status"),
        FieldPanel("reference"),
    ]

    class Meta:
        ordering = ["committed_on", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="funding_amount_positive")
        ]

    def __str__(self) -> str:
        return f"${self.amount:,.2f} from {self.funder}"


class FollowQuerySet(models.QuerySet):
    """Follows, with whether their person may still see what each one names."""

    @staticmethod
    def tags_visible_to(user):
        """The tags this person may follow or see named.

        Those on a need or a recommendation the person may see: a tag can say
        too much on its own, so one used only on hidden things is hidden.
        """
        on_visible_need = TaggedNeed.objects.filter(
            tag=OuterRef("pk"), content_object__in=Need.objects.visible_to(user).values("pk")
        )
        on_visible_recommendation = TaggedRecommendation.objects.filter(
            tag=OuterRef("pk"),
            content_object__in=RecommendationPage.objects.visible_to(user).values("pk"),
        )
        return Tag.objects.filter(Exists(on_visible_need) | Exists(on_visible_recommendation))

    @staticmethod
    def followable(user, kind: str):
        """What this person may follow of one kind (a ``FollowKind``): what they may see.

        Every community; the recommendations and round tables they may see;
        the tags on things they may see (``tags_visible_to``).
        """
        return {
            FollowKind.RECOMMENDATION: RecommendationPage.objects.visible_to(user),
            FollowKind.ROUND_TABLE: RoundTablePage.objects.visible_to(user),
            FollowKind.COMMUNITY: Community.objects.all(),
            FollowKind.TAG: FollowQuerySet.tags_visible_to(user),
        }[kind]

    def with_availability(self, user):
        """Annotate ``available``: whether ``user`` may still follow what each follow names.

        A follow outlives its person's access to what it names (they can still
        stop it); a page or a tag is named only while they may see it.
        """
        return self.annotate(
            available=Case(
                *[
                    When(
                        Q(kind=kind, **{f"{kind}__in": self.followable(user, kind).values("pk")}),
                        then=Value(True),
                    )
                    for kind in FollowKind
                ],
                default=Value(False),
                output_field=models.BooleanField(),
            )
        )

    def stop(self) -> int:
        """Delete these follows and the news they brought that is not sent yet; returns how many.

        News already sent stays in its person's history, no longer tied to a follow.
        """
        Notification.objects.filter(follow__in=self, sent_at__isnull=True).delete()
        _, deleted = self.delete()
        return deleted.get(Follow._meta.label, 0)


class Follow(models.Model):
    """A person following a recommendation, a round table, a community or a tag."""

    Kind = FollowKind
    Frequency = FollowFrequency

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="follows"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    recommendation = models.ForeignKey(
        RecommendationPage, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    round_table = models.ForeignKey(
        RoundTablePage, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    community = models.ForeignKey(
        "convenings.Community", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    tag = models.ForeignKey(
        "taggit.Tag", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    frequency = models.CharField(
        max_length=20, choices=Frequency.choices, default=Frequency.IMMEDIATE
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = FollowQuerySet.as_manager()

    class Meta:
        ordering = ["kind", "created_at"]
        # Each kind's value is the name of the field that holds what it follows.
        constraints = [
            *[
                models.UniqueConstraint(
                    fields=["user", kind.value],
                    condition=Q(kind=kind.value),
                    name=f"one_follow_per_{kind.value}",
                )
                for kind in FollowKind
            ],
            models.CheckConstraint(
                condition=reduce(
                    operator.or_,
                    (Q(kind=kind.value, **{f"{kind.value}__isnull": False}) for kind in FollowKind),
                ),
                name="follow_names_its_target",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} follows {self.target}"

    @property
    def target(self):
        """The thing followed: the field its kind names."""
        return getattr(self, self.kind)


class Notification(models.Model):
    """One piece of news for one person, sent at once or in their weekly digest.

    ``event`` names the news (e.g. "stage-change:12"); it is unique per person,
    so someone following a recommendation and its community hears once.
    ``topic`` names the thing the news is about, so a digest groups repeated
    changes to one item into one entry. ``follow`` is the follow that brought
    it, so the email's unsubscribe link can end that follow and no other.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    follow = models.ForeignKey(
        Follow,
        null=True,
        blank=True,
        # News already sent stays in the person's history when they stop the follow.
        on_delete=models.SET_NULL,
        related_name="notifications",
        help_text="The follow that brought this news; empty once it has stopped.",
    )
    event = models.CharField(max_length=80)
    topic = models.CharField(max_length=80)
    subject = models.CharField(max_length=255)
    body = models.TextField()
    url = models.URLField(max_length=500)
    frequency = models.CharField(max_length=20, choices=Follow.Frequency.choices)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["user", "event"], name="news_once_per_person")
        ]
        indexes = [models.Index(fields=["frequency", "sent_at"])]

    def __str__(self) -> str:
        return f"{self.subject} → {self.user}"
