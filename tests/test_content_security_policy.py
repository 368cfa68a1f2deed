"""Public pages run no inline script; the admin may, and nothing loads from elsewhere."""

import pytest

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def directives(response):
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


def test_public_pages_forbid_inline_scripts(client, upcoming):
    for url in ["/", "/round-tables/", upcoming.url, "/accounts/login/"]:
        policy = directives(client.get(url))
        assert policy["script-src"][0] == "'self'"
        assert "'unsafe-inline'" not in policy["script-src"], url
        assert policy["frame-ancestors"] == ["'none'"]
        assert all("http" not in source for values in policy.values() for source in values)


def test_admin_may_run_its_inline_scripts_but_nothing_from_elsewhere(client):
    client.force_login(UserFactory(administrator=True))
    response = client.get("/admin/")
    assert response.status_code == 200
    policy = directives(response)
    assert "'unsafe-inline'" in policy["script-src"]
    assert all("http" not in source for values in policy.values() for source in values)
