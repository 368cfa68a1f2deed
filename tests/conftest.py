import os

import pytest
from django.core.cache import cache
from django.db import connection

from convenings.models import RoundTableRole
from tests.factories import (
    ConveningPageFactory,
    MembershipFactory,
    OrganizationFactory,
    RoundTablePageFactory,
    RoundTableRoleFactory,
    UserFactory,
)
from tests.requirements import (
    REDIS_FIXTURES,
    check_machine_for,
    chromium,
    redis_server,
    require_answering,
    running_redis_server,
)

# Playwright's sync API runs an event loop in the test thread; Django's database
# calls from that thread are safe here because the browser never touches them.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    """A test that needs Chromium or Redis skips (fails under CI) when it is missing.

    A test that needs row locks skips on SQLite, which has none; CI runs it on PostgreSQL.
    Skipped here rather than by a mark, so pytest's summary names each reason on one line.
    """
    check_machine_for(item)
    if item.get_closest_marker("row_locks") and connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL (CI runs them there)")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Debian's Chromium, found on PATH, run as a headless test browser."""
    return {
        **browser_type_launch_args,
        "executable_path": chromium(),
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture(scope="session", autouse=True)
def _serialized_contents_for_every_connection(django_db_setup, django_db_blocker):
    """Let transactional tests restore the migrated pages after a browser test.

    Once Playwright's event loop runs in the test thread, Django hands that
    thread a new connection object, which lacks the database snapshot taken
    at set-up; `serialized_rollback` would then silently restore nothing and
    later tests would find no page tree. Keep the snapshot on the class.
    """
    from django.db import connections

    for alias in connections:
        connection = connections[alias]
        contents = getattr(connection, "_test_serialized_contents", None)
        if contents is not None:
            type(connection)._test_serialized_contents = contents


@pytest.fixture(scope="session")
def own_redis():
    """A redis-server of the suite's own, started when a test first needs it.

    Where there is no redis-server, `pytest_runtest_setup` has already skipped
    the tests that would need it. The URL names no database; `redis_url` and
    `cache_redis_url` each take one.
    """
    with running_redis_server(redis_server()) as url:
        yield url


def _redis(request, fixture: str) -> str:
    setting, database = REDIS_FIXTURES[fixture]
    if url := os.environ.get(setting):
        require_answering(url, setting)
        return url
    return f"{request.getfixturevalue('own_redis')}/{database}"


@pytest.fixture(scope="session")
def redis_url(request):
    """A Redis database for the rate-limit tests: $TEST_REDIS_URL, else one of our own.

    Two runs at once (as .ci/run does) name different ones, so that neither
    deletes what the other counts.
    """
    return _redis(request, "redis_url")


@pytest.fixture(scope="session")
def cache_redis_url(request):
    """A Redis database for the shared-cache tests: $TEST_CACHE_REDIS_URL, else one of our own.

    The tests clear it, so it is never `redis_url`'s database.
    """
    return _redis(request, "cache_redis_url")


@pytest.fixture
def demo_site(live_server):
    """The demo content behind a live server, as people see it in the browser."""
    from commontable.devtools.demo import seed_demo

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
    """The public table's facilitator, with the authenticator app facilitators need."""
    user = UserFactory(with_totp=True)
    RoundTableRoleFactory(round_table=public_table, user=user, role=RoundTableRole.Role.FACILITATOR)
    return user


@pytest.fixture
def upcoming(public_table):
    return ConveningPageFactory(parent=public_table, title="Spring convening", capacity=2)


@pytest.fixture
def private_convening(private_table):
    return ConveningPageFactory(parent=private_table, title="Secret safety planning")
