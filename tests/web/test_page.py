"""The web page in a real browser against `cap serve` with the scripted model."""
from __future__ import annotations

import re
import time
import urllib.error
import urllib.request

import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from tests.speech.conftest import needs_espeak, synthesise
from tests.web.conftest import ROOT, Server, launch_hearing

pytestmark = pytest.mark.slow

PICK = "say('on it')\nput_first_on_second('red block', 'blue bowl')"
PACE = ("for i in range(12):\n    goto_pos([0.15, 0.1, 0.25])\n"
        "    goto_pos([-0.15, -0.1, 0.25])")


def open_page(browser, url: str):
    page = browser.new_page()
    page.goto(url)
    page.wait_for_function(
        "() => window.capStats && document.getElementById('camera').naturalWidth > 0")
    return page


def test_frames_a_typed_command_its_program_and_said_message(server, browser, llm_server):
    llm_server.on("put the red block in the blue bowl", PICK)
    page = open_page(browser, server.base)
    frames = page.evaluate("window.capStats.latency.length")
    page.fill("#command", "put the red block in the blue bowl")
    page.click("#send")
    page.wait_for_selector("text=robot: on it", timeout=60_000)
    page.wait_for_selector(".result.ok", timeout=60_000)
    assert "put_first_on_second" in page.inner_text("pre.code")
    assert page.locator("pre.code span").count() > 3  # highlighted
    assert page.evaluate("window.capStats.latency.length") > frames  # frames kept coming
    red, bowl = (server.state()["objects"][name] for name in ("red block", "blue bowl"))
    assert abs(red[0] - bowl[0]) < 0.06 and abs(red[1] - bowl[1]) < 0.06
    page.wait_for_timeout(500)  # the frame after the robot went home
    (ROOT / "runs").mkdir(exist_ok=True)
    page.screenshot(path=str(ROOT / "runs" / "web-page.png"), full_page=True)
    page.close()


def test_stop_during_a_motion_and_a_second_browser_sees_it_all(server, browser, llm_server):
    llm_server.on("pace back and forth", PACE)
    llm_server.on("say hello", "say('hello')")
    first = open_page(browser, server.base)
    first.fill("#command", "pace back and forth")
    first.click("#send")
    wait_until_moving(server)
    second = open_page(browser, server.base)
    second.wait_for_selector("text=pace back and forth")
    first.click("#stop")
    second.wait_for_selector("text=stopped by the operator", timeout=30_000)
    held = server.state()  # final from the moment "done" is sent
    time.sleep(1.0)  # a window to watch the arm hold, not a wait for something
    assert server.state()["joints"] == held["joints"]  # the robot holds
    assert server.state()["objects"] == held["objects"]
    second.fill("#command", "say hello")  # the session survives; the other browser sees it
    second.click("#send")
    first.wait_for_selector("text=robot: hello", timeout=60_000)
    first.close()
    second.close()


def test_stop_goes_over_http_while_the_socket_is_down_and_a_failure_is_said(server, browser,
                                                                            llm_server):
    llm_server.on("pace back and forth", PACE)
    with connect(f"ws://127.0.0.1:{server.port}/ws", additional_headers={"Origin": server.base},
                 open_timeout=30, max_queue=None) as ws:  # frames it does not read pile up
        ws.send('{"type": "command", "text": "pace back and forth"}')
        wait_until_moving(server)
        page = browser.new_page()
        page.route_web_socket(re.compile(r"/ws"), lambda socket: socket.close())  # always down
        page.goto(server.base)
        page.wait_for_selector("#connection:has-text('disconnected')")
        page.click("#stop")
        page.wait_for_selector("text=Stop reached the robot (over HTTP", timeout=30_000)
        assert any("stopped by the operator" in m
                   for m in receive_until(ws, "stopped by the operator"))
        page.route(re.compile(r"/api/stop"), lambda route: route.abort())  # HTTP down too
        page.click("#stop")
        page.wait_for_selector("text=STOP DID NOT REACH THE ROBOT", timeout=30_000)
        page.close()


def wait_until_moving(server: Server, seconds: float = 60) -> None:
    deadline, joints = time.monotonic() + seconds, server.state()["joints"]
    while server.state()["joints"] == joints:
        assert time.monotonic() < deadline, "the arm never moved"
        time.sleep(0.05)


def receive_until(ws, needle: str, seconds: float = 60) -> list[str]:
    """Text messages up to the first that contains `needle`."""
    messages = []
    while not messages or needle not in messages[-1]:
        message = ws.recv(timeout=seconds)
        if isinstance(message, str):
            messages.append(message)
    return messages


def test_a_non_local_bind_needs_the_token_and_the_right_origin(llm_server, browser):
    server = Server(llm_server.base_url, "--token", "s3cret", host="0.0.0.0")
    try:
        origin = {"Origin": f"http://127.0.0.1:{server.port}"}
        url = f"ws://127.0.0.1:{server.port}/ws"
        for refused in (url, url + "?token=wrong"):
            with pytest.raises(InvalidStatus):
                connect(refused, additional_headers=origin, open_timeout=10)
        with pytest.raises(InvalidStatus):
            connect(url + "?token=s3cret", additional_headers={"Origin": "http://evil.example"},
                    open_timeout=10)
        with connect(url + "?token=s3cret", additional_headers=origin, open_timeout=10) as ws:
            assert '"type": "state"' in receive_until(ws, '"type": "state"')[-1]
        for query in ("", "?token=%C3%A9", "?token=%FF%FE", "?token=s3cret%00"):
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(f"{server.base}/api/state{query}", timeout=30)
            assert refused.value.code == 401  # not a 500
        assert "joints" in server.state("?token=s3cret")
        assert "joints" in bearer(server, "GET", "/api/state", "s3cret")
        assert '"stopping": true' in bearer(server, "POST", "/api/stop", "s3cret")
        with pytest.raises(urllib.error.HTTPError):
            bearer(server, "GET", "/api/state", "wrong")
        page = open_page(browser, f"{server.base}/?token=s3cret")  # scripts, styles, frames
        assert page.locator("#connection").inner_text() == "connected"
        page.close()
        assert "Traceback" not in server.log.read_text()
    finally:
        server.close()


def bearer(server: Server, method: str, path: str, token: str) -> str:
    """A script's request: the token in a header, not in the address."""
    request = urllib.request.Request(server.base + path, method=method,
                                     headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=30) as reply:
        return reply.read().decode()


def test_long_and_rapid_commands_are_refused(server):
    origin = {"Origin": server.base}
    with connect(f"ws://127.0.0.1:{server.port}/ws", additional_headers=origin) as ws:
        ws.send('{"type": "command", "text": "' + "x" * 600 + '"}')
        errors = [message for message in receive_text(ws, 2.0) if '"error"' in message]
        assert any("longer than 500" in message for message in errors)
        for _ in range(8):
            ws.send('{"type": "undo"}')
        assert any("too many commands" in message for message in receive_text(ws, 3.0))


def receive_text(ws, seconds: float) -> list[str]:
    messages, deadline = [], time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            message = ws.recv(timeout=max(0.01, deadline - time.monotonic()))
        except TimeoutError:
            break
        if isinstance(message, str):
            messages.append(message)
    return messages


@needs_espeak
def test_the_microphone_button_sends_speech_that_runs_as_a_command(llm_server, tmp_path,
                                                                    playwright):
    """Chromium's fake capture device plays an espeak-ng recording into the page's microphone."""
    wav = synthesise("how many blocks are there", tmp_path / "spoken.wav", "en-us+m1")
    llm_server.on("how many", "say('I count two blocks')")
    server = Server(llm_server.base_url)
    browser = launch_hearing(playwright, wav)
    try:
        page = open_page(browser, server.base)
        page.dispatch_event("#mic", "pointerdown")
        page.wait_for_timeout(3500)
        page.dispatch_event("#mic", "pointerup")
        page.wait_for_selector("text=robot: I count two blocks", timeout=60_000)
    finally:
        browser.close()
        server.close()


def test_a_silent_recording_gets_a_clear_answer_not_a_guess(server, tmp_path):
    import io
    import wave
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(48_000)
        out.writeframes(bytes(48_000 * 2))
    request = urllib.request.Request(f"{server.base}/api/transcribe", data=buffer.getvalue(),
                                     method="POST", headers={"Content-Type": "audio/wav"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=30)
    assert refused.value.code == 422 and b"no speech" in refused.value.read()
