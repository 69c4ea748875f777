"""The project's settings: politeness for the real site, overridable from the environment."""

import json
import os
import subprocess
import sys

from scrapy.utils.project import get_project_settings

from tests.conftest import REPO


def test_politeness_for_the_real_site():
    settings = get_project_settings()
    assert settings.getbool("ROBOTSTXT_OBEY")
    assert settings.getbool("AUTOTHROTTLE_ENABLED")
    assert "newscrawl" in settings.get("USER_AGENT")
    assert {500, 502, 503, 504, 408}.issubset(set(settings.getlist("RETRY_HTTP_CODES")))
    assert settings.getint("RETRY_TIMES") >= 2 and settings.getint("DOWNLOAD_TIMEOUT") <= 60
    assert settings.get("NEWSCRAWL_SITE_URL") == "https://finews.withounder.com"


def test_host_settings_come_from_the_environment():
    env = {**os.environ, "NEWSCRAWL_SITE_URL": "https://mirror.example", "NEWSCRAWL_HOST_MAP": '{"a": "http://b"}',
           "NEWSCRAWL_OUTPUT_DIR": "/srv/archive", "NEWSCRAWL_STATE": "/var/lib/newscrawl.sqlite3"}
    code = ("from scrapy.utils.project import get_project_settings as g; import json; s = g(); "
            "print(json.dumps([s.get(k) for k in ('NEWSCRAWL_SITE_URL', 'NEWSCRAWL_HOST_MAP', 'NEWSCRAWL_OUTPUT_DIR', 'NEWSCRAWL_STATE')]))")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, check=True).stdout
    assert json.loads(out) == ["https://mirror.example", '{"a": "http://b"}', "/srv/archive", "/var/lib/newscrawl.sqlite3"]
