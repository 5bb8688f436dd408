"""The session's video and the overlays it is drawn with, read back from real renders."""
from __future__ import annotations

import imageio.v2 as imageio
import numpy as np
import pytest

from cap import overlays
from cap.config import SessionConfig
from cap.session import Session
from perception.objects import Look
from sim.scene import SceneSpec
from sim.tabletop import Tabletop

SPEC = SceneSpec(blocks=("red", "green"), bowls=("blue",), seed=3)
PICK = "say('moving it')\nput_first_on_second('red block', 'blue bowl')"


def near(image: np.ndarray, rgb, tolerance: int = 40) -> int:
    return int((np.abs(image.astype(int) - rgb).max(axis=2) <= tolerance).sum())


@pytest.fixture(scope="module")
def table():
    cell = Tabletop(SPEC)
    yield cell
    cell.close()


def test_an_outline_projects_onto_the_object_in_any_camera(table):
    truth = table.oracle().look()
    for frame in (table.camera.render(), table.view()):
        pixels, ahead = overlays.project(truth["red block"].position, frame)
        u, v = np.round(pixels[0]).astype(int)
        assert ahead.all()
        red, green, blue = frame.rgb[v, u].astype(int)
        assert red > 120 and red > 2 * green and red > 2 * blue  # the red block's own pixels


def test_a_look_is_drawn_with_every_object_outlined_and_named(table):
    look = Look(table.oracle().look(), table.camera.render())
    drawn = overlays.draw_look(look, 640)
    assert drawn.shape == (480, 640, 3)
    assert near(drawn, overlays.SEEN, 10) > 300
    assert overlays.draw_look(Look(look.objects)) is None  # truth, no image: nothing to show


@pytest.mark.render
@pytest.mark.parametrize("suffix", [".mp4", ".gif"])
def test_the_video_has_a_title_the_planned_path_and_the_robots_look(tmp_path, suffix):
    path = tmp_path / f"session{suffix}"
    with Session(SessionConfig(SPEC, video=str(path))) as session:
        assert session.exec_program(PICK).ok
    frames = [frame for frame in imageio.get_reader(path)]
    assert len(frames) > 10 and frames[0].shape == (536, 640, 3)  # a gif merges still frames
    assert frames[0].mean() < 60  # the dark title card
    assert max(near(f[:480], overlays.PATH) for f in frames) > 200  # a motion's path
    inset = overlays.INSET_WIDTH
    assert max(near(f[:200, :inset], overlays.SEEN) for f in frames) > 50  # outlines


@pytest.mark.render
def test_saving_the_video_goes_on_recording(tmp_path):
    with Session(SessionConfig(SPEC, video=str(tmp_path / "live.mp4"))) as session:
        session.exec_program("say('one')")
        first = session.save_video(str(tmp_path / "first.mp4"))
        session.exec_program("say('two')")
    assert len([f for f in imageio.get_reader(first)]) >= 20
    assert len([f for f in imageio.get_reader(tmp_path / "live.mp4")]) >= 20
