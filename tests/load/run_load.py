"""Load and fault test: a real gunicorn under mixed traffic, and through a database outage.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/commontable_load \\
    REDIS_URL=redis://127.0.0.1:6379/1 \\
    uv run python tests/load/run_load.py [--outage]

It migrates the database named by DATABASE_URL (creating it if missing),
seeds the demo content and a small load-test round table of its own, starts
gunicorn on a free port of 127.0.0.1, and runs visitors, members and
facilitators side by side for a minute: visitors read every kind of page;
members sign in through the real sign-in form and post and corroborate needs;
facilitators (with their authenticator app) move the same recommendations
through their stages at the same moment and record funding, all through the
site's own forms with CSRF tokens. Then it checks that nothing was lost:
every write a client saw succeed is in the database, every recommendation's
stage is its last stage change, the moves add up, and the funding totals are
the sums of the entries.

With ``--outage`` it also stops PostgreSQL (``pg_ctlcluster``, as root) for
ten seconds in the middle and checks that meanwhile every answer is either a
page from the cache or the site's own friendly 503 page, that /healthz says
503, and that the site is back within five seconds of the database without
restarting gunicorn. It prints a summary and exits non-zero on any failure.

Django is set up in ``main()`` once the database exists, so the functions that
use the site's models import them themselves.
"""

import argparse
import base64
import hashlib
import hmac
import http.client
import itertools
import logging
import os
import random
import re
import secrets
import shutil
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "load-test-passphrase-17"
RECOVERY_LIMIT = 5.0
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
SEEN_STAGE = re.compile(r'name="seen_stage" value="([a-z_]+)"')
CORROBORATE_CHOICES = re.compile(
    r'<select name="organization" id="corroborate-organization">(.*?)</select>', re.S
)
ORGANIZATION_CHOICES = re.compile(r'<select name="organization"[^>]*>(.*?)</select>', re.S)
OPTION_VALUE = re.compile(r'<option value="(\d+)"')
NEED_URL = re.compile(r"^/needs/(\d+)/$")
FRIENDLY_503 = b"Common Table is back in a moment"
# Decisions and funding may not be dated in the future, in British Columbia's time.
YESTERDAY = date.today() - timedelta(days=1)


# Setting up: the database, the data, the server ---------------------------------------------


def prepare_database(database_url: str) -> None:
    """Create the database if it is missing (PostgreSQL only)."""
    import dj_database_url
    import psycopg
    from psycopg import sql

    config = dj_database_url.parse(database_url)
    with psycopg.connect(
        dbname="postgres",
        host=config["HOST"] or None,
        port=config["PORT"] or None,
        user=config["USER"] or None,
        password=config["PASSWORD"] or None,
        autocommit=True,
    ) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]]
        ).fetchone()
        if not exists:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(config["NAME"])))


@dataclass
class Dataset:
    """What the clients work with, found or made in the database before the run."""

    run: str
    started_at: object
    facilitators: list[tuple[str, str]]  # (email, TOTP secret)
    members: list[str]
    recommendations: dict[int, str]  # pk -> url
    convening_id: int
    community_id: int
    need_ids: list[int]
    read_urls: list[str]


def seed(run: str) -> Dataset:
    """The demo content, plus a load-test table with facilitators, members and drafts."""
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator
    from django.contrib.auth.models import AnonymousUser
    from django.core.management import call_command
    from django.db import transaction
    from django.urls import reverse
    from django.utils import timezone

    from commontable.devtools.demo import seed_demo
    from commontable.models import User
    from convenings.models import (
        Community,
        ConveningPage,
        Membership,
        Need,
        Organization,
        RoundTableIndexPage,
        RoundTablePage,
        RoundTableRole,
    )
    from recommendations.models import RecommendationPage
    from recommendations.stages import DecisionMaker

    call_command("migrate", interactive=False, verbosity=0)
    seed_demo()
    started_at = timezone.now()
    with transaction.atomic():
        community = Community.objects.get(slug="prince-george")
        organizations = [
            Organization.objects.get_or_create(
                slug=f"load-org-{number}",
                defaults={"name": f"Load test organization {number}", "peer_led": number == 0},
            )[0]
            for number in range(8)
        ]
        table = RoundTablePage.objects.filter(slug="load-test-table").first()
        if table is None:
            table = RoundTablePage(
                title="Load test table",
                slug="load-test-table",
                community=community,
                purpose="<p>Where the load test works.</p>",
                peer_signoff_required=False,
            )
            table.member_organizations = organizations
            RoundTableIndexPage.objects.get().add_child(instance=table)
            table.save_revision().publish()
        convening = ConveningPage.objects.filter(slug="load-test-convening").first()
        if convening is None:
            convening = ConveningPage(
                title="Load test convening",
                slug="load-test-convening",
                starts_at=timezone.now() - timedelta(days=7),
                ends_at=timezone.now() - timedelta(days=7, hours=-2),
            )
            table.add_child(instance=convening)
            convening.save_revision().publish()

        def person(email: str, name: str) -> User:
            user = User.objects.filter(email=email).first()
            if user is None:
                user = User.objects.create_user(email, PASSWORD, display_name=name)
            EmailAddress.objects.get_or_create(
                user=user, email=email, defaults={"verified": True, "primary": True}
            )
            return user

        facilitators = []
        for number in range(4):
            user = person(f"load-facilitator-{number}@commontable.example", f"Facilitator {number}")
            RoundTableRole.objects.update_or_create(
                round_table=table, user=user, defaults={"role": RoundTableRole.Role.FACILITATOR}
            )
            authenticator, _ = Authenticator.objects.get_or_create(
                user=user,
                type=Authenticator.Type.TOTP,
                defaults={"data": {"secret": base64.b32encode(secrets.token_bytes(20)).decode()}},
            )
            facilitators.append((user.email, authenticator.data["secret"]))
        members = []
        for number in range(4):
            user = person(f"load-member-{number}@commontable.example", f"Member {number}")
            for organization in (organizations[number * 2], organizations[number * 2 + 1]):
                Membership.objects.get_or_create(user=user, organization=organization)
            members.append(user.email)
        recommendations = {}
        for number in range(40):
            recommendation = RecommendationPage(
                title=f"Load {run} recommendation {number}",
                slug=f"load-{run}-recommendation-{number}",
                summary="A recommendation the load test moves along.",
                action="Open a drop-in at night.",
                responsible_body="Load test organization 0",
                decision_maker=DecisionMaker.MUNICIPAL_COUNCIL,
                audience="City council",
                cost_estimate=Decimal("100000"),
                funding_source="City and province",
                evidence="Peers asked for it.",
                what_exists="Nothing at night.",
                success_measure="Open within a year.",
            )
            table.add_child(instance=recommendation)
            recommendations[recommendation.pk] = recommendation.url
    pages = [page.url for page in RoundTablePage.objects.live().public()]
    pages += [page.url for page in ConveningPage.objects.live().public()[:10]]
    pages += [page.url for page in RecommendationPage.objects.live().public()[:15]]
    need_ids = list(Need.objects.visible_to(AnonymousUser()).values_list("pk", flat=True))
    # Most popular first: visitors choose with weights falling off by rank.
    read_urls = [
        "/",
        reverse("recommendation_list"),
        "/round-tables/",
        reverse("need_list"),
        reverse("community_dashboard", args=["prince-george"]),
        *pages,
        reverse("need_list") + "?q=housing",
        reverse("need_list") + "?urgency=urgent",
        *[reverse("need_detail", args=[pk]) for pk in need_ids[:10]],
        reverse("recommendation_list") + "?stage=adopted",
        reverse("recommendation_list") + "?sort=moved",
        reverse("recommendation_feed"),
        reverse("recommendation_csv"),
        reverse("recommendation_list_brief"),
        "/api/v1/recommendations",
        "/api/v1/needs",
        reverse("round_table_calendar", args=["load-test-table"]),
        reverse("search") + "?q=drop-in",
    ]
    return Dataset(
        run=run,
        started_at=started_at,
        facilitators=facilitators,
        members=members,
        recommendations=recommendations,
        convening_id=convening.pk,
        community_id=community.pk,
        need_ids=need_ids,
        read_urls=read_urls,
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """gunicorn with the site, on a free port, with its output in a log file."""

    def __init__(self, workers: int, folder: Path):
        self.port = free_port()
        self.log_path = folder / "gunicorn.log"
        env = {
            **os.environ,
            "ALLOWED_HOSTS": "127.0.0.1",
            "DEBUG": "0",
            # The clients post far more than a person would.
            "RATE_LIMIT_POST_NEED": "1000000",
            "RATE_LIMIT_CORROBORATE": "1000000",
            "PYTHONUNBUFFERED": "1",
        }
        self.log = self.log_path.open("w")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "commontable.wsgi",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(workers),
                "--no-control-socket",
                "--timeout",
                "30",
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_until_ready(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited; see {self.log_path}")
            try:
                if Client(self.port).get("/healthz").status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.3)
        raise RuntimeError("gunicorn did not answer /healthz in time")

    def worker_boots(self) -> int:
        return self.log_path.read_text().count("Booting worker")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()


# The clients ----------------------------------------------------------------------------


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def location(self) -> str:
        return self.headers.get("location", "")


@dataclass
class Result:
    """One request as a client saw it."""

    who: str
    what: str
    method: str
    path: str
    started: float
    elapsed: float
    status: int | None  # None: no answer at all
    cache: str = ""
    friendly: bool = False
    error: str = ""


class Client:
    """A browser, as far as the site can tell: cookies, forms, redirects it reads itself."""

    def __init__(self, port: int, who: str = "", results: list | None = None):
        self.port = port
        self.who = who
        self.results = results
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict | None = None, what: str = "") -> Response:
        headers = {"Host": f"127.0.0.1:{self.port}", "Accept": "text/html,*/*"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            # Django checks the Referer of form posts only over HTTPS; a browser sends it anyway.
            headers["Referer"] = f"http://127.0.0.1:{self.port}{path}"
        started = time.monotonic()
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            connection.request(method, path, body=body, headers=headers)
            raw = connection.getresponse()
            response = Response(raw.status, {k.lower(): v for k, v in raw.getheaders()}, raw.read())
            for header in raw.headers.get_all("Set-Cookie") or []:
                self.remember(header)
        except OSError as error:
            self.record(what, method, path, started, None, error=repr(error))
            raise
        finally:
            connection.close()
        self.record(what, method, path, started, response)
        return response

    def remember(self, header: str) -> None:
        for name, morsel in SimpleCookie(header).items():
            if morsel["max-age"] == "0" or "1970" in morsel["expires"]:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = morsel.value

    def record(self, what, method, path, started, response, error="") -> None:
        if self.results is None:
            return
        self.results.append(
            Result(
                who=self.who,
                what=what or ("read" if method == "GET" else "write"),
                method=method,
                path=path,
                started=started,
                elapsed=time.monotonic() - started,
                status=response.status if response else None,
                cache=response.headers.get("x-cache", "") if response else "",
                friendly=bool(
                    response
                    and response.status == 503
                    and FRIENDLY_503 in response.body
                    and b"Traceback" not in response.body
                    and "retry-after" in response.headers
                ),
                error=error,
            )
        )

    def get(self, path: str, what: str = "") -> Response:
        return self.request("GET", path, what=what)

    def post(self, path: str, form: dict, *, token_from: Response, what: str) -> Response:
        token = CSRF_FIELD.search(token_from.body.decode())
        return self.request(
            "POST", path, {**form, "csrfmiddlewaretoken": token.group(1)}, what=what
        )

    def sign_in(self, email: str, totp_secret: str | None = None) -> None:
        """Through allauth's own form, and its authenticator-app step for facilitators."""
        form = self.get("/accounts/login/", what="sign-in")
        response = self.post(
            "/accounts/login/",
            {"login": email, "password": PASSWORD},
            token_from=form,
            what="sign-in",
        )
        if response.status == 302 and "/2fa/authenticate" in response.location:
            path = urlsplit(response.location).path
            for _attempt in range(2):
                step = self.get(path, what="sign-in")
                response = self.post(
                    path, {"code": totp_code(totp_secret)}, token_from=step, what="sign-in"
                )
                if response.status == 302:
                    break
                # The code changed between making and checking it: wait for the next one.
                time.sleep(30.5 - time.time() % 30)
        if response.status != 302 or "sessionid" not in self.cookies:
            raise RuntimeError(
                f"{email} could not sign in: {response.status} {response.body[:300]}"
            )


def totp_code(secret: str, at: float | None = None) -> str:
    """The authenticator app's current code (RFC 6238: SHA-1, 30 seconds, 6 digits)."""
    counter = int((at or time.time()) // 30)
    digest = hmac.new(base64.b32decode(secret), struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


@dataclass
class Ledger:
    """What the clients saw happen, to be found in the database afterwards.

    ``unknown`` holds writes whose answer never came or was a 5xx (only in an
    outage): they may or may not have been saved, and either is fine.
    """

    needs: dict[int, str] = field(default_factory=dict)
    needs_unknown: set[str] = field(default_factory=set)
    corroborations: set[tuple[int, int]] = field(default_factory=set)
    corroborations_unknown: set[tuple[int, int]] = field(default_factory=set)
    moves: Counter = field(default_factory=Counter)  # recommendation pk -> confirmed moves
    moves_unknown: Counter = field(default_factory=Counter)
    moves_refused: int = 0
    funding: dict[str, tuple[int, Decimal]] = field(default_factory=dict)  # reference -> (pk, $)
    funding_unknown: dict[str, tuple[int, Decimal]] = field(default_factory=dict)
    funding_refused: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


NEXT_ACTION = {
    "draft": "propose",
    "proposed": "endorse",
    "endorsed": "submit",
    "submitted": "adopted",
    "adopted": "funding",
    "implemented": "funding",
}


class Traffic:
    """The clients, each in its own thread, until the time is up."""

    def __init__(self, data: Dataset, ledger: Ledger, until: float):
        self.data, self.ledger, self.until = data, ledger, until
        self.need_ids = list(data.need_ids)
        self.sequence = itertools.count()
        self.failures: list[str] = []

    def running(self) -> bool:
        return time.monotonic() < self.until

    def loop(self, client: Client, step) -> None:
        chooser = random.Random(client.who)
        while self.running():
            try:
                step(client, chooser)
            except OSError:
                time.sleep(0.2)  # recorded by the client; carry on like a person pressing reload
            except Exception as error:  # a bug in the script or a page that changed shape
                self.failures.append(f"{client.who}: {error!r}")
                time.sleep(0.2)

    def read(self, client: Client, chooser: random.Random) -> None:
        urls = self.data.read_urls
        client.get(chooser.choices(urls, weights=[1 / rank for rank in range(1, len(urls) + 1)])[0])

    def visitor(self, client: Client, chooser: random.Random) -> None:
        self.read(client, chooser)

    def member(self, client: Client, chooser: random.Random) -> None:
        roll = chooser.random()
        if roll < 0.4:
            self.read(client, chooser)
        elif roll < 0.65:
            self.post_need(client)
        else:
            self.corroborate(client, chooser)

    def post_need(self, client: Client) -> None:
        form = client.get("/needs/new/", what="need")
        if form.status != 200:
            return
        organizations = OPTION_VALUE.findall(ORGANIZATION_CHOICES.search(form.body.decode())[1])
        title = f"Load {self.data.run} need {next(self.sequence)}"
        try:
            response = client.post(
                "/needs/new/",
                {
                    "title": title,
                    "description": "Posted by the load test.",
                    "who_is_affected": "People the load test imagines",
                    "community": self.data.community_id,
                    "tags": "load-test",
                    "urgency": "routine",
                    "organization": organizations[0],
                    "attribution": "organization",
                    "visibility": "public",
                },
                token_from=form,
                what="need",
            )
        except OSError:
            self.ledger.needs_unknown.add(title)
            raise
        match = NEED_URL.match(urlsplit(response.location).path) if response.status == 302 else None
        if match:
            with self.ledger.lock:
                self.ledger.needs[int(match[1])] = title
                self.need_ids.append(int(match[1]))
        elif response.status >= 500:
            self.ledger.needs_unknown.add(title)

    def corroborate(self, client: Client, chooser: random.Random) -> None:
        need_id = chooser.choice(self.need_ids)
        page = client.get(f"/needs/{need_id}/", what="corroboration")
        choices = CORROBORATE_CHOICES.search(page.body.decode()) if page.status == 200 else None
        if not choices:
            return
        organization = int(OPTION_VALUE.findall(choices[1])[0])
        try:
            response = client.post(
                f"/needs/{need_id}/corroborate/",
                {"organization": organization},
                token_from=page,
                what="corroboration",
            )
            after = self.follow(client, response, "corroboration")
        except OSError:
            self.ledger.corroborations_unknown.add((need_id, organization))
            raise
        with self.ledger.lock:
            if b"sees this need too" in after.body:
                self.ledger.corroborations.add((need_id, organization))
            elif after.status >= 500:
                self.ledger.corroborations_unknown.add((need_id, organization))

    @staticmethod
    def follow(client: Client, response: Response, what: str) -> Response:
        """The page a redirect leads to, where the site says what happened; else the answer."""
        if response.status == 302:
            return client.get(urlsplit(response.location).path, what=what)
        return response

    def facilitator(self, client: Client, chooser: random.Random) -> None:
        if chooser.random() < 0.25:
            self.read(client, chooser)
            return
        # Half the time one of a few recommendations everyone is working on, so
        # facilitators often act on the same one at the same moment.
        pks = sorted(self.data.recommendations)
        pk = chooser.choice(pks[:6] if chooser.random() < 0.5 else pks)
        url = self.data.recommendations[pk]
        page = client.get(url, what="stage")
        seen = SEEN_STAGE.search(page.body.decode()) if page.status == 200 else None
        if not seen:
            return
        stage = seen[1]
        action = NEXT_ACTION.get(stage)
        if stage == "funded":
            action = chooser.choice(["funding", "implemented"])
        if action == "funding":
            self.record_funding(client, chooser, pk, url, page)
        elif action:
            self.change_stage(client, pk, url, page, stage, action)

    def change_stage(self, client, pk, url, page, stage, action) -> None:
        form = {"action": action, "seen_stage": stage, "note": f"Load test: {action}.", "link": ""}
        if action == "endorse":
            form["convening"] = self.data.convening_id
        if action == "adopted":
            form |= {"decided_on": YESTERDAY.isoformat(), "link": "https://example.org/motion"}
        if action == "implemented":
            form["note"] = "The load test built it."
        try:
            response = client.post(url + "stage/", form, token_from=page, what="stage")
        except OSError:
            with self.ledger.lock:
                self.ledger.moves_unknown[pk] += 1
            raise
        with self.ledger.lock:
            if response.status == 302 and response.location.endswith("#timeline"):
                self.ledger.moves[pk] += 1
            elif response.status >= 500:
                self.ledger.moves_unknown[pk] += 1
            else:
                self.ledger.moves_refused += 1

    def record_funding(self, client, chooser, pk, url, page) -> None:
        reference = f"load-{self.data.run}-{next(self.sequence)}"
        amount = Decimal(chooser.randrange(100, 500000)) / 100
        form = {
            "funder": "Load test foundation",
            "amount": str(amount),
            "committed_on": YESTERDAY.isoformat(),
            "status": "pledged",
            "reference": reference,
        }
        try:
            response = client.post(url + "funding/", form, token_from=page, what="funding")
            after = self.follow(client, response, "funding")
        except OSError:
            self.ledger.funding_unknown[reference] = (pk, amount)
            raise
        with self.ledger.lock:
            if b"Recorded: $" in after.body:
                self.ledger.funding[reference] = (pk, amount)
            elif after.status >= 500:
                self.ledger.funding_unknown[reference] = (pk, amount)
            else:
                self.ledger.funding_refused += 1


# The outage --------------------------------------------------------------------------------


def cluster_command(action: str) -> str:
    """Stop or start this machine's PostgreSQL cluster (Debian's pg_ctlcluster; needs root)."""
    version = sorted(os.listdir("/etc/postgresql"))[-1] if os.path.isdir("/etc/postgresql") else "?"
    return f"pg_ctlcluster --skip-systemctl-redirect {version} main {action}"


class Database:
    """The PostgreSQL server behind DATABASE_URL: is it up, and how to stop and start it."""

    def __init__(self, database_url: str, stop: str, start: str):
        address = urlsplit(database_url)
        self.host, self.port = address.hostname or "127.0.0.1", str(address.port or 5432)
        self.stop_command, self.start_command = stop, start

    def ready(self) -> bool:
        command = ["pg_isready", "-q", "-h", self.host, "-p", self.port]
        return subprocess.run(command, check=False).returncode == 0

    def stop(self) -> None:
        subprocess.run(self.stop_command, shell=True, check=True, capture_output=True)

    def start(self) -> None:
        subprocess.run(self.start_command, shell=True, check=True, capture_output=True)


@dataclass
class Outage:
    """When the database went and came back, and what /healthz said meanwhile."""

    stopping_at: float = 0.0  # the stop command was given (connections start to close)
    stopped_at: float = 0.0
    started_at: float = 0.0
    back_at: float = 0.0  # PostgreSQL accepts connections again
    healthy_at: float = 0.0  # the first /healthz 200 answered after that
    health: list[tuple[float, float, int | None]] = field(default_factory=list)

    @property
    def recovery(self) -> float:
        return self.healthy_at - self.back_at if self.healthy_at else float("inf")

    def health_while_down(self) -> list[int | None]:
        """/healthz answers given while the database was stopped.

        Under full load a question waits its turn behind the other clients, so
        what counts is when it was answered, not when it was asked; and the
        database may accept connections before the start command returns, so
        only answers given before that command count.
        """
        return [
            status
            for _, answered, status in self.health
            if self.stopped_at + 1 < answered < self.started_at
        ]


def run_outage(
    port: int, database: Database, start_after: float, seconds: float, outage: Outage
) -> None:
    """Stop PostgreSQL, start it again, and time how long the site takes to follow."""
    watching = threading.Event()
    watcher = threading.Thread(target=watch_health, args=(port, outage, watching))
    watcher.start()
    time.sleep(start_after)
    try:
        outage.stopping_at = time.monotonic()
        database.stop()
        outage.stopped_at = time.monotonic()
        time.sleep(seconds)
    finally:
        outage.started_at = time.monotonic()
        database.start()
    deadline = time.monotonic() + 60
    while not database.ready() and time.monotonic() < deadline:
        time.sleep(0.05)
    if database.ready():
        outage.back_at = time.monotonic()
    watching.wait(timeout=60)
    watcher.join()


def watch_health(port: int, outage: Outage, done: threading.Event) -> None:
    """Ask /healthz over and over until it answers 200 after the database is back."""
    client = Client(port)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        asked = time.monotonic()
        try:
            status = client.get("/healthz").status
        except OSError:
            status = None
        answered = time.monotonic()
        outage.health.append((asked, answered, status))
        if status == 200 and outage.back_at and answered > outage.back_at:
            outage.healthy_at = answered
            break
        time.sleep(0.1)
    done.set()


# Checking and reporting ----------------------------------------------------------------------


def verify(data: Dataset, ledger: Ledger) -> list[tuple[str, bool, str]]:
    """Everything the clients saw succeed is in the database, and the books balance."""
    from django.db import connection, connections
    from django.db.models import Sum

    from convenings.models import Corroboration, Need
    from recommendations.models import FundingCommitment, RecommendationPage, StageChange
    from recommendations.stages import Stage

    # The connections from before the run may have been broken by the outage.
    connections.close_all()
    connection.close_pool()
    checks = []

    saved_needs = dict(
        Need.objects.filter(title__startswith=f"Load {data.run} need").values_list("pk", "title")
    )
    missing = {pk for pk, title in ledger.needs.items() if saved_needs.get(pk) != title}
    extra = {title for pk, title in saved_needs.items() if pk not in ledger.needs}
    checks.append(
        (
            "every need posted is saved, and no other",
            not missing and extra <= ledger.needs_unknown,
            f"{len(ledger.needs)} posted, {len(saved_needs)} saved"
            + (f", {len(missing)} missing" if missing else "")
            + (f", {len(extra)} saved whose answer was lost in the outage" if extra else ""),
        )
    )

    saved_corroborations = set(
        Corroboration.objects.filter(
            organization__slug__startswith="load-org-", created_at__gte=data.started_at
        ).values_list("need_id", "organization_id")
    )
    missing = ledger.corroborations - saved_corroborations
    extra = saved_corroborations - ledger.corroborations
    checks.append(
        (
            "every corroboration counted is saved, and no other",
            not missing and extra <= ledger.corroborations_unknown,
            f"{len(ledger.corroborations)} counted, {len(saved_corroborations)} saved",
        )
    )

    pks = list(data.recommendations)
    history = defaultdict(list)
    for change in StageChange.objects.filter(recommendation_id__in=pks).order_by("at", "pk"):
        history[change.recommendation_id].append(change)
    stages = dict(RecommendationPage.objects.filter(pk__in=pks).values_list("pk", "stage"))
    funded = set(
        FundingCommitment.objects.filter(recommendation_id__in=pks).values_list(
            "recommendation_id", flat=True
        )
    )
    broken, miscounted = [], []
    for pk in pks:
        changes = history[pk]
        chain = [Stage.DRAFT.value] + [change.to_stage for change in changes]
        if stages[pk] != chain[-1] or any(
            change.from_stage != chain[i] for i, change in enumerate(changes)
        ):
            broken.append(pk)
        by_stage_form = sum(1 for change in changes if change.to_stage != Stage.FUNDED)
        by_funding = sum(1 for change in changes if change.to_stage == Stage.FUNDED)
        if not (
            ledger.moves[pk] <= by_stage_form <= ledger.moves[pk] + ledger.moves_unknown[pk]
        ) or by_funding != (pk in funded):
            miscounted.append(pk)
    checks.append(
        (
            "each recommendation's stage is its last stage change, in an unbroken chain",
            not broken,
            f"{len(pks)} recommendations" + (f"; broken: {broken}" if broken else ""),
        )
    )
    checks.append(
        (
            "successful moves equal the new stage changes (and first funding moves to funded)",
            not miscounted,
            f"{sum(ledger.moves.values())} moves confirmed through the stage form + "
            f"{len(funded)} first funding entries = "
            f"{sum(len(changes) for changes in history.values())} stage changes saved; "
            f"{ledger.moves_refused} refused (someone else moved it first)"
            + (f"; miscounted: {miscounted}" if miscounted else ""),
        )
    )
    all_pages = RecommendationPage.objects.exclude(stage=Stage.DRAFT).values_list("pk", "stage")
    last = {}
    for change in StageChange.objects.order_by("at", "pk"):
        last[change.recommendation_id] = change.to_stage
    out_of_step = [pk for pk, stage in all_pages if last.get(pk) != stage]
    checks.append(
        (
            "every recommendation on the site is at the stage its history says",
            not out_of_step,
            f"{len(all_pages)} past draft"
            + (f"; out of step: {out_of_step}" if out_of_step else ""),
        )
    )

    saved = dict(
        FundingCommitment.objects.filter(recommendation_id__in=pks).values_list(
            "reference", "amount"
        )
    )
    missing = [ref for ref, (_, amount) in ledger.funding.items() if saved.get(ref) != amount]
    unexplained = [
        ref for ref in saved if ref not in ledger.funding and ref not in ledger.funding_unknown
    ]
    expected = defaultdict(Decimal)
    for ref, (pk, amount) in {**ledger.funding_unknown, **ledger.funding}.items():
        if ref in saved:
            expected[pk] += amount
    totals = dict(
        FundingCommitment.objects.filter(recommendation_id__in=pks)
        .values_list("recommendation_id")
        .annotate(total=Sum("amount"))
    )
    unbalanced = [pk for pk in set(totals) | set(expected) if totals.get(pk) != expected.get(pk)]
    recorded = sum((amount for _, amount in ledger.funding.values()), Decimal(0))
    checks.append(
        (
            "every funding entry recorded is saved, and each total is the sum of its entries",
            not missing and not unexplained and not unbalanced,
            f"{len(ledger.funding)} entries recorded (${recorded:,.2f}), "
            f"{len(saved)} saved (${sum(saved.values(), Decimal(0)):,.2f}), "
            f"{ledger.funding_refused} refused",
        )
    )
    return checks


def percentile(values: list[float], share: float) -> float:
    if not values:
        return 0.0
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(share * 100) - 1]


def milliseconds(results: list[Result]) -> str:
    times = [r.elapsed * 1000 for r in results]
    return f"p50 {percentile(times, 0.5):.0f} ms, p95 {percentile(times, 0.95):.0f} ms"


def listed(result: Result, start: float) -> str:
    """One request for the list under a failed check: when, what, and the answer."""
    return (
        f"\n      at {result.started - start:.1f} s: {result.method} {result.path} "
        f"{result.status or ''} {result.error}"
    )


def judge(
    results: list[Result], outage: Outage | None, start: float
) -> list[tuple[str, bool, str]]:
    """No 5xx at all without an outage; during one, only cached pages or the friendly 503."""
    checks = []
    if outage is None:
        errors = [r for r in results if r.status is None or r.status >= 500]
        checks.append(
            (
                "no 5xx and no dropped connection",
                not errors,
                f"{len(errors)} of {len(results)}" + "".join(listed(r, start) for r in errors[:5]),
            )
        )
        return checks
    if not outage.back_at:
        return [("PostgreSQL came back after the outage", False, "it did not start again")]
    window_end = outage.back_at + RECOVERY_LIMIT
    during = [
        r for r in results if r.started + r.elapsed >= outage.stopping_at and r.started < window_end
    ]
    during_ids = {id(r) for r in during}
    outside = [r for r in results if id(r) not in during_ids]
    errors = [r for r in outside if r.status is None or r.status >= 500]
    checks.append(
        (
            "no 5xx before the outage or once the site is back",
            not errors,
            f"{len(errors)} of {len(outside)}" + "".join(listed(r, start) for r in errors[:5]),
        )
    )
    unfriendly = [r for r in during if (r.status is None or r.status >= 500) and not r.friendly]
    friendly = sum(1 for r in during if r.friendly)
    served = sum(1 for r in during if r.status is not None and r.status < 500)
    hits = sum(1 for r in during if r.cache == "hit")
    checks.append(
        (
            "during the outage: the friendly 503 page (no traceback) or a working page",
            not unfriendly and friendly > 0,
            f"{friendly} friendly 503 pages, {served} answered normally ({hits} from the cache)"
            + (f", {len(unfriendly)} other errors" if unfriendly else "")
            + "".join(listed(r, start) for r in unfriendly[:5]),
        )
    )
    while_down = outage.health_while_down()
    checks.append(
        (
            "/healthz is 503 while PostgreSQL is down",
            bool(while_down) and all(status == 503 for status in while_down),
            f"{Counter(while_down)}",
        )
    )
    checks.append(
        (
            f"the site is back within {RECOVERY_LIMIT:.0f} s of PostgreSQL, without a restart",
            outage.recovery <= RECOVERY_LIMIT,
            f"recovered {outage.recovery:.2f} s after PostgreSQL accepted connections again",
        )
    )
    return checks


def report(args, data, results, ledger, outage, checks, elapsed, workers) -> None:
    signed_in = [r for r in results if r.who.startswith(("member", "facilitator"))]
    visitors = [r for r in results if r.who.startswith("visitor")]
    statuses = Counter(r.status if r.status is not None else "no answer" for r in results)
    print()
    print(f"Load test, run {data.run}: {elapsed:.0f} s, {args.concurrency} clients", end="")
    print(f" ({args.concurrency // 2} visitors, {args.concurrency // 4} members,", end="")
    print(f" {args.concurrency - args.concurrency // 2 - args.concurrency // 4} facilitators)")
    cache = os.environ.get("REDIS_URL") or os.environ.get("CACHE_URL") or "local memory"
    print(f"  gunicorn: {workers} sync workers; cache: {cache}; database: PostgreSQL")
    print(f"  requests: {len(results)} ({len(results) / elapsed:.1f}/s)")
    print("  status:   " + ", ".join(f"{k}: {v}" for k, v in sorted(statuses.items(), key=str)))
    print(f"  latency:  all {milliseconds(results)}")
    hits = [r for r in visitors if r.cache == "hit"]
    misses = [r for r in visitors if r.cache == "miss"]
    print(f"            visitors {milliseconds(visitors)}")
    print(f"              cache hits {len(hits)}: {milliseconds(hits)}")
    print(f"              misses {len(misses)}: {milliseconds(misses)}")
    print(f"            signed-in {milliseconds(signed_in)}")
    print(
        f"  writes:   needs {len(ledger.needs)}, corroborations {len(ledger.corroborations)}, "
        f"stage moves {sum(ledger.moves.values())} (+{ledger.moves_refused} refused), "
        f"funding entries {len(ledger.funding)} (+{ledger.funding_refused} refused); "
        f"answers lost in an outage: {len(ledger.needs_unknown)} needs, "
        f"{len(ledger.corroborations_unknown)} corroborations, "
        f"{sum(ledger.moves_unknown.values())} moves, {len(ledger.funding_unknown)} funding"
    )
    if outage:
        at = {
            name: getattr(outage, name) - args.start
            for name in ("stopping_at", "stopped_at", "started_at", "back_at", "healthy_at")
        }
        print(
            f"  outage:   PostgreSQL told to stop at {at['stopping_at']:.1f} s, stopped at "
            f"{at['stopped_at']:.1f} s, started again at {at['started_at']:.1f} s "
            f"({at['started_at'] - at['stopped_at']:.1f} s down), accepting connections at "
            f"{at['back_at']:.1f} s;\n            /healthz 200 again at {at['healthy_at']:.1f} s: "
            f"recovery {outage.recovery:.2f} s"
        )
    print("  checks:")
    for name, passed, detail in checks:
        print(f"    [{'PASS' if passed else 'FAIL'}] {name}: {detail}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=60, help="seconds of traffic (60)")
    parser.add_argument("--concurrency", type=int, default=16, help="clients at once (16)")
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    parser.add_argument(
        "--outage",
        action="store_true",
        help="stop PostgreSQL for --outage-seconds mid-run (needs root and pg_ctlcluster)",
    )
    parser.add_argument("--outage-at", type=float, default=20, help="seconds into the run (20)")
    parser.add_argument("--outage-seconds", type=float, default=10, help="how long (10)")
    parser.add_argument(
        "--stop-command", default=cluster_command("stop"), help="how to stop the database"
    )
    parser.add_argument(
        "--start-command", default=cluster_command("start"), help="how to start it again"
    )
    args = parser.parse_args()

    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url.startswith(("postgres://", "postgresql://")):
        parser.error("set DATABASE_URL to a PostgreSQL database of the load test's own")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "commontable.settings")
    database = Database(database_url, args.stop_command, args.start_command)
    prepare_database(database_url)
    import django

    django.setup()
    # Django's task log lines carry whatever exception is being handled nearby.
    logging.getLogger("django.tasks").setLevel(logging.WARNING)

    run = time.strftime("%H%M%S")
    print(f"Seeding {urlsplit(database_url).path.lstrip('/')} …", flush=True)
    data = seed(run)
    folder = Path(tempfile.mkdtemp(prefix="commontable-load-"))
    server = Server(args.workers, folder)
    results: list[Result] = []
    ledger = Ledger()
    outage = Outage() if args.outage else None
    failures: list[str] = []
    checks: list[tuple[str, bool, str]] = []
    try:
        server.wait_until_ready()
        boots = server.worker_boots()
        visitors = args.concurrency // 2
        members = args.concurrency // 4
        facilitators = args.concurrency - visitors - members
        clients = []
        for number in range(facilitators):
            client = Client(server.port, f"facilitator-{number}", results)
            client.sign_in(*data.facilitators[number % len(data.facilitators)])
            clients.append((client, "facilitator"))
        for number in range(members):
            client = Client(server.port, f"member-{number}", results)
            client.sign_in(data.members[number % len(data.members)])
            clients.append((client, "member"))
        clients += [
            (Client(server.port, f"visitor-{n}", results), "visitor") for n in range(visitors)
        ]
        print(f"Running {args.duration:.0f} s of traffic on port {server.port} …", flush=True)
        args.start = time.monotonic()
        traffic = Traffic(data, ledger, args.start + args.duration)
        threads = [
            threading.Thread(target=traffic.loop, args=(client, getattr(traffic, role)))
            for client, role in clients
        ]
        if outage:
            threads.append(
                threading.Thread(
                    target=run_outage,
                    args=(server.port, database, args.outage_at, args.outage_seconds, outage),
                )
            )
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - args.start
        failures += traffic.failures
        checks += judge([r for r in results if r.what != "sign-in"], outage, args.start)
        restarted = server.worker_boots() - boots
        checks.append(
            ("gunicorn kept its workers (no restart)", restarted == 0, f"{restarted} re-booted")
        )
        try:
            checks += verify(data, ledger)
        except Exception as error:
            checks.append(("the database could be checked afterwards", False, repr(error)))
        if failures:
            checks.append(("the clients ran without surprises", False, "; ".join(failures[:5])))
        report(args, data, results, ledger, outage, checks, elapsed, args.workers)
    finally:
        server.stop()
        if args.outage and not database.ready():
            database.start()
    if all(passed for _, passed, _ in checks):
        shutil.rmtree(folder, ignore_errors=True)
        return 0
    print(f"  the server's log is kept in {server.log_path}")
    return 1


if __name__ == "__main__":
    sys.exit(main())
