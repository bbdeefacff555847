"""The teaching app in a real (headless) browser: load it, step, change a lever, step again.

Needs Debian's chromium at /usr/bin/chromium (CI installs it) and the ``playwright`` package;
no browser is downloaded. The page must work offline: solara's assets come from the
``solara-assets`` package. A screenshot is saved in the test's temporary folder, and also to
the path in ``MIGSIM_APP_SCREENSHOT`` when that is set.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
BROWSER_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
START_TIMEOUT_S = 120
DAY = re.compile(r"^Day (\d+)$")

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium"
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(tmp_path):
    """The app served by ``migsim app`` on a free local port; yields its address."""
    from migsim.viz.commands import app_command, app_environment

    port = _free_port()
    home = tmp_path / "home"
    home.mkdir()
    log = (tmp_path / "server.log").open("w")
    process = subprocess.Popen(
        app_command(port, open_browser=False),
        env={**app_environment(), "HOME": str(home)},
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            try:
                with urllib.request.urlopen(url, timeout=2):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("the app did not start:\n" + (tmp_path / "server.log").read_text())
                time.sleep(0.5)
        yield url
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
        log.close()


def _outside(url: str, server: str) -> bool:
    """Whether a request leaves this computer (pictures are local blob: URLs)."""
    return url.startswith(("http:", "https:", "ws:", "wss:")) and not url.startswith(
        (server, server.replace("http:", "ws:"))
    )


def _images(
    page, unlike: list[str] | None = None, count: int = 6, timeout_ms: int = 30_000
) -> list[str]:
    """The sources of the page's map and plot images, once all ``count`` are drawn.

    The images are redrawn after a reset or a step, so for a moment fewer may be on the page;
    with ``unlike``, wait (up to the timeout) until every image differs from those.
    """
    deadline = time.monotonic() + timeout_ms / 1000
    while True:
        srcs = page.locator(".vue-grid-item img").evaluate_all("els => els.map(e => e.src)")
        ready = len(srcs) == count and all(srcs)
        if ready and unlike is not None:
            ready = all(a != b for a, b in zip(srcs, unlike, strict=False))
        if ready or time.monotonic() > deadline:
            return srcs
        page.wait_for_timeout(200)


def _day(page) -> int:
    return int(DAY.match(page.get_by_text(DAY).first.inner_text().strip()).group(1))


def _step(page, timeout_ms: int = 60_000) -> int:
    """Press Step and wait until the page shows a later day; return it."""
    before = _day(page)
    page.get_by_role("button", name="Step", exact=True).click()
    deadline = time.monotonic() + timeout_ms / 1000
    while _day(page) <= before:
        assert time.monotonic() < deadline, "the page did not show a later day after Step"
        page.wait_for_timeout(200)
    page.wait_for_timeout(500)  # let every picture arrive
    return _day(page)


def _choose(page, label: str, option: str) -> None:
    page.locator(".v-select").filter(has_text=label).click()
    page.get_by_role("option", name=option, exact=True).click()


def _move_slider(page, label: str, share: float) -> None:
    """Click a slider's track at ``share`` of its length (as a person would)."""
    slider = page.get_by_role("slider", name=label)
    slider.scroll_into_view_if_needed()
    track = slider.locator("xpath=ancestor::div[contains(@class,'v-slider')][1]")
    box = track.bounding_box()
    page.mouse.click(box["x"] + box["width"] * share, box["y"] + box["height"] / 2)


def test_the_app_steps_and_shows_a_lever_change(server, tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api")
    expect = sync_api.expect
    external: list[str] = []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM), args=BROWSER_FLAGS, env={"HOME": str(tmp_path)}
        )
        try:
            page = browser.new_page(viewport={"width": 1500, "height": 1100})
            page.on(
                "request", lambda r: external.append(r.url) if _outside(r.url, server) else None
            )
            page.goto(server)
            step = page.get_by_role("button", name="Step", exact=True)
            step.wait_for(timeout=START_TIMEOUT_S * 1000)
            # The module's model is shared by every page: start from a fresh one.
            page.get_by_role("button", name="Reset", exact=True).click()
            expect(page.get_by_text("Day 0", exact=True)).to_be_visible(timeout=60_000)
            expect(page.locator(".vue-grid-item img")).to_have_count(6, timeout=30_000)
            expect(page.get_by_text("Right: June 2019 agreement")).to_be_visible()

            before = _images(page)
            assert _step(page) > 0
            after = _images(page, unlike=before)
            assert len(after) == 6
            assert all(a != b for a, b in zip(before, after, strict=True)), "maps and plots"

            # Right run: my lever settings, with National Guard at the southern border.
            _choose(page, "Right run", "My lever settings")
            _move_slider(page, "National Guard at the southern border", 0.6)
            guard = page.get_by_text(re.compile(r"^Set to [1-9][\d,]*\. Baseline 2019: not used"))
            expect(guard).to_be_visible(timeout=30_000)
            page.get_by_role("button", name="Reset", exact=True).click()
            note = page.get_by_text(re.compile(r"Right: My lever settings — National Guard"))
            expect(note).to_be_visible(timeout=60_000)
            expect(page.get_by_text("Day 0", exact=True)).to_be_visible()

            before = _images(page)
            _step(page)
            after = _images(page, unlike=before)
            assert all(a != b for a, b in zip(before, after, strict=True)), "maps and plots"
            right_map = page.locator(".vue-grid-item img").nth(1)
            assert right_map.bounding_box()["width"] > 300
            shot = tmp_path / "app.png"
            page.screenshot(path=str(shot))
        finally:
            browser.close()
    assert shot.stat().st_size > 50_000
    print(f"screenshot: {shot}")
    if os.environ.get("MIGSIM_APP_SCREENSHOT"):
        shutil.copy(shot, os.environ["MIGSIM_APP_SCREENSHOT"])
    assert external == [], "the page must not fetch anything from the internet"
