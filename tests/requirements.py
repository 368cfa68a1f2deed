"""What the suite needs beyond its Python packages, and what happens when it is missing.

The browser tests need Chromium; the tests of the shared cache and of rate
limits across processes need a Redis server. Everything else, axe-core
included (it comes with the ``pytest-playwright-axe`` package), is installed
by ``uv sync``.

On a developer's machine a missing part skips the tests that need it, with
one line saying how to get it, so ``uv run pytest`` passes on a machine with
only Python and uv. Under CI (``CI=true``, which ``.ci/run`` sets) nothing is
skipped: a missing part fails every test that needs it.

Programs are found on ``PATH`` (``shutil.which``), so a run with a narrower
``PATH`` sees what a fresh machine would.
"""

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import redis

CHROMIUM_HOW = "apt-get install -y chromium"
REDIS_HOW = "apt-get install -y redis-server"
# The Redis fixtures (tests/conftest.py): the variable that may name a Redis
# for each, and the database each takes on the suite's own server otherwise.
# The tests clear their database, so the two never share one.
REDIS_FIXTURES = {
    "redis_url": ("TEST_REDIS_URL", 0),
    "cache_redis_url": ("TEST_CACHE_REDIS_URL", 1),
}


def under_ci() -> bool:
    """Whether this run is CI's, where every test must run."""
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def require(found: object, *, tests: str, missing: str, how: str) -> None:
    """Go on when `found`; otherwise skip the test, or fail it under CI.

    `tests` names what is left out ("browser tests"), `missing` what is not
    there ("Chromium"), `how` the command that brings it.
    """
    if found:
        return
    if under_ci():
        pytest.fail(f"{tests} need {missing}, and CI runs every test: {how}", pytrace=False)
    pytest.skip(f"{tests} skipped: no {missing} ({how})")


def check_machine_for(item: pytest.Item) -> None:
    """Skip `item`, or fail it under CI, before its set-up when the machine lacks what it needs.

    Checked here, not in the fixtures, so that every skip for one reason has
    the same location and pytest's summary folds it into one line.
    """
    needs = set(item.fixturenames)
    # Every Playwright fixture (page, context, browser) depends on this one.
    if "browser_type_launch_args" in needs:
        require(chromium(), tests="browser tests", missing="Chromium", how=CHROMIUM_HOW)
    if any(not os.environ.get(REDIS_FIXTURES[name][0]) for name in needs & REDIS_FIXTURES.keys()):
        require(redis_server(), tests="Redis tests", missing="redis-server", how=REDIS_HOW)


def chromium() -> str | None:
    """Chromium's full path: ``$CHROMIUM`` (a name or a path), else ``chromium`` on PATH."""
    return shutil.which(os.environ.get("CHROMIUM", "chromium"))


def redis_server() -> str | None:
    """The ``redis-server`` program on PATH, if there is one."""
    return shutil.which("redis-server")


def require_answering(url: str, setting: str) -> None:
    """Fail, locally and under CI alike, when a Redis named in `setting` does not answer.

    A Redis someone named is one they meant to test against, so it is never skipped.
    """
    client = redis.Redis.from_url(url, socket_connect_timeout=2)
    try:
        client.ping()
        return
    except redis.exceptions.ConnectionError as error:
        reason = str(error)
    finally:
        client.close()
    pytest.fail(f"{setting}={url} does not answer: {reason}", pytrace=False)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def running_redis_server(program: str, *, timeout: float = 10.0) -> Iterator[str]:
    """Run a redis-server of our own on a free port of 127.0.0.1; yield its URL.

    It keeps nothing on disk (no snapshots, no append-only file), works in a
    temporary folder, and is stopped when the block ends. The URL names no
    database, so callers add one (``url + "/1"``).
    """
    with tempfile.TemporaryDirectory(prefix="commontable-redis-") as folder:
        config, log = Path(folder) / "redis.conf", Path(folder) / "redis.log"
        # Another program may take the free port before redis-server binds it.
        for _ in range(3):
            port = _free_port()
            config.write_text(
                f'port {port}\nbind 127.0.0.1\nsave ""\nappendonly no\n'
                f'dir "{folder}"\nlogfile "{log}"\n'
            )
            process = subprocess.Popen(
                [program, str(config)],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.STDOUT,
            )
            if _answers(process, port, timeout):
                break
            _stop(process)
        else:
            output = log.read_text() if log.exists() else "(no log)"
            raise RuntimeError(f"{program} did not start on 127.0.0.1:\n{output}")
        try:
            yield f"redis://127.0.0.1:{port}"
        finally:
            _stop(process)


def _answers(process: subprocess.Popen, port: int, timeout: float) -> bool:
    """Wait until the server answers PING; False if it exits first or never answers."""
    client = redis.Redis(host="127.0.0.1", port=port, socket_connect_timeout=1)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                return False
            try:
                return client.ping()
            except redis.exceptions.ConnectionError:
                time.sleep(0.05)
        return False
    finally:
        client.close()


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
