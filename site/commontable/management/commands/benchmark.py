"""``manage.py benchmark``: queries per request and latency of each kind of page, under load."""

import json
import os
from datetime import UTC, datetime

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from commontable.devtools.benchmark import (
    BenchmarkError,
    benchmark_targets,
    free_port,
    results_path,
    run_phase,
    server_environment,
)
from convenings.models import ConveningPage, Corroboration, Need, RoundTablePage
from recommendations.models import RecommendationPage, StageChange

# Every page's p95 should be within this multiple of /healthz's p95 in the same run.
TARGET_RATIO = 10


class Command(BaseCommand):
    help = (
        "Start gunicorn (DEBUG off) on the configured database, then measure SQL queries per "
        "request and p50/p95 latency of each kind of page, as multiples of /healthz. Writes "
        "JSON (default benchmark-results/benchmark.json). Seed the database first (seed_scale)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--requests", type=int, default=200, help="Requests per page.")
        parser.add_argument("--concurrency", type=int, default=4, help="Clients at once.")
        parser.add_argument(
            "--workers", type=int, default=4, help="gunicorn worker processes (default 4)."
        )
        parser.add_argument("--port", type=int, help="Port on 127.0.0.1 (default: a free one).")
        parser.add_argument("--json", dest="json_path", help="Where to write the results.")

    def handle(self, *args, **options):
        if options["requests"] < 1 or options["concurrency"] < 1 or options["workers"] < 1:
            raise CommandError("--requests, --concurrency and --workers must be at least 1.")
        try:
            targets = benchmark_targets()
        except BenchmarkError as error:
            raise CommandError(str(error)) from error
        port = options["port"] or free_port()
        phases = {}
        try:
            for phase, cache in [("rendered", False), ("cached", True)]:
                self.stdout.write(
                    f"Measuring {len(targets)} pages, {options['requests']} requests each at "
                    f"concurrency {options['concurrency']}, "
                    + ("pages rendered every time" if phase == "rendered" else "page cache on")
                    + f" (gunicorn, {options['workers']} workers, 127.0.0.1:{port})…"
                )
                phases[phase] = run_phase(
                    targets,
                    port=port,
                    workers=options["workers"],
                    environment=server_environment(cache=cache),
                    requests=options["requests"],
                    concurrency=options["concurrency"],
                    say=self.stdout.write,
                )
        except BenchmarkError as error:
            raise CommandError(str(error)) from error
        except KeyboardInterrupt:
            raise CommandError("Interrupted; the server is stopped.") from None
        report = self.report(phases, options)
        path = results_path(options["json_path"])
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(report, indent=2) + "\n")
        self.print_table(report)
        self.stdout.write(f"\nResults written to {path}")

    def report(self, phases, options) -> dict:
        cached = {m.name: m for m in phases["cached"]}
        pages = []
        for rendered in phases["rendered"]:
            warm = cached[rendered.name]
            pages.append(
                {
                    **rendered.as_dict(),
                    "server_errors": rendered.server_errors + warm.server_errors,
                    "cached": {
                        "hits": warm.cache_hits,
                        "queries_on_a_hit": warm.queries_on_a_hit,
                        "p50_ms": round(warm.p50_ms, 2),
                        "p95_ms": round(warm.p95_ms, 2),
                        "p50_ratio": warm.p50_ratio,
                        "p95_ratio": warm.p95_ratio,
                        "statuses": warm.statuses,
                    },
                }
            )
            for key in ("p50_ms", "p95_ms"):
                pages[-1][key] = round(pages[-1][key], 2)
        return {
            "ran_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "database": connection.vendor,
            "data": {
                model.__name__: model.objects.count()
                for model in (
                    RoundTablePage,
                    ConveningPage,
                    Need,
                    Corroboration,
                    RecommendationPage,
                    StageChange,
                )
            },
            "server": f"gunicorn commontable.wsgi --workers {options['workers']}, DEBUG=0",
            "cpus": os.cpu_count(),
            "requests_per_page": options["requests"],
            "concurrency": options["concurrency"],
            "target": f"p95 at most {TARGET_RATIO}x /healthz p95 (pages rendered every time)",
            "missed_target": [
                page["name"] for page in pages if (page["p95_ratio"] or 0) > TARGET_RATIO
            ],
            "pages": pages,
        }

    def print_table(self, report: dict) -> None:
        header = (
            f"{'page':<40} {'queries':>7} {'p50 ms':>8} {'p95 ms':>8} {'p50 x':>6} {'p95 x':>6}"
            f"  | {'cache hits':>10} {'queries':>7} {'p50 ms':>7} {'p95 ms':>7} {'p95 x':>6}"
        )
        self.stdout.write("")
        self.stdout.write(header)
        self.stdout.write("-" * len(header))
        for page in report["pages"]:
            warm = page["cached"]
            queries = "" if page["queries"] is None else page["queries"]
            on_a_hit = "" if warm["queries_on_a_hit"] is None else warm["queries_on_a_hit"]
            hits = f"{100 * warm['hits'] / page['requests']:.0f}%"
            self.stdout.write(
                f"{page['name']:<40} {queries:>7} {page['p50_ms']:>8.1f} {page['p95_ms']:>8.1f} "
                f"{page['p50_ratio']:>6.1f} {page['p95_ratio']:>6.1f}"
                f"  | {hits:>10} {on_a_hit:>7} "
                f"{warm['p50_ms']:>7.1f} {warm['p95_ms']:>7.1f} {warm['p95_ratio']:>6.1f}"
            )
        errors = sum(page["server_errors"] for page in report["pages"])
        self.stdout.write(
            "\nLeft: pages rendered every time. Right: the page cache on, as configured (queries "
            "on a hit). x = multiple of /healthz's figure in the same run.\n"
            f"Target: {report['target']}. "
            + (
                f"Missed by: {', '.join(report['missed_target'])}."
                if report["missed_target"]
                else "Every page meets it."
            )
            + (f" {errors} server errors (5xx)." if errors else " No server errors.")
        )
