"""The project's settings: politeness for the real site; every NEWSCRAWL_* setting read
from ``-s`` or its environment variable, and checked before the crawl starts."""

import importlib

import pytest
from scrapy.settings import Settings
from scrapy.utils.project import get_project_settings

import newscrawl.settings
from newscrawl import config
from newscrawl.archive.paths import output_dir, state_path, state_uri
from newscrawl.archive.backends import store_class
from newscrawl.archive.sqlite_store import SqliteArchiveStore
from newscrawl.scaleout.redis_store import RedisArchiveStore
from newscrawl.errors import ConfigError
from newscrawl.setting_registry import SETTINGS, setting


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
        "NEWSCRAWL_PARSE_WORKERS": ("0", "auto"),
        "NEWSCRAWL_LOG_LEVEL": ("DEBUG", "WARNING"),
        "NEWSCRAWL_MAX_PAGE_SIZE": ("16M", "524288"),
        "NEWSCRAWL_MAX_FAILED_FRACTION": ("0.2", "0.3"),
        "NEWSCRAWL_MAX_UNPARSED_FRACTION": ("0.2", "0.3"),
        "NEWSCRAWL_LISTING_MIN_FRACTION": ("0.2", "0.3"),
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


def test_every_setting_comes_from_its_env_var_and_dash_s_wins(tmp_path, monkeypatch):
    examples = _example_values(tmp_path)
    assert sorted(examples) == sorted(SETTINGS)
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
    ("NEWSCRAWL_MAX_FAILED_FRACTION", "abc", "NEWSCRAWL_MAX_FAILED_FRACTION=abc: not a number"),
    ("NEWSCRAWL_MAX_FAILED_FRACTION", "2", "NEWSCRAWL_MAX_FAILED_FRACTION=2: must be at most 1"),
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


def test_a_component_gets_the_parsed_value_or_the_default():
    assert setting(Settings({"NEWSCRAWL_SYNC_BATCH": "7"}), "NEWSCRAWL_SYNC_BATCH") == 7
    assert setting(Settings({"NEWSCRAWL_MAX_PAGE_SIZE": "2K"}), "NEWSCRAWL_MAX_PAGE_SIZE") == 2048
    assert setting(Settings({"NEWSCRAWL_ALLOWED_HOSTS": "a.example, b.example"}), "NEWSCRAWL_ALLOWED_HOSTS") == [
        "a.example", "b.example"]
    assert setting(Settings({"NEWSCRAWL_SHARE": " API "}), "NEWSCRAWL_SHARE") == "api"
    # unset or empty: the registry's default (a crawler built without the project's settings)
    assert setting(Settings(), "NEWSCRAWL_SYNC_BATCH") == 20
    assert setting(Settings({"NEWSCRAWL_REJECT_MAX_DAYS": ""}), "NEWSCRAWL_REJECT_MAX_DAYS") == 3
    with pytest.raises(ConfigError, match=r"^NEWSCRAWL_SYNC_BATCH=0: must be at least 1$"):
        setting(Settings({"NEWSCRAWL_SYNC_BATCH": "0"}), "NEWSCRAWL_SYNC_BATCH")


OLD, NEW = "NEWSCRAWL_LISTING_MIN_SHARE", "NEWSCRAWL_LISTING_MIN_FRACTION"
WARNING = f"newscrawl: {OLD} is deprecated, and read as {NEW}: rename it\n"


@pytest.mark.parametrize("environ, cmdline, value", [
    ({OLD: "0.2"}, {}, 0.2),
    ({}, {OLD: "0.3"}, 0.3),
    ({OLD: "0.2", NEW: "0.4"}, {}, 0.4),  # the new name, given as strongly, wins
    ({NEW: "0.4"}, {OLD: "0.3"}, 0.3),  # -s wins over the environment, whatever the name
    ({}, {OLD: "0.3", NEW: "0.7"}, 0.7),
], ids=["env", "dash-s", "env-both", "dash-s-old-over-env-new", "dash-s-both"])
def test_a_renamed_setting_still_works_with_one_warning_line(monkeypatch, capsys, environ, cmdline, value):
    settings = _project_settings(environ, monkeypatch)
    settings.setdict(cmdline, priority="cmdline")
    config.check_command_line(settings, environ)
    config.load(settings)
    assert setting(settings, NEW) == value
    assert capsys.readouterr().err == WARNING


@pytest.mark.parametrize("cmdline, environ, message", [
    ({"NEWSCRAWL_OUTPT_DIR": "/tmp/x"}, {}, "-s NEWSCRAWL_OUTPT_DIR: no such setting; did you mean NEWSCRAWL_OUTPUT_DIR?"),
    ({}, {"NEWSCRAWL_MAX_FAILD_FRACTION": "0.2"},
     "environment variable NEWSCRAWL_MAX_FAILD_FRACTION: no such setting; did you mean NEWSCRAWL_MAX_FAILED_FRACTION?"),
    ({}, {"NEWSCRAWL_ZZZ": "1"}, "environment variable NEWSCRAWL_ZZZ: no such setting; the settings are in docs/settings.md"),
    ({"DOWNLOAD_DELAY": "fast"}, {}, "DOWNLOAD_DELAY=fast: not a number"),
    ({"CONCURRENT_REQUESTS": "2.5"}, {}, "CONCURRENT_REQUESTS=2.5: not an integer"),
    ({"ROBOTSTXT_OBEY": "maybe"}, {}, "ROBOTSTXT_OBEY=maybe: not a boolean (1/0, true/false)"),
    ({"AUTOTHROTTLE_TARGET_CONCURRENCY": "x"}, {}, "AUTOTHROTTLE_TARGET_CONCURRENCY=x: not a number"),
    ({"LOG_LEVEL": "LOUD"}, {}, "LOG_LEVEL=LOUD: must be one of CRITICAL, ERROR, WARNING, INFO, DEBUG"),
])
def test_a_mistake_on_the_command_line_is_one_config_error(cmdline, environ, message):
    settings = _project_settings()
    settings.setdict(cmdline, priority="cmdline")
    with pytest.raises(ConfigError) as error:
        config.check_command_line(settings, environ)
    assert str(error.value).startswith(message) and "\n" not in str(error.value)


def test_scrapys_own_settings_are_read_as_scrapy_reads_them():
    settings = _project_settings()
    settings.setdict({"DOWNLOAD_DELAY": "0.5", "DOWNLOAD_TIMEOUT": "2.5", "CONCURRENT_REQUESTS": "8",
                      "ROBOTSTXT_OBEY": "false", "DEFAULT_REQUEST_HEADERS": '{"A": "b"}', "LOG_LEVEL": "debug",
                      "USER_AGENT": "anything"}, priority="cmdline")
    config.check_command_line(settings, {})


def test_a_log_file_directory_is_made_and_one_under_a_file_refused(tmp_path):
    settings = _project_settings()
    settings.set("LOG_FILE", str(tmp_path / "logs" / "cron" / "newscrawl.log"), priority="cmdline")
    config.check_command_line(settings, {})
    assert (tmp_path / "logs" / "cron").is_dir()
    (tmp_path / "file").write_text("x", encoding="utf-8")
    settings.set("LOG_FILE", str(tmp_path / "file" / "newscrawl.log"), priority="cmdline")
    with pytest.raises(ConfigError, match=f"^--logfile {tmp_path}/file/newscrawl.log: {tmp_path}/file is not a directory$"):
        config.check_command_line(settings, {})
