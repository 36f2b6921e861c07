"""What the browser tests share: finding their tools, serving a folder on 127.0.0.1, and driving
Debian's chromium through playwright with every request watched.

Used by tests/test_site.py (the static site) and tests/test_lite.py (JupyterLite). Each skips,
saying what is missing, unless its MATCH_*_REQUIRED variable is 1 (set by .ci/run): then a
missing tool fails the test instead.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import importlib.util
import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent

# What a headless Chromium needs here: no sandbox (root in a container), no GPU, and nothing
# that talks to the network by itself.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium() -> str | None:
    """The Chromium to drive: $MATCH_CHROMIUM, or Debian's package."""
    for candidate in (os.environ.get("MATCH_CHROMIUM"), "chromium", "chromium-browser"):
        if candidate and shutil.which(candidate):
            return shutil.which(candidate)
    return None


def missing_tools() -> str | None:
    """Why no browser test can run here (node's packages, playwright, chromium), or None."""
    if not (ROOT / "node_modules" / "pyodide").is_dir():
        return "node's packages are not installed (run `npm ci`; needs node and npm)"
    if importlib.util.find_spec("playwright") is None:
        return "playwright is not installed (pip install playwright)"
    if chromium() is None:
        return "no chromium on PATH (apt-get install -y chromium)"
    return None


def require(reason: str | None, required_variable: str) -> None:
    """Skip the test for `reason`, or fail it when the environment says the tools must be there."""
    if os.environ.get("MATCH_ACCEL"):
        pytest.skip("the browser runs pure Python whatever MATCH_ACCEL says: tested once, without")
    if reason and os.environ.get(required_variable) == "1":
        pytest.fail(f"{required_variable}=1, but {reason}")
    if reason:
        pytest.skip(reason)


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@contextlib.contextmanager
def serve(folder: Path) -> Iterator[str]:
    """Serve `folder` on 127.0.0.1 (a free port) while the block runs; yields its base URL."""
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_Quiet, directory=str(folder))
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@contextlib.contextmanager
def launch() -> Iterator[Any]:
    """A headless chromium driven by playwright (its own browser download is not needed)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium(), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@contextlib.contextmanager
def watched_page(browser: Any, base_url: str) -> Iterator[Any]:
    """A page in a fresh context; afterwards, checks that every request it (and its workers)
    made went to `base_url`, and that no error escaped into the page."""
    context = browser.new_context()
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        yield page
    finally:
        context.close()
    outside = [url for url in requests if not url.startswith(base_url)]
    assert not outside, f"requests left 127.0.0.1: {outside}"
    assert not errors, f"errors in the page: {errors}"
