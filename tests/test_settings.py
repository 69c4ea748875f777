"""The project's settings: politeness for the real site; every NEWSCRAWL_* setting read
from ``-s`` or its environment variable, and checked before the crawl starts."""

import importlib
import re

import pytest
from scrapy.settings import Settings
from scrapy.utils.project import get_project_settings

import newscrawl.settings
from newscrawl import config
from newscrawl.archive.paths import output_dir, state_path, state_uri
from newscrawl.archive.store import SqliteArchiveStore, store_class
from newscrawl.scaleout.redis_store import RedisArchiveStore
from newscrawl.errors import ConfigError
from tests.conftest import REPO


def test_politeness_for_the_real_site():
    settings = get_project_settings()
    assert settings.getbool("ROBOTSTXT_OBEY")
    assert settings.getbool("AUTOTHROTTLE_ENABLED")
    assert "newscrawl" in settings.get("USER_AGENT")
    assert {500, 502, 503, 504, 408}.issubset(set(settings.getlist("RETRY_HTTP_CODES")))
    assert settings.getint("RETRY_TIMES") >= 2 and settings.getint("DOWNLOAD_TIMEOUT") <= 60
    assert settings.get("NEWSCRAWL_SITE_URL") == "https://finews.withounder.com"


def _example_values(tmp_path) -> dict[str, tuple[str, str]]:
    """Two valid values for each setting: (the environment's, -s's)."""
    return {
        "NEWSCRAWL_SITE_URL": ("https://mirror.example", "https://other.example"),
        "NEWSCRAWL_HOST_MAP": ('{"a": "http://b"}', '{"a": "http://c"}'),
        "NEWSCRAWL_ALLOWED_HOSTS": ("a.example", "b.example c.example"),
        "NEWSCRAWL_OUTPUT_DIR": (str(tmp_path / "env"), str(tmp_path / "cmdline")),
        # Redis: the examples' NEWSCRAWL_REDIS_URL makes a shared run, whose workers share their state.
        "NEWSCRAWL_STATE": ("redis://a:6379/2", "redis://b:6379/3"),
        "NEWSCRAWL_SEARCH_INDEX": (str(tmp_path / "env-search.sqlite3"), str(tmp_path / "cli-search.sqlite3")),
        "NEWSCRAWL_SYNC_BATCH": ("5", "7"),
        "NEWSCRAWL_PARSE_WORKERS": ("0", "2"),
        "NEWSCRAWL_LOG_LEVEL": ("DEBUG", "WARNING"),
        "NEWSCRAWL_MAX_PAGE_SIZE": ("16M", "524288"),
        "NEWSCRAWL_MAX_FAILED_SHARE": ("0.2", "0.3"),
        "NEWSCRAWL_MAX_UNPARSED_SHARE": ("0.2", "0.3"),
        "NEWSCRAWL_LISTING_MIN_SHARE": ("0.2", "0.3"),
        "NEWSCRAWL_REJECT_MAX_ATTEMPTS": ("2", "9"),
        "NEWSCRAWL_REJECT_MAX_DAYS": ("1", "2.5"),
        "NEWSCRAWL_ALERT_ACTIONS": ("spidermon.contrib.actions.email.smtp.SendSmtpEmail",
                                    "spidermon.contrib.actions.discord.SendDiscordMessage"),
        "NEWSCRAWL_PROGRESS_INTERVAL": ("0", "5"),
        "NEWSCRAWL_RETRY_AFTER_MAX": ("1", "2"),
        "NEWSCRAWL_SHARE": ("api", "off"),
        "NEWSCRAWL_CHROMIUM": ("/usr/bin/chromium", "/opt/chromium"),
        "NEWSCRAWL_CHROMIUM_SANDBOX": ("on", "off"),
        "NEWSCRAWL_SHARE_PAGE_TIMEOUT": ("5", "6"),
        "NEWSCRAWL_SHARE_URL": ("http://share.example", "https://share2.example"),
        "NEWSCRAWL_REDIS_URL": ("redis://a:6379/0", "redis://b:6379/1"),
        "NEWSCRAWL_REDIS_RUN": ("one", "two"),
        "NEWSCRAWL_REDIS_IDLE_TIMEOUT": ("3", "4"),
        "NEWSCRAWL_CLAIM_TIMEOUT": ("60", "90"),
    }


def _project_settings(environ: dict[str, str] | None = None, monkeypatch=None) -> Settings:
    """The project's settings as Scrapy loads them, with these environment variables set."""
    for name, value in (environ or {}).items():
        monkeypatch.setenv(name, value)
    settings = Settings()
    settings.setmodule(importlib.reload(newscrawl.settings), priority="project")
    return settings


@pytest.fixture(autouse=True)
def _settings_module_without_test_env():
    yield
    importlib.reload(newscrawl.settings)  # monkeypatch has restored the environment by now


def test_every_documented_setting_is_read_and_checked():
    reference = (REPO / "docs" / "settings.md").read_text(encoding="utf-8")
    documented = re.findall(r"^\| `(NEWSCRAWL_\w+)`", reference, re.M)
    assert sorted(documented) == sorted(config.SETTINGS)


def test_every_setting_comes_from_its_env_var_and_dash_s_wins(tmp_path, monkeypatch):
    examples = _example_values(tmp_path)
    assert sorted(examples) == sorted(config.SETTINGS)
    environ = {name: env for name, (env, _) in examples.items()}
    from_env = _project_settings(environ, monkeypatch)
    config.load(from_env)
    assert {name: from_env.get(name) for name in examples} == environ
    both = _project_settings(environ, monkeypatch)
    for name, (_, cmdline) in examples.items():
        both.set(name, cmdline, priority="cmdline")
    config.load(both)
    assert {name: both.get(name) for name in examples} == {name: cmdline for name, (_, cmdline) in examples.items()}
    assert (from_env.get("LOG_LEVEL"), both.get("LOG_LEVEL")) == ("DEBUG", "WARNING")
    # The page size limit is Scrapy's download size limits.
    assert (from_env.getint("DOWNLOAD_MAXSIZE"), from_env.getint("DOWNLOAD_WARNSIZE")) == (16 << 20, 8 << 20)
    assert (both.getint("DOWNLOAD_MAXSIZE"), both.getint("DOWNLOAD_WARNSIZE")) == (524288, 262144)


def test_the_page_size_limit_has_a_default_and_scrapys_own_setting_still_wins():
    settings = _project_settings()
    config.load(settings)
    assert (settings.getint("DOWNLOAD_MAXSIZE"), settings.getint("DOWNLOAD_WARNSIZE")) == (32 << 20, 16 << 20)
    settings = _project_settings()
    settings.set("DOWNLOAD_MAXSIZE", 1000000, priority="cmdline")
    config.load(settings)
    assert settings.getint("DOWNLOAD_MAXSIZE") == 1000000


@pytest.mark.parametrize("state, store", [
    ("", SqliteArchiveStore),
    ("state.sqlite3", SqliteArchiveStore),
    ("sqlite:///var/lib/newscrawl/state.sqlite3", SqliteArchiveStore),
    ("redis://localhost:6379/0", RedisArchiveStore),
])
def test_the_state_uri_chooses_the_store(state, store):
    assert store_class(state_uri(Settings({"NEWSCRAWL_STATE": state}))) is store


def test_a_shared_run_keeps_its_state_in_its_redis_unless_told_otherwise(tmp_path):
    shared = Settings({"NEWSCRAWL_REDIS_URL": "redis://queue:6379/0", "NEWSCRAWL_OUTPUT_DIR": str(tmp_path)})
    assert state_uri(shared) == "redis://queue:6379/0"
    shared.set("NEWSCRAWL_STATE", "redis://state:6379/1")
    assert state_uri(shared) == "redis://state:6379/1"
    shared.set("NEWSCRAWL_STATE", str(tmp_path / "state.sqlite3"))
    with pytest.raises(ConfigError, match="the workers of a shared run .* share their archive state"):
        config.load(shared)


def test_relative_paths_are_the_projects(tmp_path, monkeypatch):
    (tmp_path / "scrapy.cfg").write_text("[settings]\ndefault = newscrawl.settings\n", encoding="utf-8")
    (tmp_path / "spiders").mkdir()
    monkeypatch.chdir(tmp_path / "spiders")
    settings = _project_settings({"NEWSCRAWL_STATE": "state/archive.sqlite3"}, monkeypatch)
    assert output_dir(settings) == tmp_path / "output"
    assert state_path(settings) == tmp_path / "state" / "archive.sqlite3"


@pytest.mark.parametrize("name, value, message", [
    ("NEWSCRAWL_MAX_FAILED_SHARE", "abc", "NEWSCRAWL_MAX_FAILED_SHARE=abc: not a number"),
    ("NEWSCRAWL_MAX_FAILED_SHARE", "2", "NEWSCRAWL_MAX_FAILED_SHARE=2: must be at most 1"),
    ("NEWSCRAWL_SYNC_BATCH", "1.5", "NEWSCRAWL_SYNC_BATCH=1.5: not an integer"),
    ("NEWSCRAWL_MAX_PAGE_SIZE", "32X", "NEWSCRAWL_MAX_PAGE_SIZE=32X: not a size"),
    ("NEWSCRAWL_MAX_PAGE_SIZE", "0", "NEWSCRAWL_MAX_PAGE_SIZE=0: must be at least 1K"),
    ("NEWSCRAWL_LOG_LEVEL", "LOUD", "NEWSCRAWL_LOG_LEVEL=LOUD: must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL"),
    ("NEWSCRAWL_SITE_URL", "finews.withounder.com", "NEWSCRAWL_SITE_URL=finews.withounder.com: must be an http(s) URL"),
    ("NEWSCRAWL_ALERT_ACTIONS", "spidermon.nothing.Here", "NEWSCRAWL_ALERT_ACTIONS=spidermon.nothing.Here: cannot import"),
    ("NEWSCRAWL_HOST_MAP", "[1]", "NEWSCRAWL_HOST_MAP must be a JSON object"),
    ("NEWSCRAWL_STATE", "mysql://db/state", "NEWSCRAWL_STATE='mysql://db/state': give a path, or a URI of sqlite://, redis://"),
])
def test_a_bad_value_is_one_config_error(name, value, message):
    settings = _project_settings()
    settings.set(name, value, priority="cmdline")
    with pytest.raises(ConfigError) as error:
        config.load(settings)
    assert str(error.value).startswith(message) and "\n" not in str(error.value)


def test_an_output_dir_under_a_file_is_a_config_error(tmp_path):
    (tmp_path / "file").write_text("x", encoding="utf-8")
    settings = _project_settings()
    settings.set("NEWSCRAWL_OUTPUT_DIR", str(tmp_path / "file" / "output"), priority="cmdline")
    with pytest.raises(ConfigError, match="is not a directory"):
        config.load(settings)
