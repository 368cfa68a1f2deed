"""What the suite needs from the machine: a missing part skips locally, fails under CI."""

import os
import socket
import stat
from types import SimpleNamespace

import pytest
import redis

from tests.requirements import (
    CHROMIUM_HOW,
    REDIS_HOW,
    check_machine_for,
    chromium,
    redis_server,
    require,
    require_answering,
    running_redis_server,
    under_ci,
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("true", True), ("TRUE", True), ("1", True), ("yes", True), ("false", False), ("", False)],
)
def test_ci_is_what_the_ci_variable_says(monkeypatch, value, expected):
    monkeypatch.setenv("CI", value)
    assert under_ci() is expected


def test_a_missing_part_skips_locally_with_one_line_saying_how_to_get_it(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception) as skipped:
        require(None, tests="browser tests", missing="Chromium", how=CHROMIUM_HOW)
    assert str(skipped.value) == "browser tests skipped: no Chromium (apt-get install -y chromium)"


def test_under_ci_a_missing_part_fails_instead_of_skipping(monkeypatch):
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="browser tests need Chromium, and CI runs"):
        require(None, tests="browser tests", missing="Chromium", how=CHROMIUM_HOW)


def test_a_part_that_is_there_is_used(monkeypatch):
    monkeypatch.setenv("CI", "true")
    require("/usr/bin/chromium", tests="browser tests", missing="Chromium", how=CHROMIUM_HOW)


def test_without_chromium_every_playwright_test_skips_for_one_reason(monkeypatch, tmp_path):
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.delenv("CHROMIUM", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    for fixtures in (["page", "context", "browser_type_launch_args"], ["browser_type_launch_args"]):
        with pytest.raises(pytest.skip.Exception, match=r"^browser tests skipped: no Chromium"):
            check_machine_for(SimpleNamespace(fixturenames=fixtures))
    check_machine_for(SimpleNamespace(fixturenames=["client", "db"]))


def test_without_redis_server_only_tests_without_a_named_redis_skip(monkeypatch, tmp_path):
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("TEST_REDIS_URL", raising=False)
    monkeypatch.setenv("TEST_CACHE_REDIS_URL", "redis://127.0.0.1:6379/12")
    with pytest.raises(pytest.skip.Exception, match=r"^Redis tests skipped: no redis-server"):
        check_machine_for(SimpleNamespace(fixturenames=["redis_url"]))
    check_machine_for(SimpleNamespace(fixturenames=["cache_redis_url"]))
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="Redis tests need redis-server"):
        check_machine_for(SimpleNamespace(fixturenames=["redis_url"]))


def test_chromium_is_found_on_path_only(monkeypatch, tmp_path):
    monkeypatch.delenv("CHROMIUM", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    assert chromium() is None
    program = tmp_path / "chromium"
    program.write_text("#!/bin/sh\n")
    program.chmod(program.stat().st_mode | stat.S_IXUSR)
    assert chromium() == str(program)


def test_chromium_may_be_named_in_the_environment(monkeypatch, tmp_path):
    program = tmp_path / "chromium-browser"
    program.write_text("#!/bin/sh\n")
    program.chmod(program.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", os.defpath)
    monkeypatch.setenv("CHROMIUM", str(program))
    assert chromium() == str(program)


def test_a_named_redis_that_does_not_answer_fails_even_locally(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    with pytest.raises(pytest.fail.Exception, match=f"TEST_REDIS_URL=.*:{closed}/0 does not"):
        require_answering(f"redis://127.0.0.1:{closed}/0", "TEST_REDIS_URL")


def test_the_suites_own_redis_answers_keeps_nothing_and_is_gone_afterwards():
    program = redis_server()
    require(program, tests="Redis tests", missing="redis-server", how=REDIS_HOW)
    with running_redis_server(program) as url:
        client = redis.Redis.from_url(url + "/3")
        assert client.ping()
        assert client.config_get("save") == {"save": ""}
        assert client.config_get("appendonly") == {"appendonly": "no"}
        assert client.config_get("bind")["bind"] == "127.0.0.1"
        client.close()
    with pytest.raises(redis.exceptions.ConnectionError):
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
