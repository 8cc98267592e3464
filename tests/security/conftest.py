"""The browser checks of the security suite use the browser tests' server and Chromium."""

from tests.browser.conftest import browser, live_server

__all__ = ["browser", "live_server"]
