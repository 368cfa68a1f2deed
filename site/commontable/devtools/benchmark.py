"""Load-testing the site as it runs in production: gunicorn, DEBUG off, a real database.

``benchmark_targets()`` picks one of each kind of page from the data (as a
visitor who is not signed in sees it); ``GunicornServer`` runs the WSGI
application in worker processes of its own; ``measure()`` requests a page
many times from a few keep-alive clients at once and reports its latency
percentiles and SQL queries per request.

Queries are counted inside the server: with ``BENCHMARK_QUERY_COUNT=1``,
``commontable.devtools.query_count.QueryCountMiddleware`` wraps each request in
``connection.execute_wrapper`` and says the count in ``X-Query-Count``.
So the figure is that of the real request, through every middleware.

The site keeps pages for visitors in a cache (``commontable.core.pagecache``),
which makes a page's later requests cost nothing. So pages are measured
twice, on two servers: rendered every time (``PAGE_CACHE_SECONDS=0``), and as
the site is configured, where requests after the first may be cache hits
(each worker process has its own local-memory cache unless ``REDIS_URL`` is
set, so each worker renders a page once).
"""

import http.client
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db.models import Count

from convenings.models import ConveningPage, Need, RoundTablePage
from recommendations.models import RecommendationPage
from recommendations.stages import Stage

QUERY_COUNT_HEADER = "X-Query-Count"


class BenchmarkError(Exception):
    """The benchmark could not run: no data to measure, or the server did not start."""


@dataclass(frozen=True)
class Target:
    """One page to measure: a name for the table and its address."""

    name: str
    url: str


def benchmark_targets() -> list[Target]:
    """One page of each kind, chosen from the data as a visitor who is not signed in sees it.

    The busiest public round table is the centre: its next convening, its funded
    recommendation with the longest history (among those taking up needs), its
    most corroborated need that a recommendation takes up, and its community's
    lists and dashboard. So every section of each page has something in it.
    """
    visitor = AnonymousUser()
    table = (
        RoundTablePage.objects.visible_to(visitor)
        .annotate(size=Count("recommendations"))
        .order_by("-size", "path")
        .select_related("community")
        .first()
    )
    if table is None:
        raise BenchmarkError("There is no public round table to measure: run seed_scale first.")
    community = table.community.slug
    convening = (
        ConveningPage.objects.visible_to(visitor).filter(round_table=table).upcoming().first()
        or ConveningPage.objects.visible_to(visitor).filter(round_table=table).past().first()
    )
    visible_needs = Need.objects.visible_to(visitor)
    recommendation = (
        RecommendationPage.objects.visible_to(visitor)
        .filter(round_table=table, stage__in=[Stage.FUNDED, Stage.IMPLEMENTED])
        .filter(pk__in=visible_needs.values("recommendations"))
        .annotate(moves=Count("stage_changes"))
        .order_by("-moves", "path")
        .first()
    ) or RecommendationPage.objects.visible_to(visitor).filter(round_table=table).first()
    need = (
        Need.objects.visible_to(visitor)
        .filter(round_table=table, recommendations__isnull=False)
        .with_weight()
        .order_by("-weight", "pk")
        .first()
    ) or Need.objects.visible_to(visitor).filter(round_table=table).first()
    if convening is None or recommendation is None or need is None:
        raise BenchmarkError(
            f"{table.title} has no convening, recommendation or need: run seed_scale first."
        )
    # Search for a word of the recommendation's title: the searched list is never empty.
    word = max(re.findall(r"[a-z]+", recommendation.title.lower()), key=len)
    searched = f"/recommendations/?community={community}&q={word}"
    return [
        Target("healthz", "/healthz"),
        Target("home", "/"),
        Target("round table", table.url),
        Target("convening", convening.url),
        Target("needs, filtered", f"/needs/?community={community}&status=open"),
        Target("need", need.get_absolute_url()),
        Target("recommendations, filtered and searched", searched),
        Target("recommendation", recommendation.url),
        Target("community dashboard", f"/communities/{community}/"),
        Target("CSV export", f"/recommendations/export.csv?community={community}"),
        Target("API list", "/api/v1/recommendations"),
    ]


# The server -----------------------------------------------------------------------------


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing is listening on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class GunicornServer:
    """``gunicorn commontable.wsgi`` on 127.0.0.1 with DEBUG off, for as long as the ``with``.

    It runs in a session of its own, so Ctrl-C reaches this process (which
    then stops the server cleanly) rather than the workers mid-request.
    """

    def __init__(self, *, port: int, workers: int, environment: dict[str, str]):
        self.port = port
        self.workers = workers
        self.environment = environment
        self.process: subprocess.Popen | None = None
        # The server's own output, shown if it fails; closed when the server stops.
        self.log = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115

    def __enter__(self) -> "GunicornServer":
        command = [
            sys.executable, "-m", "gunicorn", "commontable.wsgi",
            "--bind", f"127.0.0.1:{self.port}",
            "--workers", str(self.workers),
            "--log-level", "warning",
            "--graceful-timeout", "10",
        ]  # fmt: skip
        self.process = subprocess.Popen(
            command,
            cwd=settings.BASE_DIR,
            env={**os.environ, **self.environment},
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            self.wait_until_healthy()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def wait_until_healthy(self, timeout: float = 90) -> None:
        """Poll /healthz until it answers 200, or fail with the server's own output."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise BenchmarkError(f"gunicorn exited at start:\n{self.output()}")
            try:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                connection.request("GET", "/healthz")
                if connection.getresponse().status == 200:
                    connection.close()
                    return
                connection.close()
            except OSError:
                pass
            time.sleep(0.2)
        raise BenchmarkError(
            f"/healthz did not answer 200 within {timeout:.0f} s:\n{self.output()}"
        )

    def stop(self) -> None:
        """Ask gunicorn to finish (SIGTERM), and kill it if it will not."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read()[-4000:]


# Measuring ------------------------------------------------------------------------------


@dataclass
class Sample:
    """One response: its status, time, queries and whether the page cache served it."""

    status: int
    seconds: float
    queries: int | None
    cache: str


@dataclass
class Measurement:
    """A page's figures under load: statuses, queries, latency, and page cache hits."""

    name: str
    url: str
    requests: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    queries: int | None = None
    queries_range: list[int] = field(default_factory=list)
    p50_ms: float = 0.0
    p95_ms: float = 0.0
    p50_ratio: float | None = None
    p95_ratio: float | None = None
    cache_hits: int = 0
    queries_on_a_hit: int | None = None

    @property
    def server_errors(self) -> int:
        return sum(count for status, count in self.statuses.items() if status.startswith("5"))

    def as_dict(self) -> dict:
        return asdict(self)


class Client:
    """A keep-alive HTTP client per thread (http.client reconnects when the server closes)."""

    def __init__(self, port: int):
        self.port = port
        self.local = threading.local()
        self.connections: list[http.client.HTTPConnection] = []

    def get(self, url: str) -> Sample:
        connection = getattr(self.local, "connection", None)
        if connection is None:
            connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            self.local.connection = connection
            self.connections.append(connection)
        started = time.perf_counter()
        try:
            connection.request("GET", url, headers={"Accept": "text/html,application/json"})
            response = connection.getresponse()
            response.read()
        except (http.client.HTTPException, OSError):
            # A dropped keep-alive connection: start a new one and try once more.
            connection.close()
            started = time.perf_counter()
            connection.request("GET", url, headers={"Accept": "text/html,application/json"})
            response = connection.getresponse()
            response.read()
        seconds = time.perf_counter() - started
        queries = response.getheader(QUERY_COUNT_HEADER)
        cache = (response.getheader("X-Cache") or "").lower()
        if not cache and response.getheader("Age") is not None:
            cache = "hit"
        return Sample(response.status, seconds, int(queries) if queries else None, cache)

    def close(self) -> None:
        for connection in self.connections:
            connection.close()


def percentile(values: list[float], share: int) -> float:
    """The ``share``-th percentile (0 to 100), interpolated between the nearest values."""
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[share - 1]


def warm_up(client: Client, targets: list[Target], *, requests: int, concurrency: int) -> None:
    """Request every page a few times first, so that each worker has served each once.

    A worker's first request for a page pays for what it then keeps: the
    database connection, compiled templates, content types, URL resolvers.
    """
    for target in targets:
        if client.get(target.url).status == 404:
            raise BenchmarkError(
                f"The server answers 404 for {target.url}: is it using the database seeded here?"
            )
        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            list(pool.map(lambda _, url=target.url: client.get(url), range(requests)))


def measure(client: Client, target: Target, *, requests: int, concurrency: int) -> Measurement:
    """``requests`` requests for the page, ``concurrency`` at a time."""
    result = Measurement(name=target.name, url=target.url)
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        samples = list(pool.map(lambda _: client.get(target.url), range(requests)))
    result.requests = len(samples)
    for sample in samples:
        result.statuses[str(sample.status)] = result.statuses.get(str(sample.status), 0) + 1
    counted = [s.queries for s in samples if s.queries is not None]
    if counted:
        result.queries = statistics.median_low(counted)
        result.queries_range = [min(counted), max(counted)]
    hits = [s for s in samples if s.cache == "hit"]
    result.cache_hits = len(hits)
    if hits and hits[0].queries is not None:
        result.queries_on_a_hit = max(s.queries or 0 for s in hits)
    times = [s.seconds * 1000 for s in samples]
    result.p50_ms, result.p95_ms = percentile(times, 50), percentile(times, 95)
    return result


def add_ratios(measurements: list[Measurement]) -> None:
    """Each page's p50 and p95 as a multiple of /healthz's in the same run."""
    health = next(m for m in measurements if m.name == "healthz")
    for measurement in measurements:
        measurement.p50_ratio = round(measurement.p50_ms / health.p50_ms, 2)
        measurement.p95_ratio = round(measurement.p95_ms / health.p95_ms, 2)


def run_phase(
    targets: list[Target],
    *,
    port: int,
    workers: int,
    environment: dict[str, str],
    requests: int,
    concurrency: int,
    say,
) -> list[Measurement]:
    """Start a server, measure every target on it, stop it."""
    with GunicornServer(port=port, workers=workers, environment=environment):
        client = Client(port)
        try:
            warm_up(
                client, targets, requests=2 * max(workers, concurrency), concurrency=concurrency
            )
            results = []
            for target in targets:
                results.append(measure(client, target, requests=requests, concurrency=concurrency))
                say(f"  {target.name}: p95 {results[-1].p95_ms:.1f} ms")
        finally:
            client.close()
    add_ratios(results)
    return results


def server_environment(*, cache: bool) -> dict[str, str]:
    """What the benchmark's server runs with: production settings, query counts on."""
    environment = {
        "DEBUG": "0",
        "BENCHMARK_QUERY_COUNT": "1",
        "ALLOWED_HOSTS": "127.0.0.1",
        # Served over plain HTTP here, so no redirect to HTTPS.
        "SECURE_SSL": "0",
    }
    if not cache:
        environment["PAGE_CACHE_SECONDS"] = "0"
    return environment


def results_path(path: str | None) -> Path:
    return Path(path) if path else Path(settings.BASE_DIR) / "benchmark-results" / "benchmark.json"
