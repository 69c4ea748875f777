"""NEWSCRAWL_SHARE: how a post's share data is fetched, and whether a browser can.

- ``auto``: the share JSON first; if it fails or has no text, the share
  page rendered in headless Chromium (if Chromium is there).
- ``api``: the share JSON only.
- ``browser``: the share page in headless Chromium only.
- ``off``: no share data at all (neither the JSON, the share page nor the
  eastmoney article).
"""

import shutil
from dataclasses import dataclass

from newscrawl.errors import ConfigError
from newscrawl.setting_registry import setting


@dataclass(frozen=True)
class ShareMode:
    mode: str
    chromium: str | None  # the browser's executable, None if it cannot be found
    chromium_setting: str  # NEWSCRAWL_CHROMIUM as given, for messages

    @classmethod
    def from_settings(cls, settings) -> "ShareMode":
        """Raises ConfigError for an unknown mode, or ``browser`` mode without Chromium."""
        mode = setting(settings, "NEWSCRAWL_SHARE")
        chromium_setting = setting(settings, "NEWSCRAWL_CHROMIUM")
        share_mode = cls(mode, shutil.which(chromium_setting) if chromium_setting else None, chromium_setting)
        if mode == "browser" and share_mode.chromium is None:
            raise ConfigError(f"NEWSCRAWL_SHARE=browser, but {share_mode.chromium_missing}")
        return share_mode

    @property
    def chromium_missing(self) -> str:
        return f"Chromium is not found at NEWSCRAWL_CHROMIUM={self.chromium_setting!r} (apt-get install chromium)"

    @property
    def fetches_share_data(self) -> bool:
        return self.mode != "off"

    @property
    def uses_json(self) -> bool:
        return self.mode in ("auto", "api")

    @property
    def wants_browser(self) -> bool:
        return self.mode in ("auto", "browser")

    @property
    def uses_browser(self) -> bool:
        return self.wants_browser and self.chromium is not None
