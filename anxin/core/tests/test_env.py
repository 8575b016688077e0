"""The typed helpers that read settings from environment variables."""

from __future__ import annotations

import pytest

from anxin.env import (
    ImproperlyConfiguredEnv,
    env_bool,
    env_float,
    env_int,
    env_list,
    env_optional,
    env_str,
)

NAME = "ANXIN_TEST_SETTING"


@pytest.fixture(autouse=True)
def _unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(NAME, raising=False)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1", True),
        ("true", True),
        (" Yes ", True),
        ("ON", True),
        ("0", False),
        ("false", False),
        ("no", False),
        ("Off", False),
    ],
)
def test_env_bool_reads_the_usual_spellings(
    monkeypatch: pytest.MonkeyPatch, raw: str, expected: bool
) -> None:
    monkeypatch.setenv(NAME, raw)

    assert env_bool(NAME, not expected) is expected


def test_env_bool_refuses_anything_else_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(NAME, "maybe")

    with pytest.raises(ImproperlyConfiguredEnv, match=rf"{NAME} must be a boolean.*'maybe'"):
        env_bool(NAME)


def test_unset_or_empty_variables_give_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    assert env_bool(NAME, True) is True
    assert env_int(NAME, 7) == 7
    assert env_float(NAME, 1.5) == 1.5
    assert env_str(NAME, "fallback") == "fallback"
    assert env_list(NAME, ["a"]) == ["a"]
    assert env_optional(NAME) is None

    monkeypatch.setenv(NAME, "")

    assert env_int(NAME, 7) == 7
    assert env_optional(NAME) is None


def test_env_int_parses_and_refuses_naming_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(NAME, "42")
    assert env_int(NAME, 0) == 42

    monkeypatch.setenv(NAME, "4.2")
    with pytest.raises(ImproperlyConfiguredEnv, match=rf"{NAME} must be an integer.*'4.2'"):
        env_int(NAME, 0)


def test_env_float_parses_and_refuses_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(NAME, "0.25")
    assert env_float(NAME, 0.0) == 0.25

    monkeypatch.setenv(NAME, "quarter")
    with pytest.raises(ImproperlyConfiguredEnv, match=rf"{NAME} must be a number.*'quarter'"):
        env_float(NAME, 0.0)


def test_env_str_without_default_is_required_naming_the_variable() -> None:
    with pytest.raises(ImproperlyConfiguredEnv, match=rf"environment variable {NAME} is required"):
        env_str(NAME)


def test_env_list_splits_on_commas_and_drops_blanks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(NAME, " example.org, ,anxin.local,")

    assert env_list(NAME) == ["example.org", "anxin.local"]
