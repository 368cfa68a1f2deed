"""Every address of the site, asked by every kind of person: the answer each gets, no leaks.

The test walks the URL resolver (our apps, the JSON API's router, Wagtail's
page serving, its admin and allauth's accounts) and fills each pattern's
keywords from one set of data holding public and members-only content side by
side. Each members-only item carries a marker word of its own; for every
address and every role the test checks the status the role gets
and that no marker the role may not see is anywhere in the answer: body,
headers or the messages queued for the next page.

A pattern the test does not know fails it, by name: a new view has to be
added to ``RULES`` (with who may use it) before the suite passes again.

Run ``pytest tests/test_permission_matrix.py -q -s`` to see the totals.
"""

import itertools
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from allauth.account.models import EmailAddress
from django.contrib.messages import ERROR, SUCCESS, get_messages
from django.db import connection, transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from wagtail.models import Page, PageViewRestriction, Revision, Workflow
from wagtail.rich_text import RichText

from commontable.models import User
from convenings.models import (
    ConveningPage,
    Corroboration,
    Need,
    Organization,
    Registration,
    RoundTableRole,
)
from recommendations.models import (
    Endorsement,
    Follow,
    FundingCommitment,
    RecommendationPage,
    StageChange,
)
from recommendations.notifications import unsubscribe_token
from tests.factories import (
    CommunityFactory,
    ConveningPageFactory,
    MembershipFactory,
    NeedFactory,
    OrganizationFactory,
    RecommendationPageFactory,
    RoundTablePageFactory,
    RoundTableRoleFactory,
    UserFactory,
)

# Roles -----------------------------------------------------------------------------------

ROLES = (
    "visitor",  # not signed in
    "other_member",  # signed in, with an organization at the public table only
    "member",  # of the members-only table (through a member organization)
    "representative",  # can_represent a peer-led organization of the members-only table
    "facilitator",  # facilitates the members-only table
    "other_facilitator",  # facilitates the public table only: admin access, not a member
    "councillor",  # speaks for Riverside's municipal government, at no table
    "administrator",  # superuser
)
EVERY_ROLE = frozenset(ROLES)
SIGNED_IN = EVERY_ROLE - {"visitor"}
PRIVATE = frozenset({"member", "representative", "facilitator", "administrator"})
PUBLIC_TABLE_MEMBERS = frozenset({"other_member", "other_facilitator", "administrator"})

# Role sets that do not depend on what an address points at.
GROUPS = {
    "signed_in": SIGNED_IN,
    "with_organization": frozenset({"other_member", "member", "representative", "councillor"}),
    "admin_access": frozenset({"facilitator", "other_facilitator", "administrator"}),
    "administrator": frozenset({"administrator"}),
    # Facilitators and administrators must use TOTP: their accounts have it set up.
    "with_totp": frozenset({"facilitator", "other_facilitator", "administrator"}),
}

# Markers: each members-only word, and who may read it ------------------------------------

MARKERS = {
    **dict.fromkeys(
        [
            "zqxtabletitle",
            "zqxtablepurpose",
            "zqxslugtable",
            "zqxconveningtitle",
            "zqxslugconvening",
            "zqxagendaitem",
            "zqxpasttitle",
            "zqxslugpast",
            "zqxminutes",
            "zqxrectitle",
            "zqxslugrec",
            "zqxrecsummary",
            "zqxrecaction",
            "zqxrectag",
            "zqxstagenote",
            "zqxstagelink",
            "zqxstatement",
            "zqxfunder",
            "zqxreference",
            "7654321",  # the members-only recommendation's cost estimate
            "7,654,321",
            "3456789",  # its funding commitment
            "3,456,789",
            "zqxsharedneed",
            "zqxmembersneed",
            "zqxneedstory",
            "zqxaffected",
            "zqxevidence",
            "zqxneedtag",
        ],
        PRIVATE,
    ),
    # Meeting details: for registered members and the table's facilitators.
    "zqxmeetinglink": frozenset({"member", "facilitator", "administrator"}),
    "zqxaddress": frozenset({"member", "facilitator", "administrator"}),
    "zqxpastlink": frozenset({"facilitator", "administrator"}),
    # The councillor's registration predates the rule (they are not of the table's
    # organizations): it keeps no sight of the details.
    "zqxpubliclink": frozenset({"other_member", "other_facilitator", "administrator"}),
    "zqxpublicaddress": frozenset({"other_member", "other_facilitator", "administrator"}),
    # A members-only need of the public table.
    "zqxpmneed": PUBLIC_TABLE_MEMBERS,
    "zqxpmstory": PUBLIC_TABLE_MEMBERS,
}

# Outcomes ----------------------------------------------------------------------------------

SIGNIN = "sign-in"  # a redirect to the sign-in page
DONE = "done"  # a redirect with a success message: the action happened
REFUSED = "refused"  # a redirect with an error message: nothing happened
MOVED = "redirect"  # any other redirect
LOGIN_PATH = "/accounts/login/"


@dataclass(frozen=True)
class When:
    """One outcome for the roles in a set (on the target, or in GROUPS), another for the rest."""

    who: str
    yes: object
    no: object


@dataclass(frozen=True)
class Rule:
    """What each role gets from one URL pattern.

    ``signin``: roles outside this group (``signed_in``: visitors) are sent to sign in
    before anything else.
    ``gate``: a role that may not see the target gets 404 (the site never
    says that a hidden thing exists). ``get``/``post`` are the outcome for
    the rest; 405 on GET marks a POST-only action, refused before any lookup.
    """

    get: object
    post: object = None
    signin: str = ""
    gate: bool = True
    queries: tuple[str, ...] = ("",)
    post_each: str = ""  # POST once per target of this collection (for URLs without keywords)


def page(**kwargs) -> Rule:
    """Readable by whoever may see what it shows; 404 for everyone else."""
    return Rule(get=200, **kwargs)


def action(who: str, **kwargs) -> Rule:
    """A POST-only action: sign in, 404 if hidden, then done for ``who`` and refused for others."""
    return Rule(get=405, post=When(who, DONE, REFUSED), signin="signed_in", **kwargs)


def facilitators_only(**kwargs) -> Rule:
    """A facilitator's page and form: sign in first, 404 if hidden, 403 for non-facilitators."""
    return Rule(
        get=When("facilitate", 200, 403),
        post=When("facilitate", DONE, 403),
        signin="signed_in",
        **kwargs,
    )


SEARCHES = ("?q=zqxtabletitle", "?q=zqxrectitle", "?q=zqxconveningtitle", "?q=zqxminutes")
RECOMMENDATION_FILTERS = ("", "?q=zqxrecsummary", "?community=quiet-valley", "?tag=zqxrectag")
NEED_FILTERS = ("", "?q=zqxneedstory", "?community=quiet-valley", "?q=zqxpmstory")

MANAGERS_ONLY_CHOOSERS = (
    "convenings/membership",
    "convenings/roundtablerole",
    "recommendations/endorsement",
    "recommendations/fundingcommitment",
)

# Every pattern of the site, by its route, with what each role gets from it.
RULES = {
    "favicon.ico": Rule(get=MOVED),
    "healthz": Rule(get=200),
    "search/": Rule(get=200, queries=SEARCHES),
    # Rich text's links to pages that are not public: on to the page for those who may see it.
    "pages/<int:page_id>/": Rule(get=MOVED),
    # The read-only API (django-ninja); its Swagger page is switched off (CSP).
    "api/v1/": Rule(get=404),
    "api/v1/openapi.json": Rule(get=200),
    "api/v1/recommendations": Rule(get=200, queries=RECOMMENDATION_FILTERS[:2]),
    "api/v1/recommendations/<int:id>": page(),
    "api/v1/needs": Rule(get=200, queries=NEED_FILTERS[:2]),
    "api/v1/needs/<int:id>": page(),
    "api/v1/round-tables": Rule(get=200),
    "api/v1/round-tables/<slug>": page(),
    "api/v1/convenings": Rule(get=200),
    "api/v1/convenings/<int:id>": page(),
    "api/v1/communities": Rule(get=200),
    "api/v1/communities/<slug>": page(),
    "api/v1/<rest_of_path:rest>": Rule(get=404),
    # Our subclass of Wagtail's user deletion (it erases the person's data too); GET
    # only, so the matrix never deletes anyone: its confirmation page is for
    # administrators alone.
    # Wagtail's account page, asking for a display name only.
    "admin/account/": Rule(get=When("admin_access", 200, SIGNIN), gate=False),
    # Wagtail's admin sign-out, by POST only: a GET (a link from anywhere) changes nothing.
    "admin/logout/": Rule(get=405, gate=False),
    # Wagtail's tag autocomplete and page types report, under the visibility rule.
    "admin/tag-autocomplete/": Rule(
        get=When("admin_access", 200, SIGNIN), gate=False, queries=("?term=zqx",)
    ),
    "admin/tag-autocomplete/<slug:app_name>/<slug:model_name>/": Rule(
        get=When("admin_access", 200, SIGNIN), gate=False, queries=("?term=zqx",)
    ),
    "admin/reports/page-types-usage/": Rule(get=When("admin_access", 200, SIGNIN), gate=False),
    "admin/reports/page-types-usage/results/": Rule(
        get=When("admin_access", 200, SIGNIN), gate=False
    ),
    "admin/users/delete/<int:pk>/": Rule(
        get=When("admin_access", When("administrator", 200, REFUSED), SIGNIN), gate=False
    ),
    # Wagtail documents: none are published on this site.
    "documents/^(\\d+)/(.*)$": Rule(get=404),
    "documents/authenticate_with_password/<int:restriction_id>/": Rule(get=404),
    # Dashboards and feeds.
    "communities/<slug:slug>/": page(),
    "communities/<slug:slug>/feed/": page(),
    "round-tables/<slug:table>/feed/": page(),
    "round-tables/<slug:table>/calendar.ics": page(),
    "round-tables/<slug:table>/<slug:convening>/calendar.ics": page(),
    # Needs.
    "needs/": Rule(get=200, queries=NEED_FILTERS),
    "needs/export.csv": Rule(get=200, queries=NEED_FILTERS),
    "needs/new/": Rule(
        get=When("with_organization", 200, 403),
        post=When("with_organization", DONE, 403),
        signin="signed_in",
    ),
    "needs/<int:pk>/": page(),
    "needs/<int:pk>/edit/": Rule(
        get=When("edit", 200, 404), post=When("edit", DONE, 404), signin="signed_in"
    ),
    "needs/<int:pk>/corroborate/": action("corroborate"),
    "needs/<int:pk>/withdraw/": action("withdraw"),
    # Convenings: registration and the facilitators' front-end forms.
    "round-tables/<slug:table>/<slug:convening>/register/": action("register"),
    "round-tables/<slug:table>/<slug:convening>/cancel/": action("cancel"),
    "round-tables/<slug:table>/convenings/new/": facilitators_only(),
    "round-tables/<slug:table>/<slug:convening>/attendance/": Rule(
        get=When("facilitate", 200, 403),
        # Before the meeting starts the form answers with its refusal (200, nothing saved).
        post=When("facilitate", When("record_attendance", DONE, 200), 403),
        signin="signed_in",
    ),
    # Follows and unsubscribing.
    "follows/": Rule(get=200, signin="signed_in"),
    "follows/add/": action("see", gate=False, post_each="recommendations"),
    "follows/<int:pk>/delete/": action("unfollow", gate=False),
    "follows/<int:pk>/frequency/": action("unfollow", gate=False),
    "unsubscribe/<str:token>/": Rule(
        get=When("valid", 200, 400), post=When("valid", 200, 400), gate=False
    ),
    # Recommendations: browsing, exports, briefs and the actions on each.
    "recommendations/": Rule(get=200, queries=RECOMMENDATION_FILTERS),
    "recommendations/export.csv": Rule(get=200, queries=RECOMMENDATION_FILTERS[:3]),
    "recommendations/feed/": Rule(get=200, queries=RECOMMENDATION_FILTERS[:3]),
    "recommendations/brief/": Rule(get=200, queries=RECOMMENDATION_FILTERS[:3]),
    "round-tables/<slug:table>/<slug:recommendation>/brief/": page(),
    "round-tables/<slug:table>/<slug:recommendation>/endorse/": action("endorse"),
    "round-tables/<slug:table>/<slug:recommendation>/withdraw-endorsement/": action(
        "withdraw_endorsement"
    ),
    "round-tables/<slug:table>/<slug:recommendation>/stage/": action("stage"),
    "round-tables/<slug:table>/<slug:recommendation>/funding/": action("funding"),
    # Wagtail's utility views. Shared page passwords are off, so the password form
    # answers nothing, for real and made-up ids alike (urls.py); its own sign-in is
    # sent to allauth's (MFA, rate limits).
    "_util/authenticate_with_password/<int:page_view_restriction_id>/<int:page_id>/": Rule(
        get=404, post=404, gate=False
    ),
    "_util/login/": Rule(get=SIGNIN, post=SIGNIN, gate=False),
    # Wagtail's page chooser, in front of Wagtail's own: only pages the editor may read.
    "admin/choose-page/<int:parent_page_id>/": Rule(get=200, signin="admin_access"),
    "admin/choose-page/chosen-multiple/": Rule(
        get=200,
        signin="admin_access",
        queries=("?id={members-only table}&id={public table}",),
        gate=False,
    ),
    # The needs chooser (agenda items link needs): only needs the editor may see.
    "admin/snippets/choose/convenings/need/": Rule(get=200, signin="admin_access"),
    "admin/snippets/choose/convenings/need/results/": Rule(
        get=200, signin="admin_access", queries=("?q=zqxmembersneed", "?q=zqxpmneed")
    ),
    "admin/snippets/choose/convenings/need/chosen/<str:pk>/": Rule(get=200, signin="admin_access"),
    "admin/snippets/choose/convenings/need/chosen-multiple/": Rule(
        get=200,
        signin="admin_access",
        queries=("?id={members-only need}&id={public need}&id={public table's members-only need}",),
        gate=False,
    ),
    # Choosers of people's roles and memberships, endorsements and funding lines: for
    # administrators only (nothing a facilitator edits chooses them).
    **{
        f"admin/snippets/choose/{model}/{view}": Rule(
            get=When("admin_access", When("administrator", 200, REFUSED), SIGNIN), gate=False
        )
        for model in MANAGERS_ONLY_CHOOSERS
        for view in ("", "results/", "chosen-multiple/")
    },
    **{
        f"admin/snippets/choose/{model}/chosen/<str:pk>/": Rule(
            get=When("admin_access", When("administrator", 404, REFUSED), SIGNIN), gate=False
        )
        for model in MANAGERS_ONLY_CHOOSERS
    },
    # Your own data and account: only ever your own. Deleting is tried for real (and
    # rolled back), with the right password and the typed confirmation.
    "accounts/data/": Rule(get=200, post=200, signin="signed_in", gate=False),
    "accounts/delete/": Rule(
        # With TOTP on, the form asks for a code as well: nothing is deleted without it.
        get=200,
        post=When("with_totp", 200, MOVED),
        signin="signed_in",
        gate=False,
    ),
    "accounts/deleted/": Rule(get=200, gate=False),
}

# Wagtail serves every page through one catch-all pattern: it is expanded to every live page.
WAGTAIL_SERVE = "wagtail_serve"
PAGE_RULE = page()

# Patterns checked as groups: a representative set below stands for each.
OWN_PACKAGES = ("commontable", "convenings", "recommendations")
EXCLUDED_GROUPS = {
    "admin/": (
        "Wagtail admin (about 300 patterns): every one sits behind Wagtail's admin-access check, "
        "which only facilitators and administrators pass; ADMIN_SAMPLES checks the home page, "
        "explorer, editor, search, choosers and snippet listings for every role, and "
        "test_admin_walked_by_facilitators_of_other_tables_shows_no_members_only_marker "
        "requests every admin pattern, filled with the members-only table's ids, as a "
        "facilitator of one public table and of two"
    ),
    "accounts/": (
        "django-allauth sign-in, sign-up, password, email and MFA views: they show a person "
        "only their own account; ACCOUNT_SAMPLES checks the main pages for every role"
    ),
}

# How a URL keyword is filled: by the path segment in front of it and its name.
KWARG_SOURCES = {
    ("round-tables", "table"): "tables",
    ("round-tables", "slug"): "tables",
    ("<table>", "convening"): "convenings",
    ("<table>", "recommendation"): "recommendations",
    ("needs", "pk"): "needs",
    ("needs", "id"): "needs",
    ("recommendations", "id"): "recommendations",
    ("convenings", "id"): "convenings",
    ("communities", "slug"): "communities",
    ("follows", "pk"): "follows",
    ("unsubscribe", "token"): "tokens",
    ("authenticate_with_password", "page_view_restriction_id"): "restrictions",
    ("<page_view_restriction_id>", "page_id"): "restricted_pages",
    ("authenticate_with_password", "restriction_id"): "missing",
    ("v1", "rest"): "missing",
    ("delete", "pk"): "people",
    ("choose-page", "parent_page_id"): "tables",
    ("pages", "page_id"): "convenings",
    ("chosen", "pk"): "needs",
}
KWARG = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>")
REGEX_PATTERN_URLS = {
    "documents/^(\\d+)/(.*)$": "/documents/999999/report.pdf",
    "admin/tag-autocomplete/<slug:app_name>/<slug:model_name>/": (
        "/admin/tag-autocomplete/taggit/tag/"
    ),
    **{
        f"admin/snippets/choose/{model}/chosen/<str:pk>/": (
            f"/admin/snippets/choose/{model}/chosen/999999/"
        )
        for model in MANAGERS_ONLY_CHOOSERS
    },
}


# The data ------------------------------------------------------------------------------------


@dataclass(eq=False)
class Target:
    """What an address points at: who may see it, and who may do each action on it."""

    name: str
    audience: frozenset[str]
    may: dict[str, frozenset[str]] = field(default_factory=dict)
    slug: str = ""
    pk: int | None = None
    parent: "Target | None" = None

    def allows(self, who: str, role: str) -> bool:
        """Whether ``role`` is in the set ``who``: this target's own, or one of GROUPS."""
        if who == "see":
            return role in self.audience
        if who in self.may:
            return role in self.may[who]
        return role in GROUPS[who]


EVERYTHING = Target("everyone's", EVERY_ROLE)
NOWHERE = Target("mismatched keywords", frozenset())


@dataclass
class World:
    """The people (by role), and the targets each kind of URL keyword is filled from."""

    users: dict[str, User]
    collections: dict[str, list[Target]]
    pages: dict[int, Target]
    named: dict[str, Target]


def build_world() -> World:
    """Two round tables, public and members-only, with everything that hangs off them."""
    now = timezone.now()
    riverside = CommunityFactory(name="Riverside", slug="riverside")
    valley = CommunityFactory(name="Quiet Valley", slug="quiet-valley")
    org = {
        "public": OrganizationFactory(name="Riverside Outreach", slug="riverside-outreach"),
        "private": OrganizationFactory(name="Valley Drop-in", slug="valley-drop-in"),
        "peer": OrganizationFactory(
            name="Valley Peers",
            slug="valley-peers",
            kind=Organization.Kind.PEER_LED,
            peer_led=True,
        ),
        "shared": OrganizationFactory(name="Shared Services", slug="shared-services"),
        "council": OrganizationFactory(
            name="City of Riverside", slug="city-of-riverside", kind=Organization.Kind.MUNICIPAL
        ),
    }
    org["council"].communities.add(riverside)
    public_table = RoundTablePageFactory(
        title="Riverside Round Table",
        slug="riverside-table",
        community=riverside,
        member_organizations=[org["public"], org["shared"]],
    )
    private_table = RoundTablePageFactory(
        title="Peer table zqxtabletitle",
        slug="zqxslugtable",
        community=valley,
        members_only=True,
        purpose="<p>Terms of reference zqxtablepurpose.</p>",
        member_organizations=[org["private"], org["peer"], org["shared"]],
    )

    poster = MembershipFactory(organization=org["shared"]).user
    users = {
        "other_member": MembershipFactory(organization=org["public"]).user,
        "member": MembershipFactory(organization=org["private"]).user,
        "representative": MembershipFactory(organization=org["peer"], can_represent=True).user,
        # Facilitators and administrators have TOTP set up, as they must.
        "facilitator": UserFactory(display_name="Valley facilitator", with_totp=True),
        "other_facilitator": UserFactory(display_name="Riverside facilitator", with_totp=True),
        "councillor": MembershipFactory(organization=org["council"], can_represent=True).user,
        "administrator": UserFactory(display_name="Site administrator", administrator=True),
    }
    for person in [poster, *users.values()]:
        EmailAddress.objects.create(user=person, email=person.email, verified=True, primary=True)
    RoundTableRoleFactory(
        round_table=private_table,
        user=users["facilitator"],
        role=RoundTableRole.Role.FACILITATOR,
    )
    RoundTableRoleFactory(
        round_table=public_table,
        user=users["other_facilitator"],
        role=RoundTableRole.Role.FACILITATOR,
    )

    private_past = ConveningPageFactory(
        parent=private_table,
        title="Debrief zqxpasttitle",
        slug="zqxslugpast",
        starts_at=now - timedelta(days=10),
        ends_at=now - timedelta(days=10) + timedelta(hours=2),
        online_link="https://meet.example.org/zqxpastlink",
        address="",
        minutes="<p>We agreed zqxminutes.</p>",
    )

    need_plain = NeedFactory(
        title="Riverside laundry access",
        community=riverside,
        organization=org["shared"],
        posted_by=poster,
    )
    need_public_table = NeedFactory(
        title="Riverside warming space",
        community=riverside,
        organization=org["shared"],
        posted_by=poster,
        round_table=public_table,
    )
    need_public_members = NeedFactory(
        title="Outreach van zqxpmneed",
        description="Between ourselves: zqxpmstory.",
        community=riverside,
        organization=org["shared"],
        posted_by=poster,
        round_table=public_table,
        visibility=Need.Visibility.MEMBERS,
    )
    need_private_shared = NeedFactory(
        title="Peer respite zqxsharedneed",
        community=valley,
        organization=org["shared"],
        posted_by=poster,
        round_table=private_table,
    )
    need_private_members = NeedFactory(
        title="Safe rooms zqxmembersneed",
        description="What happens now: zqxneedstory.",
        who_is_affected="People zqxaffected",
        evidence="Peer reports zqxevidence.",
        community=valley,
        organization=org["private"],
        posted_by=users["member"],
        round_table=private_table,
        convening=private_past,
        visibility=Need.Visibility.MEMBERS,
    )
    need_private_members.tags.add("zqxneedtag")
    Corroboration.objects.create(
        need=need_plain, organization=org["public"], user=users["other_member"]
    )

    public_rec = RecommendationPageFactory(
        parent=public_table,
        title="Riverside night shelter",
        slug="riverside-night-shelter",
        summary="A warm place at night.",
        action="Open the hall from 10pm to 6am.",
        decision_maker="municipal_council",
        cost_estimate=Decimal("50000"),
        funding_source="City grants",
        needs=[need_public_table, need_private_members],
    )
    public_rec.tags.add("shelter")
    public_rec.save_revision().publish()
    private_rec = RecommendationPageFactory(
        parent=private_table,
        title="Housing zqxrectitle",
        slug="zqxslugrec",
        summary="Members only: zqxrecsummary.",
        action="Lease rooms zqxrecaction.",
        decision_maker="funders",
        cost_estimate=Decimal("7654321"),
        funding_source="Foundation",
        needs=[need_private_members, need_private_shared, need_public_table],
    )
    private_rec.tags.add("zqxrectag")
    private_rec.save_revision().publish()
    for stage_from, stage_to, note, link in [
        ("draft", "proposed", "", ""),
        ("proposed", "endorsed", "", ""),
        ("endorsed", "submitted", "", ""),
    ]:
        StageChange.objects.create(
            recommendation=public_rec,
            from_stage=stage_from,
            to_stage=stage_to,
            note=note,
            link=link,
        )
    RecommendationPage.objects.filter(pk=public_rec.pk).update(stage="submitted")
    for stage_from, stage_to in [
        ("draft", "proposed"),
        ("proposed", "endorsed"),
        ("endorsed", "submitted"),
        ("submitted", "adopted"),
        ("adopted", "funded"),
    ]:
        StageChange.objects.create(
            recommendation=private_rec,
            from_stage=stage_from,
            to_stage=stage_to,
            note="Moved zqxstagenote.",
            link="https://minutes.example.org/zqxstagelink",
        )
    RecommendationPage.objects.filter(pk=private_rec.pk).update(
        stage="funded", endorsed_at_convening=private_past
    )
    Endorsement.objects.create(
        recommendation=private_rec,
        organization=org["peer"],
        representative=users["representative"],
        statement="We stand behind this zqxstatement.",
    )
    Endorsement.objects.create(
        recommendation=public_rec,
        organization=org["shared"],
        representative=poster,
        statement="A public endorsement.",
    )
    FundingCommitment.objects.create(
        recommendation=private_rec,
        funder="Fund zqxfunder",
        amount=Decimal("3456789"),
        committed_on=timezone.localdate(),
        reference="Grant zqxreference",
    )

    def agenda_item(title, needs, recommendations):
        return (
            "item",
            {
                "title": title,
                "minutes": 30,
                "lead": "The facilitators",
                "description": RichText("<p>Discussion.</p>"),
                "needs": needs,
                "recommendations": recommendations,
            },
        )

    public_upcoming = ConveningPageFactory(
        parent=public_table,
        title="Riverside spring convening",
        slug="riverside-spring",
        format=ConveningPage.Format.HYBRID,
        online_link="https://meet.example.org/zqxpubliclink",
        address="1 zqxpublicaddress Road",
        agenda=[
            agenda_item(
                "Shelter and warming",
                [need_public_table, need_private_members, need_public_members],
                [public_rec, private_rec],
            )
        ],
    )
    private_upcoming = ConveningPageFactory(
        parent=private_table,
        title="Planning zqxconveningtitle",
        slug="zqxslugconvening",
        format=ConveningPage.Format.HYBRID,
        online_link="https://meet.example.org/zqxmeetinglink",
        address="9 zqxaddress Lane",
        agenda=[
            agenda_item(
                "Rooms zqxagendaitem",
                [need_private_shared, need_public_table],
                [private_rec, public_rec],
            )
        ],
    )
    Registration.objects.create(convening=private_upcoming, user=users["member"])
    Registration.objects.create(convening=public_upcoming, user=users["councillor"])
    Registration.objects.create(convening=public_upcoming, user=users["other_member"])
    follow_member = Follow.objects.create(
        user=users["member"], kind=Follow.Kind.RECOMMENDATION, recommendation=private_rec
    )
    # A follow from before the person lost access: the follows page must not name it.
    follow_stale = Follow.objects.create(
        user=users["other_member"], kind=Follow.Kind.RECOMMENDATION, recommendation=private_rec
    )

    # Who may see and do what, written out by hand from the site's rules, not derived from the code.
    def at(name, audience, obj, parent=None, **may):
        return Target(
            name,
            frozenset(audience),
            {key: frozenset(value) for key, value in may.items()},
            slug=getattr(obj, "slug", ""),
            pk=obj.pk,
            parent=parent,
        )

    tables = {
        "public table": at(
            "public table",
            EVERY_ROLE,
            public_table,
            facilitate={"other_facilitator", "administrator"},
        ),
        "members-only table": at(
            "members-only table",
            PRIVATE,
            private_table,
            facilitate={"facilitator", "administrator"},
        ),
    }
    public, private = tables["public table"], tables["members-only table"]
    convenings = [
        at(
            "public upcoming convening",
            EVERY_ROLE,
            public_upcoming,
            public,
            # The people of the table's organizations and its facilitators.
            register={"other_facilitator", "administrator"},
            cancel={"councillor", "other_member"},
            facilitate=public.may["facilitate"],
            record_attendance=set(),
        ),
        at(
            "members-only upcoming convening",
            PRIVATE,
            private_upcoming,
            private,
            register={"representative", "facilitator", "administrator"},
            cancel={"member"},
            facilitate=private.may["facilitate"],
            record_attendance=set(),
        ),
        at(
            "members-only past convening",
            PRIVATE,
            private_past,
            private,
            register=set(),
            cancel=set(),
            facilitate=private.may["facilitate"],
            record_attendance=private.may["facilitate"],
        ),
    ]
    recommendations = [
        at(
            "public recommendation (submitted)",
            EVERY_ROLE,
            public_rec,
            public,
            # Riverside's council is its decision-maker; the councillor speaks for it.
            stage={"other_facilitator", "councillor", "administrator"},
            endorse={"representative", "councillor"},
            withdraw_endorsement=set(),
            funding=set(),
        ),
        at(
            "members-only recommendation (funded)",
            PRIVATE,
            private_rec,
            private,
            stage={"facilitator", "administrator"},
            endorse=set(),
            withdraw_endorsement=set(),
            funding={"facilitator", "administrator"},
        ),
    ]
    needs = [
        at(
            "public need",
            EVERY_ROLE,
            need_plain,
            edit={"other_facilitator", "administrator"},
            corroborate={"member", "representative", "councillor"},
            withdraw={"other_member"},
        ),
        at(
            "public need of the public table",
            EVERY_ROLE,
            need_public_table,
            edit={"other_facilitator", "administrator"},
            corroborate={"other_member", "member", "representative", "councillor"},
            withdraw=set(),
        ),
        at(
            "members-only need of the public table",
            PUBLIC_TABLE_MEMBERS,
            need_public_members,
            edit={"other_facilitator", "administrator"},
            corroborate={"other_member"},
            withdraw=set(),
        ),
        at(
            "public need of the members-only table",
            PRIVATE,
            need_private_shared,
            edit={"facilitator", "administrator"},
            corroborate={"member", "representative"},
            withdraw=set(),
        ),
        at(
            "members-only need of the members-only table",
            PRIVATE,
            need_private_members,
            edit={"member", "facilitator", "administrator"},
            corroborate={"representative"},
            withdraw=set(),
        ),
    ]
    token = unsubscribe_token(users["member"])
    restriction = PageViewRestriction.objects.get(page=private_table)
    collections = {
        "tables": list(tables.values()),
        "convenings": convenings,
        "recommendations": recommendations,
        "needs": needs,
        "communities": [
            at("public community", EVERY_ROLE, riverside),
            at("community of the members-only table", EVERY_ROLE, valley),
        ],
        "follows": [
            at("a member's follow", EVERY_ROLE, follow_member, unfollow={"member"}),
            at("a stale follow", EVERY_ROLE, follow_stale, unfollow={"other_member"}),
        ],
        "tokens": [
            Target("real unsubscribe token", EVERY_ROLE, {"valid": EVERY_ROLE}, slug=token),
            Target(
                "forged unsubscribe token",
                EVERY_ROLE,
                {"valid": frozenset()},
                slug=token[:-4] + "AAAA",
            ),
        ],
        "restrictions": [Target("members-only restriction", EVERY_ROLE, pk=restriction.pk)],
        "restricted_pages": [private],
        "missing": [Target("nothing", frozenset(), pk=999999, slug="no-such-thing")],
        "people": [Target("a member's account", EVERY_ROLE, pk=users["member"].pk)],
    }
    # The home page and the round-table index show only what each person may see.
    pages = {page.pk: EVERYTHING for page in Page.objects.filter(depth__in=[2, 3])}
    for name in ("tables", "convenings", "recommendations"):
        pages.update({target.pk: target for target in collections[name]})
    named = {
        "public table": public,
        "members-only table": private,
        "members-only upcoming convening": convenings[1],
        "public need": needs[0],
        "members-only need": needs[4],
        "public table's members-only need": needs[2],
    }
    return World(users, collections, pages, named)


# What each action is sent: valid-looking data for this role and target ------------------------


def organization_of(world: World, role: str) -> str:
    """The role's organization (the one it may act for), or nothing."""
    user = world.users.get(role)
    membership = user.memberships.order_by("-can_represent").first() if user else None
    return str(membership.organization_id) if membership else ""


def need_fields(need: Need) -> dict:
    """A need's form as its edit page fills it in."""
    return {
        "title": need.title,
        "description": need.description,
        "who_is_affected": need.who_is_affected,
        "community": need.community_id,
        "tags": ", ".join(need.tags.names()),
        "urgency": need.urgency,
        "evidence": need.evidence,
        "organization": need.organization_id,
        "attribution": need.attribution,
        "visibility": need.visibility,
        "round_table": need.round_table_id or "",
        "convening": need.convening_id or "",
        "status": need.status,
    }


def stage_fields(recommendation: RecommendationPage) -> dict:
    """The next step a permitted person would take from the recommendation's stage."""
    today = timezone.localdate().isoformat()
    step = {
        "submitted": {
            "action": "adopted",
            "decided_on": today,
            "link": "https://council.example.org/m/12",
        },
        "funded": {"action": "implemented", "note": "The rooms are open."},
    }[recommendation.stage]
    return {"seen_stage": recommendation.stage, "note": "", "link": "", **step}


def attendance_fields(convening: ConveningPage) -> dict:
    return {
        "unaffiliated": "4",
        "another_organization": "",
        "another_people": "",
        "minutes": "We met.",
        "seen_revision": convening.live_revision_id or "",
    }


def login_fields(world: World, role: str) -> dict:
    user = world.users.get(role)
    return {"username": user.email if user else "nobody@example.org", "password": "wrong"}


POST_DATA: dict[str, Callable[[World, str, Target], dict]] = {
    "needs/new/": lambda world, role, target: {
        "title": "Bus passes for outreach",
        "description": "Workers walk for hours between sites.",
        "who_is_affected": "Outreach workers",
        "community": world.collections["communities"][0].pk,
        "tags": "transit",
        "urgency": "routine",
        "evidence": "",
        "organization": organization_of(world, role),
        "attribution": "organization",
        "visibility": "public",
        "round_table": "",
        "convening": "",
    },
    "needs/<int:pk>/edit/": lambda world, role, target: need_fields(Need.objects.get(pk=target.pk)),
    "needs/<int:pk>/corroborate/": lambda world, role, target: {
        "organization": organization_of(world, role)
    },
    "needs/<int:pk>/withdraw/": lambda world, role, target: {
        "organization": organization_of(world, role)
    },
    "round-tables/<slug:table>/<slug:convening>/register/": lambda world, role, target: {
        "organization": "",
        "anonymous": "",
    },
    "round-tables/<slug:table>/convenings/new/": lambda world, role, target: {
        "title": "Autumn convening",
        "starts_at": "2031-10-01T18:00",
        "ends_at": "2031-10-01T20:00",
        "time_zone": "America/Vancouver",
        "format": "in_person",
        "area": "Downtown",
        "address": "",
        "online_link": "",
        "capacity": "",
        "interpretation": "",
        "accessibility_notes": "",
    },
    "round-tables/<slug:table>/<slug:convening>/attendance/": lambda world, role, target: (
        attendance_fields(ConveningPage.objects.get(pk=target.pk))
    ),
    "follows/add/": lambda world, role, target: {
        "kind": "recommendation",
        "target": str(target.pk),
        "frequency": "weekly",
    },
    "follows/<int:pk>/frequency/": lambda world, role, target: {"frequency": "weekly"},
    "round-tables/<slug:table>/<slug:recommendation>/endorse/": lambda world, role, target: {
        "organization": organization_of(world, role),
        "statement": "We back this.",
    },
    "round-tables/<slug:table>/<slug:recommendation>/withdraw-endorsement/": (
        lambda world, role, target: {"organization": organization_of(world, role)}
    ),
    "round-tables/<slug:table>/<slug:recommendation>/stage/": lambda world, role, target: (
        stage_fields(RecommendationPage.objects.get(pk=target.pk))
    ),
    "round-tables/<slug:table>/<slug:recommendation>/funding/": lambda world, role, target: {
        "funder": "City of Riverside",
        "amount": "2500.00",
        "committed_on": timezone.localdate().isoformat(),
        "status": "pledged",
        "reference": "M-12",
    },
    "_util/login/": lambda world, role, target: login_fields(world, role),
    "accounts/delete/": lambda world, role, target: {
        "password": "a-long-test-passphrase",
        "confirmation": "delete my account",
    },
}


# The representative sets that stand for the admin and account groups ---------------------------

ADMIN_ONLY = Rule(get=When("admin_access", 200, SIGNIN), gate=False)
# A page's admin views: 404 for an editor who may not see the page (as for one that does not exist).
FACILITATED = Rule(get=When("facilitate", 200, REFUSED), signin="admin_access")
# The explorer sends an editor to the part of the tree they may edit.
EXPLORED = Rule(get=When("facilitate", 200, MOVED), signin="admin_access")
ADMINISTRATORS = Rule(
    get=When("admin_access", When("administrator", 200, REFUSED), SIGNIN), gate=False
)
ADMIN_SAMPLES = [
    ("/admin/", "", ADMIN_ONLY),
    ("/admin/login/", "", Rule(get=SIGNIN, gate=False)),
    ("/admin/pages/{members-only table}/", "members-only table", EXPLORED),
    ("/admin/pages/{public table}/", "public table", EXPLORED),
    ("/admin/pages/{members-only table}/history/", "members-only table", FACILITATED),
    ("/admin/pages/{members-only table}/usage/", "members-only table", FACILITATED),
    (
        "/admin/pages/{members-only upcoming convening}/edit/",
        "members-only upcoming convening",
        FACILITATED,
    ),
    (
        "/admin/pages/{members-only upcoming convening}/view_draft/",
        "members-only upcoming convening",
        FACILITATED,
    ),
    ("/admin/pages/search/?q=zqxrectitle", "", ADMIN_ONLY),
    ("/admin/pages/search/results/?q=zqxconveningtitle", "", ADMIN_ONLY),
    ("/admin/choose-page/", "", ADMIN_ONLY),
    ("/admin/choose-page/search/?q=zqxrectitle", "", ADMIN_ONLY),
    ("/admin/snippets/convenings/need/", "", ADMINISTRATORS),
    ("/admin/snippets/convenings/need/?q=zqxmembersneed", "", ADMINISTRATORS),
    ("/admin/snippets/convenings/organization/?q=Valley", "", ADMINISTRATORS),
    ("/admin/snippets/recommendations/fundingcommitment/", "", ADMINISTRATORS),
]
ACCOUNT_SAMPLES = [
    ("/accounts/login/", "", Rule(get=When("signed_in", MOVED, 200), gate=False)),
    ("/accounts/signup/", "", Rule(get=When("signed_in", MOVED, 200), gate=False)),
    ("/accounts/password/reset/", "", Rule(get=200, gate=False)),
    ("/accounts/email/", "", Rule(get=200, signin="signed_in", gate=False)),
    ("/accounts/2fa/", "", Rule(get=200, signin="signed_in", gate=False)),
]
# A page that is not there: the 404 page itself must not name anything hidden.
MISSING_PAGE = "/round-tables/no-such-table/"


# Building the checks from the resolver ---------------------------------------------------------


@dataclass(frozen=True)
class Check:
    """One request to make as every role, and how to judge each answer."""

    pattern: str
    method: str
    path: str
    target: Target
    rule: Rule


def url_patterns(resolver: URLResolver | None = None, prefix: str = ""):
    """Every (route, pattern) of the site, through every include."""
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            yield from url_patterns(entry, prefix + str(entry.pattern))
        else:
            yield prefix + str(entry.pattern), entry


def view_module(entry: URLPattern) -> str:
    view = getattr(entry.callback, "view_class", entry.callback)
    return getattr(view, "__module__", "") or ""


def excluded_group(route: str, entry: URLPattern) -> str | None:
    """The group a third-party pattern is checked with; our own views are never grouped."""
    if view_module(entry).startswith(OWN_PACKAGES):
        return None
    return next((prefix for prefix in EXCLUDED_GROUPS if route.startswith(prefix)), None)


def fill(route: str, world: World) -> list[tuple[str, Target]]:
    """Every address of a route, from the data, with the target each points at."""
    if route in REGEX_PATTERN_URLS:
        return [(REGEX_PATTERN_URLS[route], EVERYTHING)]
    segments = route.split("/")
    slots = []
    previous = ""
    for index, segment in enumerate(segments):
        match = KWARG.fullmatch(segment)
        if match is None:
            if "<" in segment or "(" in segment:
                raise LookupError(f"cannot fill {segment!r}: add the address to REGEX_PATTERN_URLS")
            previous = segment
            continue
        source = KWARG_SOURCES.get((previous, match["name"]))
        if source is None:
            raise LookupError(
                f"no data for <{match['name']}> after {previous!r}: see KWARG_SOURCES"
            )
        slots.append((index, match["converter"], world.collections[source]))
        previous = f"<{match['name']}>"
    addresses = []
    for chosen in itertools.product(*(targets for _, _, targets in slots)):
        parts = list(segments)
        target = EVERYTHING
        for (index, converter, _), item in zip(slots, chosen, strict=True):
            parts[index] = str(item.slug if item.slug and converter != "int" else item.pk)
            if item.parent is not None and target is not EVERYTHING and item.parent is not target:
                target = NOWHERE  # e.g. the public table's slug with a members-only convening's
            elif target is not NOWHERE:
                target = item
        addresses.append(("/" + "/".join(parts), target))
    return addresses


def checks_for(route: str, rule: Rule, world: World) -> list[Check]:
    keys = {name: target.pk for name, target in world.named.items()}
    queries = [query.format(**keys) for query in rule.queries]
    checks = []
    for path, target in fill(route, world):
        checks += [Check(route, "GET", path + query, target, rule) for query in queries]
        if rule.post is not None:
            for post_target in world.collections[rule.post_each] if rule.post_each else [target]:
                checks.append(Check(route, "POST", path, post_target, rule))
    return checks


def page_checks(world: World) -> tuple[list[Check], list[str]]:
    """Wagtail's catch-all, expanded to every live page (and one that is not there)."""
    checks, problems = [Check(WAGTAIL_SERVE, "GET", MISSING_PAGE, NOWHERE, PAGE_RULE)], []
    for live in Page.objects.live().filter(depth__gt=1):
        target = world.pages.get(live.pk)
        if target is None:
            problems.append(f"live page {live.url} is not in the test data: say who may see it")
            continue
        checks.append(Check(WAGTAIL_SERVE, "GET", live.url, target, PAGE_RULE))
    return checks, problems


def sample_checks(samples, group: str, world: World) -> list[Check]:
    keys = {name: target.pk for name, target in world.named.items()}
    return [
        Check(group, "GET", path.format(**keys), world.named.get(name, EVERYTHING), rule)
        for path, name, rule in samples
    ]


@dataclass
class Plan:
    patterns: list[str] = field(default_factory=list)
    grouped: dict[str, int] = field(default_factory=dict)
    checks: list[Check] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def classify(route: str, entry: URLPattern) -> str:
    """'rule', 'serve', a group prefix, or 'unknown'."""
    if entry.name == WAGTAIL_SERVE:
        return "serve"
    if route in RULES:
        return "rule"
    return excluded_group(route, entry) or "unknown"


def unknown_patterns() -> list[str]:
    """The patterns the matrix does not know, and rules for patterns that are gone."""
    problems, routes = [], set()
    for route, entry in url_patterns():
        routes.add(route)
        if classify(route, entry) == "unknown":
            problems.append(
                f"unknown URL pattern {route!r} ({view_module(entry)}, name {entry.name!r}): "
                "add it to RULES with who may use it"
            )
    problems += [f"RULES names {route!r}, which no longer exists" for route in set(RULES) - routes]
    return problems


def make_plan(world: World) -> Plan:
    plan = Plan(grouped=dict.fromkeys(EXCLUDED_GROUPS, 0), problems=unknown_patterns())
    for route, entry in url_patterns():
        plan.patterns.append(route)
        kind = classify(route, entry)
        if kind == "serve":
            checks, problems = page_checks(world)
            plan.checks += checks
            plan.problems += problems
        elif kind == "rule":
            try:
                plan.checks += checks_for(route, RULES[route], world)
            except LookupError as error:
                plan.problems.append(f"{route!r}: {error}")
        elif kind in plan.grouped:
            plan.grouped[kind] += 1
    plan.checks += sample_checks(ADMIN_SAMPLES, "admin/", world)
    plan.checks += sample_checks(ACCOUNT_SAMPLES, "accounts/", world)
    unique = {(check.method, check.path, check.target.name): check for check in plan.checks}
    plan.checks = list(unique.values())
    return plan


# Asking, and judging the answers ---------------------------------------------------------------


def expected(check: Check, role: str) -> object:
    rule = check.rule
    outcome = rule.get if check.method == "GET" else rule.post
    if outcome == 405:
        return 405
    if rule.signin and role not in GROUPS[rule.signin]:
        return SIGNIN
    if rule.gate and role not in check.target.audience:
        return 404
    while isinstance(outcome, When):
        outcome = outcome.yes if check.target.allows(outcome.who, role) else outcome.no
    return outcome


def observed(response, messages: list) -> object:
    if response.status_code not in (301, 302, 303, 307, 308):
        return response.status_code
    if urlsplit(response["Location"]).path == LOGIN_PATH:
        return SIGNIN
    levels = {message.level for message in messages}
    if ERROR in levels:
        return REFUSED
    if SUCCESS in levels:
        return DONE
    return MOVED


def answer_text(response, messages: list) -> str:
    """Everything a person receives: the body, every header, the messages for the next page."""
    body = b"".join(response.streaming_content) if response.streaming else response.content
    headers = [f"{name}: {value}" for name, value in response.headers.items()]
    return "\n".join([body.decode("utf-8", "replace"), *headers, *map(str, messages)])


@dataclass
class Report:
    failures: list[str] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)
    requests: int = 0


def ask(check: Check, role: str, world: World, clients: dict[str, Client], report: Report):
    """Make one request as one role, in a transaction that is rolled back, and judge it."""
    report.requests += 1
    where = f"{role:<17} {check.method:<4} {check.path}"
    try:
        with transaction.atomic():
            if check.method == "GET":
                clients[role].cookies.pop("messages", None)  # judge this answer's own
                response = clients[role].get(check.path)
            else:
                client = Client()
                if role in world.users:
                    client.force_login(world.users[role])
                data = {}
                if check.target is not NOWHERE and check.pattern in POST_DATA:
                    data = POST_DATA[check.pattern](world, role, check.target)
                response = client.post(check.path, data)
            messages = list(get_messages(response.wsgi_request))
            transaction.set_rollback(True)
    except Exception as error:  # a 500: reported with the rest, not stopping the run
        report.failures.append(f"{where}: raised {type(error).__name__}: {error}")
        return
    want, got = expected(check, role), observed(response, messages)
    if want != got:
        target = "" if check.target is EVERYTHING else f" ({check.target.name})"
        location = f" to {response['Location']}" if "Location" in response else ""
        report.failures.append(f"{where}{target}: expected {want}, got {got}{location}")
    text = answer_text(response, messages)
    for marker, audience in MARKERS.items():
        if marker in check.path or marker not in text:
            continue
        if role in audience:
            report.seen.add(marker)
        else:
            report.failures.append(f"{where}: leaks {marker!r} (for {', '.join(sorted(audience))})")


def run_matrix(world: World) -> tuple[Plan, Report]:
    plan = make_plan(world)
    clients = {}
    for role in ROLES:
        clients[role] = Client()
        if role in world.users:
            clients[role].force_login(world.users[role])
    report = Report()
    # Visitors last: a page cached for visitors must never be one rendered for someone else.
    order = [*ROLES[1:], ROLES[0]]
    for check in plan.checks:
        for role in order:
            ask(check, role, world, clients, report)
    never_seen = set(MARKERS) - report.seen
    report.failures += [
        f"marker {marker!r} never reached anyone allowed to see it: the data or the check is wrong"
        for marker in sorted(never_seen)
    ]
    return plan, report


# Tests -----------------------------------------------------------------------------------------


def test_every_url_pattern_has_a_rule():
    problems = unknown_patterns()
    assert not problems, "\n".join(problems)


def test_markers_are_distinct_words():
    for marker in MARKERS:
        others = [other for other in MARKERS if other != marker and marker in other]
        assert not others, f"{marker!r} is part of {others}: a leak of one would hide the other"


@pytest.mark.django_db
def test_every_role_gets_the_expected_answer_and_sees_nothing_hidden():
    # One test, one set of data: each request runs in a transaction that is rolled back.
    started = time.process_time()
    plan, report = run_matrix(build_world())
    addresses = {(check.method, check.path) for check in plan.checks}
    totals = (
        f"URL patterns found: {len(plan.patterns)} "
        f"({sum(route in RULES for route in plan.patterns)} with a rule, 1 Wagtail catch-all, "
        + ", ".join(
            f"{count} under {prefix} checked as a group" for prefix, count in plan.grouped.items()
        )
        + f"); concrete URLs: {len({path for _, path in addresses})} "
        f"({len(addresses)} with their methods); roles: {len(ROLES)}; "
        f"URL x role checks: {report.requests}; failures: {len(report.failures)}; "
        f"CPU time: {time.process_time() - started:.0f} s"
    )
    print("\nPermission matrix: " + totals)
    failures = plan.problems + report.failures
    assert not failures, totals + "\n" + "\n".join(failures)


# Regressions: what the matrix found, pinned one by one -----------------------------------------


@pytest.mark.django_db
def test_wagtails_front_end_sign_in_leads_to_allauths_and_signs_nobody_in(client):
    user = UserFactory(with_totp=True)
    response = client.post(
        "/_util/login/", {"username": user.email, "password": "a-long-test-passphrase"}
    )
    assert urlsplit(response["Location"]).path == LOGIN_PATH
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_need_chooser_offers_another_tables_facilitator_no_members_only_need(
    client, facilitator, private_table
):
    hidden = NeedFactory(
        title="Hidden need of the peer table",
        round_table=private_table,
        visibility=Need.Visibility.MEMBERS,
    )
    shown = NeedFactory(title="Shown need about housing")
    client.force_login(facilitator)
    chooser = "/admin/snippets/choose/convenings/need/"
    listing = client.get(chooser).content.decode()
    assert shown.title in listing and hidden.title not in listing
    results = client.get(chooser + "results/", {"q": "need"}).content.decode()
    assert shown.title in results and hidden.title not in results
    assert client.get(f"{chooser}chosen/{hidden.pk}/").status_code == 404
    chosen = client.get(chooser + "chosen-multiple/", {"id": [hidden.pk, shown.pk]})
    assert shown.title in chosen.content.decode()
    assert hidden.title not in chosen.content.decode()


@pytest.mark.django_db
def test_page_chooser_opens_no_page_the_editor_may_not_read(
    client, facilitator, public_table, private_table
):
    client.force_login(facilitator)
    assert client.get(f"/admin/choose-page/{private_table.pk}/").status_code == 404
    assert client.get(f"/admin/choose-page/{public_table.pk}/").status_code == 200
    chosen = client.get(
        "/admin/choose-page/chosen-multiple/", {"id": [private_table.pk, public_table.pk]}
    ).content.decode()
    assert public_table.title in chosen and private_table.title not in chosen


@pytest.mark.django_db
def test_admin_search_of_needs_and_organizations_answers_on_every_database(client):
    NeedFactory(title="Winter coats", description="Coats for the cold snap.")
    OrganizationFactory(name="Harbour Collective", description="Peer support by the water.")
    client.force_login(UserFactory(administrator=True))
    needs = client.get("/admin/snippets/convenings/need/", {"q": "snap"})
    assert needs.status_code == 200 and "Winter coats" in needs.content.decode()
    organizations = client.get("/admin/snippets/convenings/organization/", {"q": "water"})
    assert organizations.status_code == 200
    assert "Harbour Collective" in organizations.content.decode()


@pytest.mark.django_db
def test_data_export_names_a_follow_only_while_its_person_may_see_it(
    client, outsider, private_table
):
    hidden = RecommendationPageFactory(parent=private_table, title="Quiet housing plan")
    Follow.objects.create(user=outsider, kind=Follow.Kind.RECOMMENDATION, recommendation=hidden)
    client.force_login(outsider)
    export = client.post("/accounts/data/")
    assert export.status_code == 200
    assert "Quiet housing plan" not in export.content.decode()
    assert "no longer available to you" in export.content.decode()
    follows = client.get("/follows/").content.decode()
    assert "Quiet housing plan" not in follows


# The admin, walked as facilitators of other tables ---------------------------------------------
#
# Both walkers may use the admin (they facilitate public tables) but may see nothing of the
# members-only table: every admin pattern is requested with its ids (pages, revisions,
# moderation, snippets), and no marker the public table's facilitators may not read may be
# anywhere in an answer. A GET must never sign them out.

ADMIN_WALK_ROLES = ("one-table facilitator", "two-table facilitator")
# The walkers read what the public table's facilitator reads, and no more.
ADMIN_WALK_AUDIENCE = "other_facilitator"
# A person who sits only at the members-only table: the admin must never name them to a walker.
ADMIN_WALK_PERSON = "zqxpersonname"
# Patterns not walked: Wagtail's catch-all 404 and its deliberate error page.
ADMIN_WALK_SKIPPED = ("admin/^.*/$", "admin/failwhale/")
PAGE_KEYWORDS = {"page_id", "parent_page_id", "page_to_move_id", "destination_id", "page_pk"}
ADMIN_KEYWORD = re.compile(r"<(?:\w+:)?(?P<name>\w+)>|\(\?P<(?P<group>\w+)>[^)]*\)")


@dataclass
class AdminWorld:
    """The walkers, and the ids each admin keyword is filled with."""

    users: dict[str, User]
    pages: list[int]
    revisions: dict[int, list[int]]
    snippets: dict[str, list[int]]
    workflow: dict[str, int]
    people: list[int]


def build_admin_world(world: World) -> AdminWorld:
    """The matrix's data, with a second public table and what the admin lists of each page.

    The one-table facilitator once edited, submitted and locked the members-only
    convening (as someone who since lost access would have), and every page has
    two revisions, so that comparisons have something to show.
    """
    public = Page.objects.get(pk=world.named["public table"].pk).specific
    second = RoundTablePageFactory(title="Lakeside Round Table", slug="lakeside-table")
    one = world.users["other_facilitator"]
    two = UserFactory(display_name="Two-table facilitator", with_totp=True)
    for table in (public, second):
        RoundTableRoleFactory(round_table=table, user=two, role=RoundTableRole.Role.FACILITATOR)
    private_org = Organization.objects.get(slug="valley-drop-in")
    person = MembershipFactory(
        organization=private_org, user__display_name=f"Member {ADMIN_WALK_PERSON}"
    ).user
    page_targets = [
        target
        for name in ("tables", "convenings", "recommendations")
        for target in world.collections[name]
    ]
    pages = [target.pk for target in page_targets]
    for pk in pages:
        Page.objects.get(pk=pk).specific.save_revision(user=world.users["administrator"])
    convening = Page.objects.get(pk=world.named["members-only upcoming convening"].pk).specific
    convening.save_revision(user=one, log_action=True)
    workflow_state = Workflow.objects.get().start(convening, one)
    Page.objects.filter(pk=world.named["members-only table"].pk).update(
        locked=True, locked_by=one, locked_at=timezone.now()
    )
    task_state = workflow_state.current_task_state
    return AdminWorld(
        users={"one-table facilitator": one, "two-table facilitator": two},
        pages=pages,
        revisions={
            pk: list(
                Revision.page_revisions.filter(object_id=str(pk))
                .order_by("-pk")
                .values_list("pk", flat=True)[:2]
            )
            for pk in pages
        },
        snippets={
            "need": [world.named["members-only need"].pk],
            "endorsement": list(
                Endorsement.objects.filter(recommendation__slug="zqxslugrec").values_list(
                    "pk", flat=True
                )
            ),
            "fundingcommitment": list(FundingCommitment.objects.values_list("pk", flat=True)),
            "membership": list(person.memberships.values_list("pk", flat=True)),
            "roundtablerole": list(
                RoundTableRole.objects.filter(round_table__slug="zqxslugtable").values_list(
                    "pk", flat=True
                )
            ),
            "organization": [private_org.pk],
            "community": [private_org.pk],
        },
        workflow={
            "task_state_id": task_state.pk,
            "workflow_state_id": workflow_state.pk,
            "task_id": task_state.task_id,
        },
        people=[person.pk],
    )


def admin_choices(route: str, name: str, chosen: dict, admin: AdminWorld) -> list:
    """The values one keyword of an admin route is filled with."""
    if name in PAGE_KEYWORDS or (name == "pk" and "pages" in route) or name == "object_id":
        return admin.pages
    if name == "revision_id":
        return admin.revisions.get(chosen.get("page_id"), [1])
    if name in admin.workflow:
        return [admin.workflow[name]]
    if name == "pk" and "/snippets/" in route:
        model = route.split("/")[4 if "/choose/" in route else 3]
        return admin.snippets.get(model, [1])
    if name == "pk" and "/users/" in route:
        return admin.people
    if name in ("content_type_app_name", "app_label", "app_name"):
        return ["convenings", "recommendations", "wagtailcore"]
    if name in ("content_type_model_name", "model_name"):
        return ["roundtablepage", "conveningpage", "recommendationpage", "page"]
    if name == "action":
        return ["delete", "publish", "unpublish", "move"]
    if name == "action_name":
        return ["approve", "reject"]
    return [1]


def admin_addresses(admin: AdminWorld) -> list[str]:
    """Every admin pattern, filled with the members-only table's ids, plus list queries."""
    all_pages = "&".join(f"id={pk}" for pk in admin.pages)
    private = admin.pages[1]  # the members-only table (see build_world's "tables")
    addresses = []
    for route, _entry in url_patterns():
        if not route.startswith("admin/") or route in ADMIN_WALK_SKIPPED:
            continue
        route = route.replace("^", "").replace("$", "")
        route = re.sub(r"\(\?P<revision_id_a>.*\)/", "earliest...latest/", route)
        route = route.replace(r"(?P<pk>\d+)", "<pk>")
        names = [m["name"] or m["group"] for m in ADMIN_KEYWORD.finditer(route)]
        options = [[]]
        for name in names:
            options = [
                [*values, value]
                for values in options
                for value in admin_choices(
                    route, name, dict(zip(names, values, strict=False)), admin
                )
            ]
        for values in options:
            filled = iter(values)
            path = "/" + ADMIN_KEYWORD.sub(lambda _match, filled=filled: str(next(filled)), route)
            addresses.append(path)
            if not names:
                addresses += [path + "?q=zqxrectitle", path + "?q=zqx"]
            if route.startswith("admin/bulk/"):
                addresses += [f"{path}?{all_pages}", f"{path}?id=all&childOf={private}"]
            if route.startswith("admin/tag-autocomplete/"):
                addresses += [path + "?term=z", path + "?term=zqx"]
    return list(dict.fromkeys(addresses))


def walk_admin(admin: AdminWorld, addresses: list[str]) -> tuple[int, list[str], list[str]]:
    """GET every address as every walker, and POST the page views; report every leak."""
    markers = {
        marker for marker, audience in MARKERS.items() if ADMIN_WALK_AUDIENCE not in audience
    } | {ADMIN_WALK_PERSON}
    requests, failures, unanswered = 0, [], []
    for role, user in admin.users.items():
        client = Client()
        client.force_login(user)
        for path in addresses:
            methods = (
                ["GET", "POST"] if path.startswith(("/admin/pages/", "/admin/bulk/")) else ["GET"]
            )
            for method in methods:
                requests += 1
                where = f"{role:<22} {method:<4} {path}"
                client.cookies.pop("messages", None)
                try:
                    with transaction.atomic():
                        response = client.get(path) if method == "GET" else client.post(path)
                        messages = list(get_messages(response.wsgi_request))
                        transaction.set_rollback(True)
                except Exception as error:
                    # An empty POST to some of Wagtail's forms raises (a missing field): no
                    # answer reaches anyone, so nothing leaks; a GET must always answer.
                    if method == "GET":
                        failures.append(f"{where}: raised {type(error).__name__}: {error}")
                    else:
                        unanswered.append(f"{where}: {type(error).__name__}")
                    continue
                text = answer_text(response, messages)
                failures += [
                    f"{where}: leaks {marker!r}"
                    for marker in sorted(markers)
                    if marker in text and marker not in path
                ]
                if method == "GET" and not client.session.get("_auth_user_id"):
                    failures.append(f"{where}: a GET signed the person out")
                    client.force_login(user)
    return requests, failures, unanswered


# The walk asks the same visibility rule on every database; the admin's privacy tests
# (test_admin_privacy, test_leaks_review) run on both. It runs once, on SQLite, to keep
# CI within its time.
@pytest.mark.skipif(
    connection.vendor == "postgresql", reason="the admin walk runs once, on SQLite (CI's time)"
)
@pytest.mark.django_db
def test_admin_walked_by_facilitators_of_other_tables_shows_no_members_only_marker():
    started = time.process_time()
    admin = build_admin_world(build_world())
    addresses = admin_addresses(admin)
    requests, failures, unanswered = walk_admin(admin, addresses)
    totals = (
        f"admin URLs: {len(addresses)}; roles: {len(ADMIN_WALK_ROLES)}; "
        f"URL x role checks (GET, and POST on page views): {requests}; "
        f"empty POSTs Wagtail did not answer: {len(unanswered)}; "
        f"leaks and errors: {len(failures)}; CPU time: {time.process_time() - started:.0f} s"
    )
    print("\nAdmin walk: " + totals + "".join(f"\n  unanswered: {line}" for line in unanswered))
    assert not failures, totals + "\n" + "\n".join(failures)
