"""Typed settings helpers (rongmei.env) and the settings' refusal to start without a secret key."""

import os
import subprocess
import sys

import pytest
from django.conf import settings

from rongmei.env import ImproperEnvironment, env_bool, env_int, env_list, env_str


@pytest.mark.parametrize(
    ("raw", "expected"), [("1", True), ("true", True), (" Yes ", True), ("ON", True), ("0", False), ("off", False), ("", False)]
)
def test_env_bool_reads_the_usual_spellings(monkeypatch, raw, expected):
    monkeypatch.setenv("RONGMEI_FLAG", raw)
    assert env_bool("RONGMEI_FLAG") is expected


def test_env_bool_falls_back_to_the_default_when_unset(monkeypatch):
    monkeypatch.delenv("RONGMEI_FLAG", raising=False)
    assert env_bool("RONGMEI_FLAG", True) is True


@pytest.mark.parametrize("raw", ["maybe", "ture", "2"])
def test_env_bool_refuses_a_bad_value_naming_the_variable(monkeypatch, raw):
    monkeypatch.setenv("RONGMEI_FLAG", raw)
    with pytest.raises(ImproperEnvironment, match="RONGMEI_FLAG"):
        env_bool("RONGMEI_FLAG")


def test_env_int_reads_numbers_and_defaults(monkeypatch):
    monkeypatch.setenv("RONGMEI_PORT", "8000")
    assert env_int("RONGMEI_PORT", 1) == 8000
    monkeypatch.setenv("RONGMEI_PORT", " ")
    assert env_int("RONGMEI_PORT", 1) == 1
    monkeypatch.delenv("RONGMEI_PORT")
    assert env_int("RONGMEI_PORT", 1) == 1


@pytest.mark.parametrize("raw", ["eighty", "8.5", "80a"])
def test_env_int_refuses_a_bad_value_naming_the_variable(monkeypatch, raw):
    monkeypatch.setenv("RONGMEI_PORT", raw)
    with pytest.raises(ImproperEnvironment, match="RONGMEI_PORT"):
        env_int("RONGMEI_PORT", 1)


def test_env_list_splits_on_commas(monkeypatch):
    monkeypatch.setenv("RONGMEI_HOSTS", "a.example, b.example,,")
    assert env_list("RONGMEI_HOSTS") == ["a.example", "b.example"]
    monkeypatch.delenv("RONGMEI_HOSTS")
    assert env_list("RONGMEI_HOSTS", ["x"]) == ["x"]
    assert env_str("RONGMEI_HOSTS", "d") == "d"


def start_django(tmp_path, **extra) -> subprocess.CompletedProcess:
    """Load the settings in a fresh interpreter that never imports pytest (settings take pytest's presence for a test run)."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DJANGO_SETTINGS_MODULE": "rongmei.settings",
        "RONGMEI_VAR_DIR": str(tmp_path),
        "DEBUG": "0",
        **extra,
    }
    code = "import sys, django; django.setup(); from django.conf import settings; assert 'pytest' not in sys.modules; print(settings.DEBUG)"
    return subprocess.run(  # noqa: S603
        [sys.executable, "-c", code], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def test_settings_refuse_to_start_without_a_secret_key_when_debug_is_off(tmp_path):
    result = start_django(tmp_path)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_settings_start_with_a_secret_key_when_debug_is_off(tmp_path):
    result = start_django(tmp_path, SECRET_KEY="a-long-random-production-secret-for-this-test")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_settings_start_without_a_secret_key_in_debug(tmp_path):
    result = start_django(tmp_path, DEBUG="1")
    assert result.returncode == 0, result.stderr


def test_settings_refuse_a_misspelt_debug_value(tmp_path):
    result = start_django(tmp_path, DEBUG="yes please")
    assert result.returncode != 0
    assert "DEBUG" in result.stderr
