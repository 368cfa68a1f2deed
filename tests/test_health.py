"""/healthz answers for the database; an outage gets a friendly 503, never a traceback."""

import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.django_db

# A PostgreSQL address where nothing listens: a real, unreachable database.
UNREACHABLE = "postgres://nobody@127.0.0.1:9/nowhere"

PROBE = """
import django
django.setup()
from django.test import Client
client = Client(raise_request_exception=False)
for url in ("/healthz", "/"):
    response = client.get(url)
    print(url, response.status_code, response.content.decode()[:2000].replace("\\n", " "))
"""


def test_healthz_is_200_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "up"}


def test_outage_gives_503_on_healthz_and_a_friendly_page():
    env = {
        **os.environ,
        "DATABASE_URL": UNREACHABLE,
        "DATABASE_POOL_TIMEOUT": "1",
        "ALLOWED_HOSTS": "testserver",
        "DJANGO_SETTINGS_MODULE": "commontable.settings",
        "DEBUG": "0",
    }
    result = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=120
    )
    lines = dict(line.split(" ", 1) for line in result.stdout.splitlines() if line.startswith("/"))
    assert lines["/healthz"].startswith("503"), result.stdout + result.stderr
    assert '"database": "down"' in lines["/healthz"]
    assert lines["/"].startswith("503"), result.stdout + result.stderr
    assert "back in a moment" in lines["/"]
    assert "Traceback" not in lines["/"]
