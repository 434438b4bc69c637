"""Headless Chromium for the tests that open pages as a reader would (Debian's chromium)."""

from __future__ import annotations

from pathlib import Path

import pytest

CHROMIUM, DRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")


def chromium_driver(log_requests: bool = False):
    """A headless Chromium WebDriver; skips the test where chromium or selenium is missing.

    ``log_requests`` turns on the performance and browser logs (every network request and the
    console), for tests that check that a page loads nothing from outside its folder.
    """
    if not (CHROMIUM.exists() and DRIVER.exists()):
        pytest.skip(
            "needs Debian's chromium and chromium-driver "
            "(apt-get install -y chromium chromium-driver)"
        )
    webdriver = pytest.importorskip("selenium.webdriver", reason="needs selenium (pip)")
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = str(CHROMIUM)
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
    ):
        opts.add_argument(flag)
    if log_requests:
        opts.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    return webdriver.Chrome(service=Service(str(DRIVER)), options=opts)
