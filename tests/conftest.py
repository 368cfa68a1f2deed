import os

import pytest
from django.core.cache import cache

from convenings.models import RoundTableRole
from tests.factories import (
    ConveningPageFactory,
    MembershipFactory,
    OrganizationFactory,
    RoundTablePageFactory,
    RoundTableRoleFactory,
    UserFactory,
)

# Playwright's sync API runs an event loop in the test thread; Django's database
# calls from that thread are safe here because the browser never touches them.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Debian's Chromium, run as a headless test browser."""
    from tests.browser import CHROMIUM, require_browser_tools

    require_browser_tools()
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture
def demo_site(live_server):
    """The demo content behind a live server, as people see it in the browser."""
    from commontable.demo import seed_demo

    seed_demo()
    return live_server.url


@pytest.fixture(autouse=True)
def _isolated_cache():
    """Each test starts with an empty cache (rate limits live there)."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def organization(db):
    return OrganizationFactory()


@pytest.fixture
def public_table(db, organization):
    return RoundTablePageFactory(
        title="Prince George Table", slug="pg-table", member_organizations=[organization]
    )


@pytest.fixture
def private_table(db):
    return RoundTablePageFactory(
        title="Hidden Peer Table",
        slug="hidden-peer-table",
        members_only=True,
        purpose="<p>Confidential peer planning.</p>",
    )


@pytest.fixture
def member(db, organization):
    """A person with an organization that sits at the public table."""
    return MembershipFactory(organization=organization).user


@pytest.fixture
def outsider(db):
    """A signed-in person with an organization, but no place at the private table."""
    return MembershipFactory().user


@pytest.fixture
def private_member(db, private_table):
    user = MembershipFactory().user
    RoundTableRoleFactory(round_table=private_table, user=user)
    return user


@pytest.fixture
def facilitator(db, public_table):
    user = UserFactory()
    RoundTableRoleFactory(round_table=public_table, user=user, role=RoundTableRole.Role.FACILITATOR)
    return user


@pytest.fixture
def upcoming(public_table):
    return ConveningPageFactory(parent=public_table, title="Spring convening", capacity=2)


@pytest.fixture
def private_convening(private_table):
    return ConveningPageFactory(parent=private_table, title="Secret safety planning")
