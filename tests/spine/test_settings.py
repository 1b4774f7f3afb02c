"""Start-up refuses to run in production without a real secret; settings read X or X_FILE."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from ocg.settings import INSECURE_DEVELOPMENT_KEY
from ocg.spine.env import env, env_bool, env_int, env_list

REPO_ROOT = Path(__file__).resolve().parents[2]
SETTINGS_NAMES = ("SECRET_KEY", "DEBUG", "ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL", "KAFKA_BOOTSTRAP_SERVERS")
PRINT_KEY = (
    "import django; django.setup(); from django.conf import settings; "
    "print('key-length', len(settings.SECRET_KEY)); print('key', settings.SECRET_KEY)"
)


def start(tmp_path: Path, *arguments: str, **variables: str) -> subprocess.CompletedProcess[str]:
    """Load the settings in a fresh interpreter, with only the given settings variables set."""
    environment = {
        name: value
        for name, value in os.environ.items()
        if name not in SETTINGS_NAMES and name.removesuffix("_FILE") not in SETTINGS_NAMES
    }
    environment.update(DJANGO_SETTINGS_MODULE="ocg.settings", OCG_VAR_DIR=str(tmp_path / "var"), **variables)
    return subprocess.run(
        [sys.executable, *(arguments or ("-c", PRINT_KEY))],
        cwd=REPO_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_production_start_without_secret_key_stops_with_a_clear_message(tmp_path):
    result = start(tmp_path, ALLOWED_HOSTS="shop.example.com")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY is not set" in result.stderr


def test_production_start_with_the_insecure_development_key_is_refused(tmp_path):
    result = start(tmp_path, SECRET_KEY=INSECURE_DEVELOPMENT_KEY, ALLOWED_HOSTS="shop.example.com")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_manage_check_also_refuses_to_start_without_secret_key(tmp_path):
    result = start(tmp_path, "manage.py", "check")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_secret_key_file_is_read(tmp_path):
    secret = tmp_path / "secret_key"
    secret.write_text("s3cr3t-from-a-mounted-file-0123456789\n")
    result = start(tmp_path, SECRET_KEY_FILE=str(secret), ALLOWED_HOSTS="shop.example.com")
    assert result.returncode == 0, result.stderr
    assert "key s3cr3t-from-a-mounted-file-0123456789\n" in result.stdout
    assert "key-length 37" in result.stdout


def test_a_missing_secret_file_is_a_clear_error(tmp_path):
    missing = tmp_path / "no-such-secret"
    result = start(tmp_path, SECRET_KEY_FILE=str(missing), ALLOWED_HOSTS="shop.example.com")
    assert result.returncode != 0
    assert f"SECRET_KEY_FILE points at '{missing}', which cannot be read" in result.stderr


def test_a_missing_file_for_any_setting_is_a_clear_error(tmp_path):
    missing = tmp_path / "no-such-url"
    result = start(tmp_path, SECRET_KEY="x" * 50, ALLOWED_HOSTS="a", DATABASE_URL_FILE=str(missing))
    assert result.returncode != 0
    assert "DATABASE_URL_FILE points at" in result.stderr


def test_debug_starts_without_secret_key(tmp_path):
    result = start(tmp_path, DEBUG="1")
    assert result.returncode == 0, result.stderr
    assert f"key {INSECURE_DEVELOPMENT_KEY}\n" in result.stdout


def test_debug_passes_manage_check_without_secret_key(tmp_path):
    result = start(tmp_path, "manage.py", "check", DEBUG="1")
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_production_start_without_allowed_hosts_stops(tmp_path):
    result = start(tmp_path, SECRET_KEY="x" * 50)
    assert result.returncode != 0
    assert "ALLOWED_HOSTS is not set" in result.stderr


def test_env_prefers_the_variable_then_the_file_then_the_default(monkeypatch, tmp_path):
    secret = tmp_path / "value"
    secret.write_text("  from-file \n")
    monkeypatch.delenv("OCG_TEST_VALUE", raising=False)
    monkeypatch.delenv("OCG_TEST_VALUE_FILE", raising=False)
    assert env("OCG_TEST_VALUE") is None
    assert env("OCG_TEST_VALUE", "fallback") == "fallback"
    monkeypatch.setenv("OCG_TEST_VALUE_FILE", str(secret))
    assert env("OCG_TEST_VALUE", "fallback") == "from-file"
    monkeypatch.setenv("OCG_TEST_VALUE", "direct")
    assert env("OCG_TEST_VALUE") == "direct"


def test_env_treats_an_empty_variable_as_unset(monkeypatch, tmp_path):
    """Compose and Kubernetes often set NAME= with nothing; the file or default must still apply."""
    secret = tmp_path / "value"
    secret.write_text("from-file")
    monkeypatch.setenv("OCG_TEST_VALUE", "")
    monkeypatch.delenv("OCG_TEST_VALUE_FILE", raising=False)
    assert env("OCG_TEST_VALUE", "fallback") == "fallback"
    monkeypatch.setenv("OCG_TEST_VALUE_FILE", str(secret))
    assert env("OCG_TEST_VALUE", "fallback") == "from-file"


def test_env_names_the_unreadable_file(monkeypatch, tmp_path):
    monkeypatch.delenv("OCG_TEST_VALUE", raising=False)
    monkeypatch.setenv("OCG_TEST_VALUE_FILE", str(tmp_path / "missing"))
    with pytest.raises(ImproperlyConfigured, match=r"OCG_TEST_VALUE_FILE points at .*missing"):
        env("OCG_TEST_VALUE")


@pytest.mark.parametrize("value", ["1", "true", "TRUE", "yes", "on", "y", "t", " True "])
def test_env_bool_true_words(monkeypatch, value):
    monkeypatch.setenv("OCG_TEST_FLAG", value)
    assert env_bool("OCG_TEST_FLAG") is True


@pytest.mark.parametrize("value", ["0", "false", "no", "off", "anything"])
def test_env_bool_other_words_are_false(monkeypatch, value):
    monkeypatch.setenv("OCG_TEST_FLAG", value)
    assert env_bool("OCG_TEST_FLAG", default=True) is False


def test_env_bool_default_when_unset(monkeypatch):
    monkeypatch.delenv("OCG_TEST_FLAG", raising=False)
    monkeypatch.delenv("OCG_TEST_FLAG_FILE", raising=False)
    assert env_bool("OCG_TEST_FLAG") is False
    assert env_bool("OCG_TEST_FLAG", default=True) is True


def test_env_int(monkeypatch):
    monkeypatch.delenv("OCG_TEST_NUMBER", raising=False)
    monkeypatch.delenv("OCG_TEST_NUMBER_FILE", raising=False)
    assert env_int("OCG_TEST_NUMBER", 7) == 7
    monkeypatch.setenv("OCG_TEST_NUMBER", "42")
    assert env_int("OCG_TEST_NUMBER", 7) == 42


def test_env_int_with_a_bad_value_names_the_variable(monkeypatch):
    monkeypatch.setenv("OCG_TEST_NUMBER", "ten")
    with pytest.raises(ImproperlyConfigured, match="OCG_TEST_NUMBER must be an integer, got 'ten'"):
        env_int("OCG_TEST_NUMBER", 7)


def test_env_list(monkeypatch):
    monkeypatch.delenv("OCG_TEST_LIST", raising=False)
    monkeypatch.delenv("OCG_TEST_LIST_FILE", raising=False)
    assert env_list("OCG_TEST_LIST") == []
    assert env_list("OCG_TEST_LIST", "a,b") == ["a", "b"]
    monkeypatch.setenv("OCG_TEST_LIST", " shop.example.com, ,api.example.com ,")
    assert env_list("OCG_TEST_LIST", "a,b") == ["shop.example.com", "api.example.com"]
