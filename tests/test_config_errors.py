"""Every bad setting or argument is one line and exit 2, before the first request;
every setting works as ``-s`` and as an environment variable, ``-s`` winning."""

import pytest

from newscrawl.mocksite import MockSite
from tests.conftest import crawl, post_item, scrapy, write_archive

pytestmark = pytest.mark.slow  # starts processes: the end-to-end layer (docs/testing.md)


@pytest.mark.parametrize("spider, args, env, message", [
    ("qingdaocaijing", ["-s", "NEWSCRAWL_MAX_FAILED_FRACTION=abc"], {}, "NEWSCRAWL_MAX_FAILED_FRACTION=abc: not a number"),
    ("qingdaocaijing", [], {"NEWSCRAWL_LOG_LEVEL": "LOUD"}, "NEWSCRAWL_LOG_LEVEL=LOUD: must be one of DEBUG, INFO"),
    ("qingdaocaijing", [], {"NEWSCRAWL_OUTPUT_DIR": "{file}/output"}, "NEWSCRAWL_OUTPUT_DIR: {file} is not a directory"),
    ("finews", [], {}, "nothing to crawl: give -a categories=slug1,slug2 (or all)"),
    ("finews", ["-a", "categorie=Wind"], {}, "finews takes no argument -a categorie; it takes: -a categories, -a since"),
    ("share", ["-a", "infocodes=NW1", "-a", "refresh=1"], {}, "share takes no argument -a refresh; it takes: -a infocodes"),
    ("qingdaocaijing", ["-s", "NEWSCRAWL_ALERT_ACTIONS=spidermon.contrib.actions.email.smtp.SendSmtpEmail"], {},
     "NEWSCRAWL_ALERT_ACTIONS: You must provide a value for SPIDERMON_EMAIL_TO setting."),
    # issue 20: every configuration mistake
    ("qingdaocaijng", [], {}, "no spider 'qingdaocaijng': did you mean qingdaocaijing? the spiders are finews, "
                              "qingdaocaijing, share, source"),
    ("qingdaocaijing", ["-s", "NEWSCRAWL_OUTPT_DIR=/tmp/x"], {},
     "-s NEWSCRAWL_OUTPT_DIR: no such setting; did you mean NEWSCRAWL_OUTPUT_DIR?"),
    ("qingdaocaijing", [], {"NEWSCRAWL_SYNC_BATCHES": "5"},
     "environment variable NEWSCRAWL_SYNC_BATCHES: no such setting; did you mean NEWSCRAWL_SYNC_BATCH?"),
    ("qingdaocaijing", ["-s", "DOWNLOAD_DELAY=fast"], {}, "DOWNLOAD_DELAY=fast: not a number"),
    ("qingdaocaijing", ["-s", "LOG_LEVEL=LOUD"], {}, "LOG_LEVEL=LOUD: must be one of CRITICAL, ERROR"),
    ("finews", ["-a", "categories=Wind", "-a", "refresh=please"], {}, "-a refresh=please: Input should be a valid boolean"),
    ("finews", ["-a", "categories=Wind", "-a", "since=2022-03-02", "-a", "until=2022-03-01"], {},
     "-a since=2022-03-02 is after -a until=2022-03-01"),
    ("share", [], {}, "share needs -a infocodes=<CODES>: the infoCodes to fetch"),
    ("qingdaocaijing", ["-O", "{file}/posts.jsonl"], {}, "-o/-O {file}/posts.jsonl: {file} is not a directory"),
    ("qingdaocaijing", ["--logfile", "{file}/logs/cron.log"], {},
     "--logfile {file}/logs/cron.log: {file} is not a directory, so {file}/logs cannot be created"),
], ids=["bad-number", "bad-log-level", "output-under-a-file", "no-categories", "unknown-argument",
        "unknown-share-argument", "alert-not-configured", "misspelled-spider", "misspelled-setting",
        "misspelled-env-var", "scrapy-setting-not-a-number", "scrapy-log-level", "bad-argument-value",
        "window-backwards", "missing-argument", "feed-under-a-file", "logfile-under-a-file"])
def test_a_bad_setting_or_argument_is_one_line_and_exit_2(output, tmp_path, spider, args, env, message):
    a_file = tmp_path / "a-file"
    a_file.write_text("", encoding="utf-8")
    env = {name: value.format(file=a_file) for name, value in env.items()}
    args = [arg.format(file=a_file) for arg in args]
    with MockSite([]).serve() as site:
        result = crawl(site, output, spider, *args, env=env)
        assert site.requests == []
    assert result.returncode == 2, result.log[-2000:]
    lines = [line for line in result.log.splitlines() if line.startswith("newscrawl:")]
    assert lines == [lines[0]] and lines[0].startswith(f"newscrawl: {message.format(file=a_file)}")
    assert "Traceback" not in result.log
    assert not (output / "runs.jsonl").exists()
    assert a_file.read_text(encoding="utf-8") == ""


def test_dash_s_log_level_is_used_and_beats_the_environment(output):
    with MockSite([]).serve() as site:
        result = crawl(site, output, "qingdaocaijing", "-s", "NEWSCRAWL_LOG_LEVEL=WARNING",
                       env={"NEWSCRAWL_LOG_LEVEL": "DEBUG"})
    after_start = result.log.split("INFO: Archive: ", 1)[1].splitlines()[1:]
    assert not [line for line in after_start if " INFO: " in line or " DEBUG: " in line]
    assert result.report()["finish_reason"] == "finished"


def test_a_log_file_in_a_directory_not_made_yet_is_made(output, tmp_path):
    """The cron line of the README: --logfile in a directory of its own."""
    log = tmp_path / "logs" / "newscrawl" / "cron.log"
    with MockSite([]).serve() as site:
        result = crawl(site, output, "qingdaocaijing", "--logfile", str(log))
    assert result.returncode == 0, result.log
    assert "Traceback" not in result.log
    assert "Spider closed (finished)" in log.read_text(encoding="utf-8")


def test_a_renamed_setting_works_with_one_warning_line(output):
    """A crontab's NEWSCRAWL_MAX_FAILED_SHARE is read as NEWSCRAWL_MAX_FAILED_FRACTION."""
    with MockSite([]).serve() as site:
        result = crawl(site, output, "qingdaocaijing", env={"NEWSCRAWL_MAX_FAILED_SHARE": "2"})
    assert result.returncode == 2
    assert [line for line in result.log.splitlines() if line.startswith("newscrawl:")] == [
        "newscrawl: NEWSCRAWL_MAX_FAILED_SHARE is deprecated, and read as NEWSCRAWL_MAX_FAILED_FRACTION: rename it",
        "newscrawl: NEWSCRAWL_MAX_FAILED_FRACTION=2: must be at most 1"]
    with MockSite([]).serve() as site:
        result = crawl(site, output, "qingdaocaijing", env={"NEWSCRAWL_MAX_FAILED_SHARE": "0.5"})
    assert result.returncode == 0, result.log
    assert [line for line in result.log.splitlines() if line.startswith("newscrawl:")] == [
        "newscrawl: NEWSCRAWL_MAX_FAILED_SHARE is deprecated, and read as NEWSCRAWL_MAX_FAILED_FRACTION: rename it"]
    assert result.report()["verdict"] == "ok"


@pytest.mark.parametrize("command, message", [
    (["export", "-O", "{file}/posts.jsonl"], "-o/-O {file}/posts.jsonl: {file} is not a directory"),
    (["export", "-O", "{directory}:jsonl"], "-o/-O {directory}: is a directory"),
    (["report", "-o", "{file}/report.html"], "-o {file}/report.html: {file} is not a directory"),
    (["verify", "--logfile", "{file}/verify.log"], "--logfile {file}/verify.log: {file} is not a directory"),
    (["export", "-O", "posts.jsonl", "-s", "NEWSCRAWL_OUTPUT_DIRECTORY=x"],
     "-s NEWSCRAWL_OUTPUT_DIRECTORY: no such setting; did you mean NEWSCRAWL_OUTPUT_DIR?"),
    (["report", "-s", "CLOSESPIDER_TIMEOUT=soon"], "CLOSESPIDER_TIMEOUT=soon: not a number"),
], ids=["export-under-a-file", "export-to-a-directory", "report-under-a-file", "verify-logfile-under-a-file",
        "export-misspelled-setting", "report-scrapy-setting"])
def test_a_reading_commands_mistake_is_one_line_and_exit_2(output, tmp_path, command, message):
    write_archive(output, [post_item()])
    a_file = tmp_path / "a-file"
    a_file.write_text("", encoding="utf-8")
    (tmp_path / "a-directory").mkdir()
    names = {"file": a_file, "directory": tmp_path / "a-directory"}
    result = scrapy(output, *[arg.format(**names) for arg in command])
    assert result.returncode == 2, result.stderr
    assert result.stderr.splitlines() == [f"newscrawl: {message.format(**names)}"]
    assert a_file.read_text(encoding="utf-8") == "" and list((tmp_path / "a-directory").iterdir()) == []


def test_help_lists_the_spiders_their_arguments_and_the_exit_statuses(output):
    crawl_help = scrapy(output, "crawl", "-h")
    assert crawl_help.returncode == 0, crawl_help.stderr
    spiders = crawl_help.stdout.split("\nSpiders\n=======\n", 1)[1].split("\nExit Status\n", 1)[0]
    listed = [line.split()[0] for line in spiders.splitlines() if line.startswith("  ") and not line.startswith("   ")]
    assert listed == ["finews", "qingdaocaijing", "share", "source"]
    for written in ("-a categories=SLUG,...", "-a since=YYYY-MM-DD", "-a until=YYYY-MM-DD", "-a refresh=1",
                    "-a infocodes=CODES", "-a path=PATH", "-a history=all"):
        assert f"\n                  {written}\n                      " in spiders, written
    assert "only posts of this day or later" in spiders
    statuses = crawl_help.stdout.split("\nExit Status\n===========\n", 1)[1]
    assert [line.split()[0] for line in statuses.splitlines() if line[:4].strip().isdigit()] == ["0", "1", "2", "75"]
    for command, codes in (("verify", ["0", "1", "2", "75"]), ("export", ["0", "2"]), ("report", ["0", "2"]),
                           ("demo", ["0", "1", "2", "75"])):
        result = scrapy(output, command, "-h")
        assert result.returncode == 0, result.stderr
        statuses = result.stdout.split("\nExit Status\n===========\n", 1)[1]
        assert [line.split()[0] for line in statuses.splitlines() if line[:4].strip().isdigit()] == codes, command
        assert "\nSpiders\n" not in result.stdout
