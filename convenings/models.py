"""Places, organizations, people's roles, round tables and their convenings."""

from typing import NamedTuple
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Case, Count, Exists, F, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Cast, Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.text import capfirst, slugify
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from taggit.managers import TaggableManager
from taggit.models import TaggedItemBase
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import (
    BaseViewRestriction,
    GroupPagePermission,
    Orderable,
    Page,
    PageViewRestriction,
    ReferenceIndex,
    Revision,
)
from wagtail.search import index
from wagtail.search.backends import get_search_backend

from commontable.core.addresses import OwnAddressPageMixin, address_refusal
from commontable.core.dates import validate_in_range
from commontable.core.errors import ActionRefused
from commontable.core.plain_text import (
    PlainCharField,
    PlainTextField,
    PlainTextPageMixin,
    PlainURLField,
    rich_text_from_plain_text,
)
from commontable.core.search import search_terms
from commontable.core.visibility import VisiblePageManager, VisiblePageQuerySet, user_group_ids
from convenings.blocks import AgendaBlock

# The round tables' index page lives at /round-tables/, and the site's own
# views for tables, convenings and recommendations (calendars, feeds,
# scheduling, registration, attendance, stage changes, briefs) are URL
# patterns under the same prefix, in convenings/urls.py and
# recommendations/urls.py. They are Django views rather than
# RoutablePageMixin routes because templates, emails, the API and the page
# cache reverse them by name, and each view checks what the person may see
# itself. So the index page keeps this slug, and no page may take an
# address those patterns answer (OwnAddressPageMixin).
ROUND_TABLES_SLUG = "round-tables"

# British Columbia keeps several clocks: most of the province is on Pacific
# time, but the North East (Dawson Creek, Fort St. John, Fort Nelson) and
# Creston stay on Mountain Standard Time all year.
BC_TIME_ZONES = [
    ("America/Vancouver", "Pacific time (most of BC)"),
    ("America/Dawson_Creek", "Mountain standard time (Dawson Creek, Fort St. John)"),
    ("America/Fort_Nelson", "Mountain standard time (Fort Nelson)"),
    ("America/Creston", "Mountain standard time (Creston)"),
    ("America/Edmonton", "Mountain time (Alberta border)"),
]


def refusal_from(error: ValidationError, model: type[models.Model]) -> ActionRefused:
    """A model's validation errors as one refusal a person can read ("Title: …")."""
    if not hasattr(error, "error_dict"):
        return ActionRefused(" ".join(error.messages))
    parts = []
    for name, messages in error.message_dict.items():
        try:
            label = capfirst(model._meta.get_field(name).verbose_name)
        except FieldDoesNotExist:
            parts.extend(messages)
        else:
            parts.extend(f"{label}: {message}" for message in messages)
    return ActionRefused(" ".join(parts))


class Community(index.Indexed, models.Model):
    """A municipality or region that round tables serve ("Prince George", "Province-wide")."""

    name = PlainCharField(max_length=120, unique=True, help_text="As people there say it.")
    slug = models.SlugField(max_length=120, unique=True, help_text="Used in web addresses.")
    region = PlainCharField(
        max_length=120, blank=True, help_text="The wider region, e.g. 'Northern BC'."
    )
    description = PlainTextField(blank=True, help_text="One or two sentences about the place.")
    peer_reporting_name = PlainCharField(
        max_length=160,
        blank=True,
        help_text=(
            "The community's peer-run way to report violence by a client or an aggressor, "
            "e.g. a bad-date line. Shown before anyone posts about violence."
        ),
    )
    peer_reporting_url = PlainURLField(
        blank=True, help_text="Where that peer-run reporting option is found."
    )

    panels = [
        FieldPanel("name"),
        FieldPanel("slug"),
        FieldPanel("region"),
        FieldPanel("description"),
        MultiFieldPanel(
            [FieldPanel("peer_reporting_name"), FieldPanel("peer_reporting_url")],
            heading="Peer-run reporting",
        ),
    ]
    search_fields = [index.SearchField("name"), index.AutocompleteField("name")]

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "communities"

    def __str__(self) -> str:
        return self.name


class OrganizationQuerySet(models.QuerySet):
    """Organizations, and the people who belong to them or speak for them."""

    def of(self, user):
        """Filters the QuerySet to the organizations this person belongs to (none for visitors).

        The organizations a person may register, post, corroborate or attend for.
        """
        if not user.is_authenticated:
            return self.none()
        return self.filter(memberships__user=user)

    def represented_by(self, user):
        """Filters the QuerySet to the organizations this person may speak for.

        A member who ``can_represent`` an organization endorses on its behalf
        and, for a government one, records its decisions.
        """
        if not user.is_authenticated:
            return self.none()
        return self.filter(memberships__user=user, memberships__can_represent=True)


class Organization(index.Indexed, models.Model):
    """An organization that takes part: a provider, a peer group, a council, a funder."""

    class Kind(models.TextChoices):
        FRONTLINE = "frontline", "Frontline service provider"
        PEER_LED = "peer_led", "Peer-led organization"
        INDIGENOUS = "indigenous", "Indigenous organization"
        MUNICIPAL = "municipal", "Municipal government"
        PROVINCIAL = "provincial", "Provincial body"
        UNION = "union", "Union"
        ADVOCACY = "advocacy", "Advocacy or legal organization"
        FUNDER = "funder", "Funder"
        OTHER = "other", "Other"

    name = PlainCharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=200, unique=True, help_text="Used in web addresses.")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.FRONTLINE)
    peer_led = models.BooleanField(
        default=False,
        help_text="Led by people with lived experience. Peer-led endorsements are marked.",
    )
    communities = models.ManyToManyField(
        Community, blank=True, related_name="organizations", help_text="Communities it serves."
    )
    website = PlainURLField(blank=True)
    description = PlainTextField(blank=True, max_length=600, help_text="A short description.")

    panels = [
        FieldPanel("name"),
        FieldPanel("slug"),
        FieldRowPanel([FieldPanel("kind"), FieldPanel("peer_led")]),
        FieldPanel("communities"),
        FieldPanel("website"),
        FieldPanel("description"),
    ]
    search_fields = [
        index.SearchField("name"),
        index.AutocompleteField("name"),
        index.SearchField("description"),
        index.FilterField("kind"),
        index.FilterField("peer_led"),
    ]

    objects = OrganizationQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A person's affiliation with an organization."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="memberships"
    )
    can_represent = models.BooleanField(
        default=False,
        help_text="May speak for the organization: endorse recommendations on its behalf.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    panels = [FieldPanel("user"), FieldPanel("organization"), FieldPanel("can_represent")]

    class Meta:
        ordering = ["organization__name", "user__display_name"]
        constraints = [
            models.UniqueConstraint(fields=["user", "organization"], name="one_membership_per_org")
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.organization}"


class RoundTableIndexPage(OwnAddressPageMixin, PlainTextPageMixin, Page):
    """The parent of every round table, at /round-tables/ (``ROUND_TABLES_SLUG``)."""

    introduction = RichTextField(blank=True, features=["bold", "italic", "link"])

    content_panels = [*Page.content_panels, FieldPanel("introduction")]
    parent_page_types = ["commontable.HomePage"]
    subpage_types = ["convenings.RoundTablePage"]
    max_count = 1
    # The round tables' own routes answer beneath this page's address.
    site_routes_beneath = True

    objects = VisiblePageManager()

    def clean(self):
        """The page keeps its address: the round tables' own routes are found under it."""
        errors = {}
        try:
            super().clean()
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if self.slug != ROUND_TABLES_SLUG:
            errors.setdefault("slug", []).append(
                f"The round tables' page keeps the address /{ROUND_TABLES_SLUG}/: each "
                "table's calendar, feed and scheduling form are found under it."
            )
        if errors:
            raise ValidationError(errors)

    def get_context(self, request, *args, **kwargs):
        """List the round tables this visitor may see, by community."""
        context = super().get_context(request, *args, **kwargs)
        context["round_tables"] = (
            RoundTablePage.objects.visible_to(request.user)
            .child_of(self)
            .select_related("community")
            .order_by("community__name", "title")
        )
        return context


class RoundTablePage(OwnAddressPageMixin, PlainTextPageMixin, Page):
    """One community's standing round table.

    A members-only table is a private section: a Wagtail view restriction
    by group, the group holding everyone with a role on the table and the
    people of its member organizations. Facilitators get a second group with
    page permissions on the table's subtree. ``sync_access()`` keeps both in
    step and runs whenever the table is published or its people change.
    """

    community = models.ForeignKey(
        Community,
        on_delete=models.PROTECT,
        related_name="round_tables",
        help_text="The community this table serves.",
    )
    purpose = RichTextField(
        features=["h2", "h3", "bold", "italic", "link", "ol", "ul"],
        help_text="Purpose and terms of reference: why the table meets and how it decides.",
    )
    member_organizations = ParentalManyToManyField(
        Organization,
        blank=True,
        related_name="round_tables",
        help_text="Organizations that sit at this table. Their people are its members.",
    )
    peer_signoff_required = models.BooleanField(
        default=True,
        help_text="A peer-led organization must endorse a recommendation before it is submitted.",
    )
    members_only = models.BooleanField(
        default=False,
        help_text=(
            "Only the table's members may see it and everything under it. Visitors never see it."
        ),
    )
    facilitator_group = models.OneToOneField(
        Group, null=True, blank=True, editable=False, on_delete=models.SET_NULL, related_name="+"
    )
    member_group = models.OneToOneField(
        Group, null=True, blank=True, editable=False, on_delete=models.SET_NULL, related_name="+"
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("community"),
        FieldPanel("purpose"),
        FieldPanel("member_organizations"),
        MultiFieldPanel(
            [FieldPanel("peer_signoff_required"), FieldPanel("members_only")], heading="Rules"
        ),
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("purpose"),
        index.FilterField("community"),
    ]
    parent_page_types = ["convenings.RoundTableIndexPage"]
    subpage_types = ["convenings.ConveningPage", "recommendations.RecommendationPage"]

    objects = VisiblePageManager()
    # A copy is a new table: it gets groups of its own when it is published.
    exclude_fields_in_copy = ["facilitator_group", "member_group"]

    class Meta:
        verbose_name = "round table"

    def sync_access(self) -> None:
        """Bring the table's groups, page permissions and privacy in line with its people."""
        with transaction.atomic():
            self.facilitator_group = self._ensure_group(self.facilitator_group, "facilitators")
            self.member_group = self._ensure_group(self.member_group, "members")
            RoundTablePage.objects.filter(pk=self.pk).update(
                facilitator_group=self.facilitator_group, member_group=self.member_group
            )
            page_permissions = Permission.objects.filter(
                content_type__app_label="wagtailcore",
                codename__in=["add_page", "change_page", "publish_page"],
            )
            for permission in page_permissions:
                GroupPagePermission.objects.get_or_create(
                    group=self.facilitator_group, page=self, permission=permission
                )
            self.facilitator_group.permissions.add(
                Permission.objects.get(
                    content_type__app_label="wagtailadmin", codename="access_admin"
                )
            )
            users = get_user_model()._default_manager
            facilitators = self.roles.facilitators().values("user")
            self.facilitator_group.user_set.set(users.filter(pk__in=facilitators))
            self.member_group.user_set.set(users.filter(self.members_q()).distinct())
            self._sync_privacy()

    def _ensure_group(self, group: Group | None, purpose: str) -> Group:
        name = f"Round table {self.pk}: {self.title}"[:130] + f" — {purpose}"
        if group is None:
            group, _ = Group.objects.get_or_create(name=name)
        elif group.name != name:
            group.name = name
            group.save(update_fields=["name"])
        return group

    def _sync_privacy(self) -> None:
        restrictions = PageViewRestriction.objects.filter(
            page=self, restriction_type=BaseViewRestriction.GROUPS, groups=self.member_group
        )
        if self.members_only:
            restriction = restrictions.first() or PageViewRestriction.objects.create(
                page=self, restriction_type=BaseViewRestriction.GROUPS
            )
            restriction.groups.set([self.member_group, self.facilitator_group])
        else:
            restrictions.delete()

    def members_q(self) -> Q:
        """A Q on users: the people with a role here and the people of member organizations."""
        return Q(round_table_roles__round_table=self) | Q(
            memberships__organization__in=self.member_organizations.all()
        )

    def is_member(self, user) -> bool:
        """Whether this person is a member (or facilitator) of the table."""
        if not user.is_authenticated:
            return False
        return get_user_model()._default_manager.filter(self.members_q(), pk=user.pk).exists()

    def is_facilitator(self, user) -> bool:
        """Whether this person facilitates the table (administrators count as facilitators)."""
        if not user.is_authenticated:
            return False
        if user.is_superuser:
            return True
        return self.roles.facilitators().of(user).exists()

    def may_post_members_only(self, user) -> bool:
        """Whether this person may post a need only the table's people see: its people do."""
        return self.is_member(user) or self.is_facilitator(user)

    def may_schedule_convening(self, user) -> bool:
        """Facilitators, and anyone Wagtail lets add and publish pages under this table."""
        if not user.is_authenticated:
            return False
        if self.is_facilitator(user):
            return True
        permissions = self.permissions_for_user(user)
        return permissions.can_add_subpage() and permissions.can_publish_subpage()

    def schedule_convening(self, *, by, **fields) -> "ConveningPage":
        """Create a convening under this table and publish it, as the admin's "Publish" does.

        ``fields`` are ``ConveningPage.SCHEDULING_FIELDS``. The page is added,
        a revision is saved and published, so Wagtail's history, the reference
        index and the "new convening" news run exactly as for the admin. The
        table's row is locked while the web address is chosen from the title,
        so two convenings scheduled at once cannot take the same one. Refused
        (and nothing saved) when the person may not, or a field is invalid.
        """
        if not self.may_schedule_convening(by):
            raise ActionRefused("Only this round table's facilitators can schedule its convenings.")
        unknown = set(fields) - set(ConveningPage.SCHEDULING_FIELDS)
        if unknown:
            raise TypeError(f"Not a scheduling field: {', '.join(sorted(unknown))}")
        if isinstance(fields.get("title"), str):
            fields["title"] = fields["title"].strip()
        with transaction.atomic():
            table = RoundTablePage.objects.select_for_update(of=("self",)).get(pk=self.pk)
            convening = ConveningPage(
                owner=by, slug=table.free_child_slug(fields.get("title") or ""), **fields
            )
            try:
                table.add_child(instance=convening)
                revision = convening.save_revision(user=by, log_action=True)
                # The rule above decides who may; Wagtail's own check would
                # refuse a facilitator whose group is not yet in step.
                revision.publish(user=by, skip_permission_checks=True)
            except ValidationError as error:
                raise refusal_from(error, ConveningPage) from error
        return ConveningPage.objects.get(pk=convening.pk)

    def free_child_slug(self, title: str) -> str:
        """A web address for a new page here: from the title, with -2, -3… when taken.

        Taken by a page here, or by the site's own views (``address_refusal``).
        """
        base = slugify(title)[:80].strip("-") or "convening"
        taken = set(
            self.get_children().filter(slug__startswith=base).values_list("slug", flat=True)
        )
        slug, suffix = base, 1
        while slug in taken or address_refusal(self, slug, ConveningPage):
            suffix += 1
            slug = f"{base}-{suffix}"
        return slug

    def get_context(self, request, *args, **kwargs):
        """The table's upcoming and past convenings, facilitators and member organizations."""
        context = super().get_context(request, *args, **kwargs)
        convenings = ConveningPage.objects.visible_to(request.user).filter(round_table=self)
        context["upcoming_convenings"] = convenings.upcoming().annotate_registrations()
        context["past_convenings"] = convenings.past()
        context["facilitators"] = [
            role.user for role in self.roles.facilitators().select_related("user")
        ]
        context["organizations"] = self.member_organizations.all()
        context["may_schedule_convening"] = self.may_schedule_convening(request.user)
        open_needs = Need.objects.visible_to(request.user).filter(round_table=self).open()
        context["open_needs_count"] = open_needs.count()
        context["open_needs"] = open_needs.for_listing().order_by("-weight", "-created_at")[:5]
        # The reverse relation's manager is the recommendations app's own, so
        # this app needs no import of it (dependencies point one way).
        context["recommendations_by_stage"] = (
            self.recommendations.visible_to(request.user).with_funding().by_stage()
        )
        return context


class RoundTableRoleQuerySet(models.QuerySet):
    """People's roles on round tables, by role and by person."""

    def facilitators(self):
        """Filters the QuerySet to facilitators' roles."""
        return self.filter(role=RoundTableRole.Role.FACILITATOR)

    def of(self, user):
        """Filters the QuerySet to this person's roles."""
        return self.filter(user=user)


class RoundTableRole(models.Model):
    """A person's role on one round table: facilitator or member."""

    class Role(models.TextChoices):
        FACILITATOR = "facilitator", "Facilitator"
        MEMBER = "member", "Member"

    round_table = models.ForeignKey(RoundTablePage, on_delete=models.CASCADE, related_name="roles")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="round_table_roles"
    )
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.MEMBER)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RoundTableRoleQuerySet.as_manager()

    panels = [FieldPanel("round_table"), FieldPanel("user"), FieldPanel("role")]

    class Meta:
        ordering = ["round_table__title", "role", "user__display_name"]
        constraints = [
            models.UniqueConstraint(fields=["round_table", "user"], name="one_role_per_table")
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} of {self.round_table}"


class TablePageMixin:
    """For the pages under a round table (convenings, recommendations), kept in ``round_table``."""

    def is_facilitated_by(self, user) -> bool:
        """Whether this person facilitates the page's round table, asked once per person.

        Administrators count as facilitators (``RoundTablePage.is_facilitator``).
        """
        answers = self.__dict__.setdefault("_facilitated_by", {})
        if user.pk not in answers:
            answers[user.pk] = bool(self.round_table and self.round_table.is_facilitator(user))
        return answers[user.pk]


class ConveningQuerySet(VisiblePageQuerySet):
    """Convening pages, with the time filters every listing uses."""

    def upcoming(self):
        """Filters the QuerySet to convenings that have not ended, soonest first."""
        return self.filter(ends_at__gte=timezone.now()).order_by("starts_at")

    def past(self):
        """Filters the QuerySet to convenings that have ended, most recent first."""
        return self.filter(ends_at__lt=timezone.now()).order_by("-starts_at")

    def discussing(self, item):
        """Filters the QuerySet to convenings whose agenda links to ``item`` (a need or page).

        Wagtail's reference index already records what each page's agenda points at;
        it is read in the same query as the convenings.
        """
        agendas = (
            ReferenceIndex.get_references_to(item)
            .filter(content_type=ContentType.objects.get_for_model(self.model))
            .annotate(convening_id=Cast("object_id", models.IntegerField()))
            .values("convening_id")
        )
        return self.filter(pk__in=agendas).order_by("-starts_at")

    def annotate_registrations(self):
        """Annotate each convening with ``registered_count``: its active registrations."""
        active = (
            Registration.objects.active()
            .filter(convening=OuterRef("pk"))
            .order_by()
            .values("convening")
            .annotate(count=Count("pk"))
            .values("count")
        )
        return self.annotate(registered_count=Coalesce(Subquery(active), 0))


class ConveningPage(TablePageMixin, OwnAddressPageMixin, PlainTextPageMixin, Page):
    """One meeting of a round table."""

    class Format(models.TextChoices):
        IN_PERSON = "in_person", "In person"
        ONLINE = "online", "Online"
        HYBRID = "hybrid", "In person and online"

    round_table = models.ForeignKey(
        RoundTablePage,
        null=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="convenings",
        help_text="The table this convening belongs to (kept from the page tree).",
    )
    starts_at = models.DateTimeField(
        validators=[validate_in_range],
        help_text=(
            "When it starts, in your own admin time zone (Pacific unless you changed it "
            "in your account). The page shows it in the convening's time zone below."
        ),
    )
    ends_at = models.DateTimeField(validators=[validate_in_range], help_text="When it ends.")
    time_zone = models.CharField(
        max_length=40,
        choices=BC_TIME_ZONES,
        default="America/Vancouver",
        help_text="Where the convening happens; its page and calendar show times in this zone.",
    )
    format = models.CharField(max_length=20, choices=Format.choices, default=Format.IN_PERSON)
    area = PlainCharField(
        max_length=160,
        blank=True,
        help_text="A general area everyone may see, e.g. 'Downtown Prince George'.",
    )
    address = PlainTextField(
        blank=True, help_text="The exact place. Shown only to people registered to attend."
    )
    online_link = PlainURLField(
        blank=True, help_text="The meeting link. Shown only to people registered to attend."
    )
    capacity = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="How many people can register. Leave empty for no limit.",
    )
    open_registration = models.BooleanField(
        default=False,
        help_text=(
            "Let any signed-in member register and see the address and link. "
            "Otherwise only people of the table's organizations, and its facilitators, may."
        ),
    )
    interpretation = PlainCharField(
        max_length=200, blank=True, help_text="Languages interpreted, e.g. 'ASL, Dakelh'."
    )
    honoraria = models.BooleanField(
        default=False, help_text="Peers with lived experience are paid an honorarium."
    )
    childcare = models.BooleanField(default=False, help_text="Childcare is provided.")
    transit_support = models.BooleanField(
        default=False, help_text="Transit tickets or travel costs are covered."
    )
    accessibility_notes = PlainTextField(
        blank=True,
        help_text="Step-free access, quiet room, food, naloxone on site, anything else.",
    )
    agenda = StreamField(AgendaBlock(), blank=True, help_text="What the convening will cover.")
    minutes = RichTextField(
        blank=True,
        features=["h2", "h3", "bold", "italic", "link", "ol", "ul"],
        help_text="Published on the page once the convening has ended.",
    )
    sequence = models.PositiveIntegerField(
        default=0,
        editable=False,
        help_text=(
            "How many times what calendars show of it (title, times, format, area) has "
            "changed, so calendars that already hold it update it."
        ),
    )

    content_panels = [
        *Page.content_panels,
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("starts_at"), FieldPanel("ends_at")]),
                FieldPanel("time_zone"),
            ],
            heading="When",
        ),
        MultiFieldPanel(
            [
                FieldPanel("format"),
                FieldPanel("area"),
                FieldPanel("address"),
                FieldPanel("online_link"),
                FieldPanel("capacity"),
                FieldPanel("open_registration"),
            ],
            heading="Where and how many",
        ),
        MultiFieldPanel(
            [
                FieldPanel("interpretation"),
                FieldRowPanel(
                    [
                        FieldPanel("honoraria"),
                        FieldPanel("childcare"),
                        FieldPanel("transit_support"),
                    ]
                ),
                FieldPanel("accessibility_notes"),
            ],
            heading="Access and support",
        ),
        FieldPanel("agenda"),
        FieldPanel("minutes"),
        InlinePanel("attendance", heading="Attendance by organization", label="Attendance"),
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("agenda"),
        index.SearchField("minutes"),
        index.FilterField("starts_at"),
        index.FilterField("round_table"),
    ]
    parent_page_types = ["convenings.RoundTablePage"]
    subpage_types = []

    objects = VisiblePageManager.from_queryset(ConveningQuerySet)()

    # What a calendar shows of a convening: a change to any of them is a new
    # version of its event (``sequence``), which calendars holding it take up.
    CALENDAR_FIELDS = ("title", "starts_at", "ends_at", "time_zone", "format", "area")

    # What a facilitator gives when scheduling from the site (the agenda is
    # written in the admin, where agenda items link needs and recommendations).
    SCHEDULING_FIELDS = [
        "title",
        "starts_at",
        "ends_at",
        "time_zone",
        "format",
        "area",
        "address",
        "online_link",
        "capacity",
        "open_registration",
        "interpretation",
        "honoraria",
        "childcare",
        "transit_support",
        "accessibility_notes",
    ]

    class Meta:
        verbose_name = "convening"

    def clean(self):
        """An end must come after the start."""
        super().clean()
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": "The convening must end after it starts."})

    def save(self, *args, **kwargs):
        """Keep ``round_table`` in step with the page tree; count changes calendars show.

        ``sequence`` goes up by one when a save changes any of ``CALENDAR_FIELDS``.
        It is counted from the stored row, read under a lock, never from this
        object: publishing an older revision brings that revision's count with
        it, and the count must not go back. Saving a draft changes no stored
        field calendars show, so it counts nothing.
        """
        if self.path and self.depth and self.depth > 1:
            parent = self.get_parent()
            if parent is not None:
                self.round_table_id = parent.pk
        update_fields = kwargs.get("update_fields")
        if self.pk is None or (
            update_fields is not None and not set(update_fields) & set(self.CALENDAR_FIELDS)
        ):
            return super().save(*args, **kwargs)
        with transaction.atomic():
            stored = (
                ConveningPage.objects.select_for_update(of=("self",))
                .filter(pk=self.pk)
                .values("sequence", *self.CALENDAR_FIELDS)
                .first()
            )
            if stored is not None:
                changed = any(stored[name] != getattr(self, name) for name in self.CALENDAR_FIELDS)
                self.sequence = stored["sequence"] + changed
                if update_fields is not None:
                    kwargs["update_fields"] = {*update_fields, "sequence"}
            return super().save(*args, **kwargs)

    @property
    def zone(self) -> ZoneInfo:
        """The convening's time zone."""
        return ZoneInfo(self.time_zone)

    @property
    def local_starts_at(self):
        """The start, in the convening's own time zone."""
        return timezone.localtime(self.starts_at, self.zone)

    @property
    def local_ends_at(self):
        """The end, in the convening's own time zone."""
        return timezone.localtime(self.ends_at, self.zone)

    @property
    def has_started(self) -> bool:
        """Whether the meeting has begun (attendance is recorded from then on)."""
        return self.starts_at <= timezone.now()

    @property
    def has_ended(self) -> bool:
        """Whether the meeting is over (minutes are published only then)."""
        return self.ends_at < timezone.now()

    @property
    def support_offered(self) -> list[str]:
        """The supports on offer, in plain words, for listings and the page."""
        offered = []
        if self.interpretation:
            offered.append(f"Interpretation: {self.interpretation}")
        if self.honoraria:
            offered.append("Honoraria for peers")
        if self.childcare:
            offered.append("Childcare")
        if self.transit_support:
            offered.append("Transit support")
        return offered

    def places_left(self, registered_count: int) -> int | None:
        """Places still open, or None when there is no limit."""
        if self.capacity is None:
            return None
        return max(self.capacity - registered_count, 0)

    def may_see_meeting_details(self, user) -> bool:
        """The address and link: for the table's facilitators, and active registrations.

        Only while the person may still register: someone who has left the
        table's organizations stops seeing them at once, registered or not.
        A cancelled registration stays on record (they saw the details then)
        but shows them no more.
        """
        if not user.is_authenticated:
            return False
        if self.is_facilitated_by(user):
            return True
        return self.may_register(user) and self.registrations.active().filter(user=user).exists()

    def may_register(self, user) -> bool:
        """Whether this person may register (and so learn the address and link).

        The people the table expects: the people of its member organizations,
        everyone with a role on it (facilitators included) and site
        administrators. A facilitator may open a convening
        (``open_registration``) to anyone signed in with an organization.
        """
        if not user.is_authenticated:
            return False
        if user.is_superuser:
            return True
        if self.round_table is not None and self.round_table.is_member(user):
            return True
        return self.open_registration and user.memberships.exists()

    def registration_refusal(self, user) -> str:
        """Why this person may not register, and whom to ask: shown on the page and on refusal."""
        if not user.memberships.exists() and not self.open_registration:
            return (
                "Only members can register. Registration is for the people of this round "
                "table's organizations: ask an organization you work with to add you, or ask "
                "the table's facilitators."
            )
        if not user.memberships.exists():
            return (
                "Only members can register. Ask an organization you work with to add you, "
                "or ask this table's facilitators."
            )
        return (
            "Registration is for the people of this round table's organizations. Ask the "
            "table's facilitators to add your organization, or to open this convening to "
            "every member."
        )

    def register(self, *, user, organization=None, anonymous: bool = False) -> "Registration":
        """Register a member to attend, refusing when the convening is over, full or repeated.

        The convening's row is locked (and SQLite serialises writers), so two
        people asking for the last place at once cannot both get it. Only
        active registrations take places; after cancelling, registering again
        makes a new registration and the cancelled one stays on record.
        """
        if not self.may_register(user):
            raise ActionRefused(self.registration_refusal(user))
        if (
            organization is not None
            and not user.memberships.filter(organization=organization).exists()
        ):
            raise ActionRefused(f"You are not a member of {organization}.")
        with transaction.atomic():
            locked = ConveningPage.objects.select_for_update(of=("self",)).get(pk=self.pk)
            if locked.has_ended:
                raise ActionRefused("This convening has already taken place.")
            if locked.registrations.active().filter(user=user).exists():
                raise ActionRefused("You are already registered for this convening.")
            taken = locked.registrations.active().count()
            if locked.capacity is not None and taken >= locked.capacity:
                raise ActionRefused(
                    f"This convening is full: all {locked.capacity} places are taken."
                )
            try:
                with transaction.atomic():
                    return Registration.objects.create(
                        convening=locked, user=user, organization=organization, anonymous=anonymous
                    )
            except IntegrityError as error:
                raise ActionRefused("You are already registered for this convening.") from error

    def cancel_registration(self, *, user) -> "Registration":
        """Give up a place; refused when there is nothing to cancel or the meeting is over.

        The registration is kept, marked cancelled with the time: the person
        saw the address and link, and the facilitators can see who did.
        Anyone holding an active registration may cancel it, even after
        leaving the table's organizations: giving a place back shows nothing.
        """
        if self.has_ended:
            raise ActionRefused("This convening has already taken place.")
        with transaction.atomic():
            registration = self.registrations.active().select_for_update().filter(user=user).first()
            if registration is None:
                raise ActionRefused("You are not registered for this convening.")
            registration.cancelled_at = timezone.now()
            registration.save(update_fields=["cancelled_at"])
        return registration

    def may_see_registrations(self, user) -> bool:
        """Who registered, cancelled or not, is for the people who run the meeting."""
        return self.may_record_attendance(user)

    def may_record_attendance(self, user) -> bool:
        """The table's facilitators, and anyone Wagtail lets edit and publish this page."""
        if not user.is_authenticated:
            return False
        if self.is_facilitated_by(user):
            return True
        permissions = self.permissions_for_user(user)
        return permissions.can_edit() and permissions.can_publish()

    def record_attendance(
        self, *, by, rows, minutes: str | None = None, seen_revision: int | None = None
    ) -> Revision:
        """Replace who came and, when ``minutes`` is given, the minutes; then publish.

        ``rows`` are ``(organization, people)`` pairs, ``None`` for people who
        came without an organization; rows of 0 are dropped, anything not in
        ``rows`` is removed. ``minutes`` is plain text: it is escaped and
        stored as paragraphs, never as HTML. Everything else on the page is
        kept: a new revision of the live page is saved and published.

        The row is locked and re-read. The change must start from
        ``seen_revision``, the published revision the person saw (this copy's
        when not given), and is refused, changing nothing, before the meeting
        starts, while the page has unpublished drafts (publishing would throw
        them away) or while it is locked in the admin.

        Side effects: publishing refreshes every cached page, and Wagtail's
        history records the revision.
        """
        if not self.may_record_attendance(by):
            raise ActionRefused(
                "Only this round table's facilitators can record attendance and minutes."
            )
        counts = self._checked_attendance(rows)
        with transaction.atomic():
            fresh = ConveningPage.objects.select_for_update(of=("self",)).get(pk=self.pk)
            if not fresh.has_started:
                raise ActionRefused(
                    "Attendance and minutes are recorded once the convening has started."
                )
            seen = self.live_revision_id if seen_revision is None else seen_revision
            if fresh.live_revision_id != seen:
                raise ActionRefused(
                    "Someone else has just updated this convening; nothing was changed. "
                    "Please look again before saving."
                )
            if fresh.has_unpublished_changes:
                raise ActionRefused(
                    "This convening has draft changes in the admin that are not published; "
                    "nothing was changed. Publish or discard the draft there first."
                )
            lock = fresh.get_lock()
            if lock and lock.for_user(by):
                raise ActionRefused(
                    "This convening is locked in the admin; nothing was changed. "
                    "Whoever locked it, or an administrator, can unlock it."
                )
            if minutes is not None:
                fresh.minutes = rich_text_from_plain_text(minutes)
            # Rows keep their ids, so the history shows changed numbers, not new rows.
            existing = {row.organization_id: row for row in fresh.attendance.all()}
            recorded = []
            for organization, people in counts:
                row = existing.get(organization.pk if organization else None)
                if row is None:
                    row = ConveningAttendance(organization=organization)
                row.people = people
                recorded.append(row)
            fresh.attendance = recorded
            revision = fresh.save_revision(user=by, log_action=True)
            revision.publish(user=by, skip_permission_checks=True)
        self.refresh_from_db()
        return revision

    @staticmethod
    def _checked_attendance(rows) -> list[tuple["Organization | None", int]]:
        """The rows with people in them, by organization name, or a refusal saying what is wrong."""
        counts: dict[int | None, int] = {}
        for organization, people in rows:
            name = organization.name if organization else "People without an organization"
            if isinstance(people, bool) or not isinstance(people, int) or people < 0:
                raise ActionRefused(f"{name}: the number of people must be 0 or more.")
            if organization is not None and organization.pk is None:
                raise ActionRefused(f"{name} is not an organization on this site.")
            key = organization.pk if organization else None
            if key in counts:
                raise ActionRefused(f"{name} is counted twice; give one number for it.")
            counts[key] = people
        known = Organization.objects.in_bulk([pk for pk in counts if pk is not None])
        if len(known) != len(counts) - (None in counts):
            raise ActionRefused("The attendance names an organization that is not on this site.")
        recorded = [(known[pk], people) for pk, people in counts.items() if pk and people]
        recorded.sort(key=lambda pair: pair[0].name)
        if counts.get(None):
            recorded.append((None, counts[None]))
        return recorded

    def visible_agenda_links(self, user) -> dict:
        """The ids of the needs and pages the agenda links to that this person may see.

        The agenda template shows a linked item only if its id is here, so a
        public agenda never names a members-only need or recommendation.
        """
        need_ids, page_ids = set(), set()
        for block in self.agenda:
            if block.block_type == "item":
                need_ids |= {need.pk for need in block.value["needs"] if need}
                page_ids |= {page.pk for page in block.value["recommendations"] if page}
        return {
            "visible_need_ids": set(
                Need.objects.visible_to(user).filter(pk__in=need_ids).values_list("pk", flat=True)
            ),
            "visible_page_ids": set(
                VisiblePageQuerySet(Page)
                .visible_to(user)
                .filter(pk__in=page_ids)
                .values_list("pk", flat=True)
            ),
        }

    def who_came(self) -> list["AttendanceLine"]:
        """The public "who came" list: each organization as it asked to be listed.

        A row listed by its kind ("A peer-led organization") shows the kind
        only where it hides the organization: another organization of that
        kind, not named in this list, sits in the table's audience
        (``Need.audience_q``, as for needs) or came. Otherwise it says "An
        organization", never the name. Named rows come first and rows by
        kind after them, so a row's place in the alphabet gives no name away.
        """
        rows = list(self.attendance.select_related("organization"))
        named = [row.organization_id for row in rows if row.organization_id and not row.by_kind]
        present = [row.organization_id for row in rows if row.organization_id]
        table = self.round_table
        lines, by_kind, unaffiliated = [], [], []
        for row in rows:
            if row.organization is None:
                unaffiliated.append(AttendanceLine("Without an organization", row.people))
            elif not row.by_kind:
                lines.append(AttendanceLine(row.organization.name, row.people))
            else:
                credit = Need.ANONYMOUS_CREDITS[row.listed_as]
                audience = Need.audience_q(
                    community=table.community_id if table else None,
                    round_table=table.pk if table else None,
                    table_only=bool(table and table.members_only),
                ) | Q(pk__in=present)
                others = Organization.objects.filter(credit.kind & audience).exclude(
                    pk__in=[*named, row.organization_id]
                )
                of_kind = Organization.objects.filter(credit.kind, pk=row.organization_id)
                covered = of_kind.exists() and others.exists()
                by_kind.append(
                    AttendanceLine(credit.shown if covered else "An organization", row.people)
                )
        return lines + sorted(by_kind) + unaffiliated

    def get_context(self, request, *args, **kwargs):
        """Registration state, meeting details (only for those who may see them) and attendance."""
        context = super().get_context(request, *args, **kwargs)
        user = request.user
        active = self.registrations.active()
        registered_count = active.count()
        registration = active.filter(user=user).first() if user.is_authenticated else None
        may_register = self.may_register(user)
        context.update(
            round_table=self.round_table,
            registered_count=registered_count,
            places_left=self.places_left(registered_count),
            registration=registration,
            show_meeting_details=self.may_see_meeting_details(user),
            may_register=may_register,
            registration_refusal=(
                self.registration_refusal(user)
                if user.is_authenticated and not may_register
                else ""
            ),
            registrations=(
                # Active ones first, then cancelled ones, each in the order they came.
                self.registrations.select_related("user", "organization").order_by(
                    F("cancelled_at").asc(nulls_first=True), "created_at"
                )
                if self.may_see_registrations(user)
                else None
            ),
            may_record_attendance=self.may_record_attendance(user),
            user_organizations=Organization.objects.of(user),
            attendance=self.who_came(),
            needs_raised=Need.objects.visible_to(user).filter(convening=self).for_listing(),
            **self.visible_agenda_links(user),
        )
        return context


class AttendanceLine(NamedTuple):
    """One line of a convening's public "who came" list."""

    name: str
    people: int


class ConveningAttendance(Orderable):
    """Who came, counted by organization; people may attend without one (anonymously)."""

    class ListedAs(models.TextChoices):
        # The values are the need credits' (Need.ANONYMOUS_CREDITS), so one rule serves both.
        NAME = "organization", "By its name"
        PEER_LED = "peer_led", "As “a peer-led organization”"
        FRONTLINE = "frontline", "As “a frontline provider”"

    convening = ParentalKey(ConveningPage, on_delete=models.CASCADE, related_name="attendance")
    organization = models.ForeignKey(
        Organization,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="attendance",
        help_text="Leave empty for people who came without naming an organization.",
    )
    people = models.PositiveIntegerField(default=1, help_text="How many people came.")
    listed_as = models.CharField(
        max_length=20,
        choices=ListedAs.choices,
        default=ListedAs.NAME,
        help_text=(
            "How the public list names the organization. Its kind is shown only where "
            "another organization of that kind could be meant; otherwise “An organization”."
        ),
    )

    panels = [FieldPanel("organization"), FieldPanel("people"), FieldPanel("listed_as")]

    class Meta(Orderable.Meta):
        constraints = [
            models.UniqueConstraint(
                fields=["convening", "organization"], name="one_attendance_row_per_org"
            )
        ]

    def __str__(self) -> str:
        return f"{self.organization or 'Unaffiliated'}: {self.people}"

    @property
    def by_kind(self) -> bool:
        """Whether the organization asked to be listed by its kind, not its name."""
        return self.listed_as != self.ListedAs.NAME

    def clean(self):
        """Only an organization of that kind may be listed as one."""
        super().clean()
        credit = Need.ANONYMOUS_CREDITS.get(self.listed_as)
        if credit is None:
            return
        if not self.organization_id:
            raise ValidationError(
                {"listed_as": "People without an organization are listed without one."}
            )
        if not Organization.objects.filter(credit.kind, pk=self.organization_id).exists():
            raise ValidationError(
                {"listed_as": f"{self.organization} {credit.not_of_kind}; list it by its name."}
            )


class RegistrationQuerySet(models.QuerySet):
    """Registrations, active or cancelled."""

    def active(self):
        """Filters the QuerySet to registrations not cancelled: the ones that take a place.

        Every count of registrations, every "already registered" and every
        meeting-details check reads this; cancelled ones stay only as a record.
        """
        return self.filter(cancelled_at__isnull=True)

    def cancelled(self):
        """Filters the QuerySet to cancelled registrations."""
        return self.filter(cancelled_at__isnull=False)


class Registration(models.Model):
    """A member's RSVP to a convening, optionally for one of their organizations.

    Cancelling keeps the row, with ``cancelled_at``: whoever registered saw the
    address and link, and the facilitators can always see who did.
    """

    convening = models.ForeignKey(
        ConveningPage, on_delete=models.CASCADE, related_name="registrations"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="registrations"
    )
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    anonymous = models.BooleanField(
        default=False, help_text="Attend without being listed with an organization."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    cancelled_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the person gave up their place. Kept: they saw the address and link.",
    )

    objects = RegistrationQuerySet.as_manager()

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["convening", "user"],
                condition=models.Q(cancelled_at__isnull=True),
                name="one_active_registration_per_person",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.convening}"


class TaggedNeed(TaggedItemBase):
    """The tags on a need (django-taggit)."""

    content_object = models.ForeignKey(
        "Need", on_delete=models.CASCADE, related_name="tagged_items"
    )


class NeedQuerySet(models.QuerySet):
    """Needs, with the one visibility rule and the weight every listing shows."""

    def visible_q(self, user) -> Q:
        """A Q matching the needs this person may see.

        Public needs show to everyone, unless they sit under a round table the
        person may not see. Members-only needs show to that table's members
        and facilitators, and to the person who posted them.
        """
        if user.is_authenticated and user.is_superuser:
            return Q()
        visible_tables = RoundTablePage.objects.visible_to(user).values("pk")
        q = Q(visibility=Need.Visibility.PUBLIC) & (
            Q(round_table__isnull=True) | Q(round_table__in=visible_tables)
        )
        if user.is_authenticated:
            q |= Q(
                visibility=Need.Visibility.MEMBERS,
                round_table__member_group_id__in=list(user_group_ids(user)),
            )
            q |= Q(posted_by=user)
        return q

    def visible_to(self, user):
        """Filters the QuerySet to only contain needs this person may see."""
        return self.filter(self.visible_q(user))

    def with_weight(self):
        """Annotate ``weight``: how many organizations corroborate each need.

        Counted in a subquery, not a join: a listing's count (for its pages)
        then leaves it out, and no row of the list needs grouping.
        """
        corroborations = (
            Corroboration.objects.filter(need=OuterRef("pk"))
            .order_by()
            .values("need")
            .annotate(count=Count("pk"))
            .values("count")
        )
        return self.annotate(weight=Coalesce(Subquery(corroborations), 0))

    def with_attribution_cover(self):
        """Annotate ``attribution_covered``: whether the need's credit still hides its organization.

        True for credits that name no kind of organization. For "a peer-led
        organization" and "a frontline provider" it is ``Need.cover_q``, the
        rule the form checks before posting, run here in the same query as
        the listing: the poster's organization is of that kind and another
        one shares the need's audience. It can turn false after posting (the
        table loses its second peer-led organization); ``credited_to`` then
        says less, never more.
        """
        at_table_only = Q(visibility=Need.Visibility.MEMBERS) | Q(round_table__members_only=True)
        whens = []
        for attribution, credit in Need.ANONYMOUS_CREDITS.items():
            of_kind = Exists(Organization.objects.filter(credit.kind, pk=OuterRef("organization")))
            for table_only, audience in ((True, at_table_only), (False, Q())):
                others = Exists(
                    Organization.objects.filter(
                        Need.cover_q(
                            credit,
                            organization=OuterRef("organization"),
                            community=OuterRef("community"),
                            round_table=OuterRef("round_table"),
                            table_only=table_only,
                        )
                    )
                )
                chosen = Q(attribution=attribution) & audience
                whens += [When(chosen & of_kind & others, then=Value(True))]
                whens += [When(chosen, then=Value(False))]
        return self.annotate(
            attribution_covered=Case(
                *whens, default=Value(True), output_field=models.BooleanField()
            )
        )

    def with_visible_context(self, user):
        """Annotate whether ``user`` may see each need's round table and convening.

        A need's own visibility does not cover them: a convening can move into
        a members-only table, or be unpublished, while the need stays public,
        and a poster keeps their own members-only need after leaving the
        table. Read through ``Need.shown_round_table`` and ``shown_convening``
        (with ``select_related("round_table", "convening")``), so every page,
        export and API answer names only the context the person may see.
        """
        return self.annotate(
            round_table_shown=Exists(
                RoundTablePage.objects.visible_to(user).filter(pk=OuterRef("round_table"))
            ),
            convening_shown=Exists(
                ConveningPage.objects.visible_to(user).filter(pk=OuterRef("convening"))
            ),
        )

    def for_listing(self):
        """Everything a need card shows, fetched in a constant number of queries.

        A need's own page also shows its round table and convening; add
        ``select_related("round_table", "convening")`` there.
        """
        return (
            self.with_weight()
            .with_attribution_cover()
            .select_related("community", "organization", "posted_by")
            .prefetch_related("tags")
        )

    def open(self):
        """Filters the QuerySet to needs not yet met."""
        return self.exclude(status=Need.Status.MET)

    def matching(self, query: str):
        """Filters the QuerySet to needs whose words match a full-text search.

        The search (Wagtail's backend, on SQLite or PostgreSQL) runs over all
        needs and is then narrowed by this QuerySet's own filters, so
        visibility is never left to the search index.
        """
        terms = search_terms(query)
        if not terms:
            return self.none()
        # Only the ids are loaded: the matches are narrowed by this QuerySet next.
        matches = get_search_backend().search(
            terms, Need.objects.only("pk").order_by(), order_by_relevance=False
        )
        return self.filter(pk__in=[need.pk for need in matches])


class AnonymousCredit(NamedTuple):
    """A way to credit a need that names a kind of organization instead of the organization."""

    shown: str  # what readers see, e.g. "A peer-led organization"
    noun: str  # the kind, in a sentence: "the only peer-led organization"
    not_of_kind: str  # why an organization may not use it: "is not peer-led"
    kind: Q  # the organizations a reader could take it for


class Need(index.Indexed, models.Model):
    """Something a community needs, posted by a member for an organization."""

    class Urgency(models.TextChoices):
        ROUTINE = "routine", "Routine"
        PRESSING = "pressing", "Pressing"
        URGENT = "urgent", "Urgent"

    class Visibility(models.TextChoices):
        PUBLIC = "public", "Public"
        MEMBERS = "members", "Round-table members only"

    class Attribution(models.TextChoices):
        ORGANIZATION = "organization", "Show the organization's name"
        PEER_LED = "peer_led", "Say “a peer-led organization”"
        FRONTLINE = "frontline", "Say “a frontline provider”"
        PERSON = "person", "Show my display name and the organization"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        BEING_ADDRESSED = "being_addressed", "Being addressed"
        MET = "met", "Met"

    # "A peer-led organization" hides a poster only among others like it: the
    # anonymous credits, and which organizations each could be taken for.
    ANONYMOUS_CREDITS = {
        Attribution.PEER_LED: AnonymousCredit(
            "A peer-led organization", "peer-led organization", "is not peer-led", Q(peer_led=True)
        ),
        Attribution.FRONTLINE: AnonymousCredit(
            "A frontline provider",
            "frontline provider",
            "is not a frontline service provider",
            Q(kind=Organization.Kind.FRONTLINE),
        ),
    }

    title = PlainCharField(max_length=160, help_text="The need in a few words.")
    description = PlainTextField(
        max_length=5000, help_text="What is needed and what happens without it."
    )
    who_is_affected = PlainCharField(
        max_length=300,
        help_text="Who feels this need, e.g. 'women doing survival sex work downtown'.",
    )
    community = models.ForeignKey(Community, on_delete=models.PROTECT, related_name="needs")
    tags = TaggableManager(
        through=TaggedNeed, blank=True, help_text="Comma-separated, e.g. housing, safety."
    )
    urgency = models.CharField(max_length=20, choices=Urgency.choices, default=Urgency.ROUTINE)
    evidence = PlainTextField(
        max_length=5000,
        blank=True,
        help_text="Lived experience, service data or research links that show it.",
    )
    visibility = models.CharField(
        max_length=20,
        choices=Visibility.choices,
        default=Visibility.PUBLIC,
        help_text="Members-only needs are seen by the round table's members only.",
    )
    attribution = models.CharField(
        max_length=20,
        choices=Attribution.choices,
        default=Attribution.ORGANIZATION,
        help_text="How the need is credited. Your name is never shown unless you choose it.",
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="needs",
        help_text="The organization you are posting for.",
    )
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="needs_posted",
    )
    round_table = models.ForeignKey(
        RoundTablePage,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="needs",
        help_text="The round table this need is brought to (optional).",
    )
    convening = models.ForeignKey(
        ConveningPage,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="needs_raised",
        help_text="The convening where it was raised (optional).",
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = NeedQuerySet.as_manager()

    search_fields = [
        index.SearchField("title", boost=3),
        index.SearchField("description"),
        index.SearchField("who_is_affected"),
        index.SearchField("evidence"),
        index.AutocompleteField("title"),
    ]
    panels = [
        FieldPanel("title"),
        FieldPanel("description"),
        FieldPanel("who_is_affected"),
        FieldRowPanel([FieldPanel("community"), FieldPanel("organization")]),
        FieldPanel("tags"),
        FieldRowPanel([FieldPanel("urgency"), FieldPanel("status")]),
        FieldPanel("evidence"),
        FieldRowPanel([FieldPanel("visibility"), FieldPanel("attribution")]),
        FieldRowPanel([FieldPanel("round_table"), FieldPanel("convening")]),
    ]

    URGENCY_RANK = {Urgency.URGENT: 3, Urgency.PRESSING: 2, Urgency.ROUTINE: 1}

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["community", "status", "-created_at"]),
            # Counting what a visitor may see ("1,234 open needs") reads this small
            # index alone instead of every need.
            models.Index(
                fields=["visibility", "status", "round_table"], name="need_visibility_status_idx"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("need_detail", kwargs={"pk": self.pk})

    def clean(self):
        """A members-only need belongs to a table; a convening belongs to that table."""
        super().clean()
        errors = {}
        if self.visibility == self.Visibility.MEMBERS and not self.round_table_id:
            errors["round_table"] = "Choose the round table whose members may see this need."
        if (
            self.convening_id
            and self.round_table_id
            and self.convening.round_table_id != self.round_table_id
        ):
            errors["convening"] = "That convening belongs to another round table."
        credit = self.ANONYMOUS_CREDITS.get(self.attribution)
        if credit and self.organization_id and not self._organization_is_of_kind(credit):
            errors["attribution"] = (
                f"{self.organization} {credit.not_of_kind}; choose another way to credit it."
            )
        if errors:
            raise ValidationError(errors)

    @staticmethod
    def audience_q(*, community, round_table, table_only: bool) -> Q:
        """A Q on organizations: those whose people read a need (its credit hides among them).

        A members-only need, or any need at a members-only table, is read by
        the table's people: it hides among the table's member organizations.
        A public need is read by anyone: it hides among the organizations
        serving its community and those at its round table. ``community`` and
        ``round_table`` are ids, or ``OuterRef``s when a listing annotates.
        """
        at_table = Q(round_tables=round_table) if round_table is not None else Q(pk__in=[])
        if table_only or community is None:
            return at_table
        return at_table | Q(communities=community)

    @classmethod
    def cover_q(
        cls, credit: AnonymousCredit, *, organization, community, round_table, table_only: bool
    ) -> Q:
        """A Q on organizations: the others of the credit's kind that share the need's audience.

        The one rule for anonymous credits: one is honest only
        where this matches at least one organization; otherwise it names the
        poster's organization to anyone who knows who sits at the table.
        """
        audience = cls.audience_q(
            community=community, round_table=round_table, table_only=table_only
        )
        return credit.kind & audience & ~Q(pk=organization)

    def read_at_table_only(self) -> bool:
        """Whether only a round table's people read this need (it or its table is members-only)."""
        if self.visibility == self.Visibility.MEMBERS:
            return True
        return bool(self.round_table_id and self.round_table.members_only)

    def _organization_is_of_kind(self, credit: AnonymousCredit) -> bool:
        return Organization.objects.filter(credit.kind, pk=self.organization_id).exists()

    def attribution_refusal(self, attribution: str) -> str | None:
        """Why ``attribution`` may not credit this need, as the form shows it; None when it may.

        Only the anonymous credits can be refused: when the poster's
        organization is not of that kind, or when it is the only one of its
        kind in the need's audience (``cover_q``), so the words would name it.
        Nothing can be judged before an organization is chosen.
        """
        credit = self.ANONYMOUS_CREDITS.get(attribution)
        if credit is None or not self.organization_id:
            return None
        if not self._organization_is_of_kind(credit):
            return f"Not offered: {self.organization} {credit.not_of_kind}."
        table_only = self.read_at_table_only()
        cover = self.cover_q(
            credit,
            organization=self.organization_id,
            community=self.community_id,
            round_table=self.round_table_id,
            table_only=table_only,
        )
        if Organization.objects.filter(cover).exists():
            return None
        if table_only:
            where = "at this round table"
        elif self.community_id and self.round_table_id:
            where = f"at this round table or serving {self.community}"
        elif self.community_id:
            where = f"serving {self.community}"
        else:
            where = "that can read this need"
        return f"Not offered: yours is the only {credit.noun} {where}, so this would name it."

    @property
    def credited_to(self) -> str:
        """The attribution as the poster chose it: never the person unless they said so.

        An anonymous credit that no longer hides the organization (its kind
        has become unique in the audience since it was posted) is shown as
        "An organization at this round table" or "An organization serving
        <community>": what a reader sees never says more than the poster
        chose, so the kind is dropped rather than the name shown. Listings
        read ``attribution_covered`` from ``NeedQuerySet.for_listing()``; a
        need fetched without it is checked with one query.
        """
        credit = self.ANONYMOUS_CREDITS.get(self.attribution)
        if credit is not None:
            covered = getattr(self, "attribution_covered", None)
            if covered is None:
                covered = self.attribution_refusal(self.attribution) is None
            if covered:
                return credit.shown
            if self.round_table_id:
                return "An organization at this round table"
            return f"An organization serving {self.community}"
        if self.attribution == self.Attribution.PERSON and self.posted_by_id:
            return f"{self.posted_by.display_name}, {self.organization.name}"
        return self.organization.name

    @property
    def shown_round_table(self) -> "RoundTablePage | None":
        """Its round table, if the person it was fetched for may see it.

        Needs ``NeedQuerySet.with_visible_context(user)``.
        """
        return self.round_table if self.round_table_shown else None

    @property
    def shown_convening(self) -> "ConveningPage | None":
        """Its convening, if the person it was fetched for may see it.

        Needs ``NeedQuerySet.with_visible_context(user)``.
        """
        return self.convening if self.convening_shown else None

    def is_poster(self, user) -> bool:
        """Whether this person posted the need (only they choose how it is credited)."""
        return user.is_authenticated and self.posted_by_id == user.pk

    def may_edit(self, user) -> bool:
        """The poster and the facilitators of its round table (or its community's tables)."""
        if not user.is_authenticated:
            return False
        if user.is_superuser or (self.posted_by_id and self.posted_by_id == user.pk):
            return True
        facilitated = RoundTableRole.objects.facilitators().of(user)
        if self.round_table_id:
            return facilitated.filter(round_table_id=self.round_table_id).exists()
        return facilitated.filter(round_table__community_id=self.community_id).exists()

    def corroborate(self, *, by, organization: Organization) -> "Corroboration":
        """Record that ``organization`` sees this need too, once per organization."""
        if not by.memberships.filter(organization=organization).exists():
            raise ActionRefused("You can only corroborate for an organization you belong to.")
        if organization.pk == self.organization_id:
            raise ActionRefused(
                f"{organization} posted this need; other organizations corroborate it."
            )
        try:
            with transaction.atomic():
                return Corroboration.objects.create(need=self, organization=organization, user=by)
        except IntegrityError as error:
            raise ActionRefused(
                f"{organization} has already corroborated this need; it is counted once."
            ) from error

    def withdraw_corroboration(self, *, by, organization: Organization) -> None:
        """Take back an organization's corroboration (any member of it may)."""
        if not by.memberships.filter(organization=organization).exists():
            raise ActionRefused("You can only withdraw for an organization you belong to.")
        deleted, _ = self.corroborations.filter(organization=organization).delete()
        if not deleted:
            raise ActionRefused(f"{organization} has not corroborated this need.")


class Corroboration(models.Model):
    """An organization saying "we see this too" about a need: the need's weight."""

    need = models.ForeignKey(Need, on_delete=models.CASCADE, related_name="corroborations")
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="corroborations"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["need", "organization"], name="one_corroboration_per_org"
            )
        ]

    def __str__(self) -> str:
        return f"{self.organization} corroborates {self.need}"
