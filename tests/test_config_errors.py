"""Every bad setting or argument is one line and exit 2, before the first request;
every setting works as ``-s`` and as an environment variable, ``-s`` winning."""

import pytest

from newscrawl.mocksite import MockSite
from tests.conftest import crawl

pytestmark = pytest.mark.slow  # starts processes: the end-to-end layer (docs/testing.md)


@pytest.mark.parametrize("spider, args, env, message", [
    ("qingdaocaijing", ["-s", "NEWSCRAWL_MAX_FAILED_SHARE=abc"], {}, "NEWSCRAWL_MAX_FAILED_SHARE=abc: not a number"),
    ("qingdaocaijing", [], {"NEWSCRAWL_LOG_LEVEL": "LOUD"}, "NEWSCRAWL_LOG_LEVEL=LOUD: must be one of DEBUG, INFO"),
    ("qingdaocaijing", [], {"NEWSCRAWL_OUTPUT_DIR": "{file}/output"}, "NEWSCRAWL_OUTPUT_DIR: {file} is not a directory"),
    ("finews", [], {}, "nothing to crawl: give -a categories=slug1,slug2 (or all)"),
    ("finews", ["-a", "categorie=Wind"], {}, "finews takes no argument -a categorie; it takes: -a categories, -a since"),
    ("share", ["-a", "infocodes=NW1", "-a", "refresh=1"], {}, "share takes no argument -a refresh; it takes: -a infocodes"),
    ("qingdaocaijing", ["-s", "NEWSCRAWL_ALERT_ACTIONS=spidermon.contrib.actions.email.smtp.SendSmtpEmail"], {},
     "NEWSCRAWL_ALERT_ACTIONS: You must provide a value for SPIDERMON_EMAIL_TO setting."),
], ids=["bad-number", "bad-log-level", "output-under-a-file", "no-categories", "unknown-argument",
        "unknown-share-argument", "alert-not-configured"])
def test_a_bad_setting_or_argument_is_one_line_and_exit_2(output, tmp_path, spider, args, env, message):
    a_file = tmp_path / "a-file"
    a_file.write_text("", encoding="utf-8")
    env = {name: value.format(file=a_file) for name, value in env.items()}
    with MockSite([]).serve() as site:
        result = crawl(site, output, spider, *args, env=env)
        assert site.requests == []
    assert result.returncode == 2, result.log[-2000:]
    lines = [line for line in result.log.splitlines() if line.startswith("newscrawl:")]
    assert lines == [lines[0]] and lines[0].startswith(f"newscrawl: {message.format(file=a_file)}")
    assert "Traceback" not in result.log
    assert not (output / "runs.jsonl").exists()


def test_dash_s_log_level_is_used_and_beats_the_environment(output):
    with MockSite([]).serve() as site:
        result = crawl(site, output, "qingdaocaijing", "-s", "NEWSCRAWL_LOG_LEVEL=WARNING",
                       env={"NEWSCRAWL_LOG_LEVEL": "DEBUG"})
    after_start = result.log.split("INFO: Archive: ", 1)[1].splitlines()[1:]
    assert not [line for line in after_start if " INFO: " in line or " DEBUG: " in line]
    assert result.report()["finish_reason"] == "finished"
