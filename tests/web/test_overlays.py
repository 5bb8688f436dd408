"""What the operator sees, checked in the pixels of a real Chromium screenshot: the planned path
drawn over the view during a motion, perception's outlines on the robot's last look, and the
panel of objects the robot believes are on the table, at desktop and phone widths."""
from __future__ import annotations

import time

import cv2
import numpy as np
import pytest

from cap import overlays
from tests.web.conftest import Server

PACE = ("for i in range(200):\n    goto_pos([0.15, 0.1, 0.25])\n"
        "    goto_pos([-0.15, -0.1, 0.25])")  # long enough to be stopped

pytestmark = pytest.mark.slow


def pixels_near(png: bytes, rgb: tuple[int, int, int], tolerance: int = 40) -> int:
    """How many pixels of a screenshot lie within `tolerance` of a colour (JPEG is lossy)."""
    image = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_COLOR)[..., ::-1]
    return int((np.abs(image.astype(int) - rgb).max(axis=2) <= tolerance).sum())


@pytest.fixture
def pixel_server(llm_server):
    started = Server(llm_server.base_url, "--perception", "pixels")  # the last flag wins
    yield started
    started.close()


def wait_until_moving(server, timeout: float = 60) -> None:
    deadline, joints = time.monotonic() + timeout, server.state()["joints"]
    while server.state()["joints"] == joints:
        assert time.monotonic() < deadline, "the arm never moved"
        time.sleep(0.05)


def test_the_path_outlines_and_objects_panel_are_drawn(pixel_server, browser, llm_server):
    llm_server.on("pace back and forth", PACE)
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.goto(pixel_server.base)
    page.wait_for_function("() => document.getElementById('camera').naturalWidth > 0")
    page.wait_for_selector("#objects tbody tr")  # the first look, before any command
    names = page.locator("#objects tbody td:first-child").all_inner_texts()
    assert sorted(names) == ["blue bowl", "green block", "red block"]
    page.wait_for_function("() => document.getElementById('look').naturalWidth > 0")
    look = page.locator("#look").screenshot()
    assert pixels_near(look, overlays.SEEN) > 200  # three outlines and their labels
    before = pixels_near(page.locator("#camera").screenshot(), overlays.PATH)

    page.fill("#command", "pace back and forth")
    page.click("#send")
    wait_until_moving(pixel_server)
    page.wait_for_timeout(400)  # a frame rendered during the motion reaches the page
    during = pixels_near(page.locator("#camera").screenshot(), overlays.PATH)
    assert during > before + 300, (before, during)  # the orange path and its end ring
    page.click("#stop")
    page.wait_for_selector("text=stopped by the operator", timeout=30_000)

    page.uncheck("#show-look")
    assert not page.locator("#look").is_visible()
    page.check("#show-look")
    assert page.locator("#look").is_visible()
    page.close()


def test_the_page_fits_a_phone_screen(pixel_server, browser):
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.goto(pixel_server.base)
    page.wait_for_function("() => document.getElementById('camera').naturalWidth > 0")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    box = page.locator("#camera").bounding_box()
    assert box["width"] > 300 and box["x"] >= 0
    assert page.locator("#stop").is_visible() and page.locator("#objects").is_visible()
    page.close()
