"""The settings reference (docs/settings.md) is made from the registry, and nothing names a setting it lacks."""

import re

from newscrawl import reference
from newscrawl.setting_registry import ALIASES, SETTINGS
from tests.conftest import REPO

NAME = re.compile(r"\bNEWSCRAWL_[A-Z][A-Z0-9_]*[A-Z0-9]\b")
#: What the project's code is: it uses the settings' current names only.
CODE = ["newscrawl", "spiders", "pipelines", "bench"]
#: What users read (and may still name a setting's old name in, as such).
DOCS = ["README.md", "docs", "setup.sh", ".ci"]


def test_the_committed_page_is_the_registrys():
    assert (REPO / "docs" / "settings.md").read_text(encoding="utf-8") == reference.render(), (
        "docs/settings.md is out of date: run python -m newscrawl.reference")


def test_the_check_option_tells_an_out_of_date_page(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(reference, "PAGE", tmp_path / "settings.md")
    assert reference.main(["--check"]) == 1
    assert reference.main([]) == 0
    assert reference.main(["--check"]) == 0
    (tmp_path / "settings.md").write_text(reference.render().replace("`20`", "`21`"), encoding="utf-8")
    assert reference.main(["--check"]) == 1


def _names_in(places: list[str]) -> dict[str, set[str]]:
    """NEWSCRAWL_* name -> the files (relative to the repository) that name it."""
    found: dict[str, set[str]] = {}
    for place in places:
        path = REPO / place
        files = [path] if path.is_file() else [f for f in path.rglob("*") if f.is_file()] if path.is_dir() else []
        for file in files:
            if "__pycache__" in file.parts or file.suffix in (".pyc", ".sqlite3"):
                continue
            try:
                text = file.read_text(encoding="utf-8")
            except UnicodeDecodeError:
                continue
            for name in NAME.findall(text):
                found.setdefault(name, set()).add(str(file.relative_to(REPO)))
    return found


def test_every_setting_the_code_names_is_in_the_registry():
    used = _names_in(CODE)
    assert len(used) >= len(SETTINGS) // 2  # the search finds names
    unknown = {name: files for name, files in used.items() if name not in SETTINGS
               and not (name in ALIASES and files == {"newscrawl/setting_registry.py"})}
    assert unknown == {}


def test_every_setting_the_docs_name_is_in_the_registry():
    used = _names_in(DOCS)
    assert "NEWSCRAWL_OUTPUT_DIR" in used
    assert {name: files for name, files in used.items() if name not in SETTINGS and name not in ALIASES} == {}
