import imageio.v2 as imageio
import pytest

from sim.scene import SceneSpec
from sim.tabletop import Tabletop


@pytest.mark.render
@pytest.mark.parametrize("suffix", [".mp4", ".gif"])
def test_video_records_frames_that_read_back(tmp_path, suffix):
    path = tmp_path / f"v{suffix}"
    table = Tabletop(SceneSpec(blocks=("red",), seed=1), video=path)
    table.caption("hello")
    table.arm.move_to([0.1, -0.1, 0.15])  # frames differ, so no encoder may merge them
    table.close()
    frames = [frame for frame in imageio.get_reader(path)]
    assert len(frames) >= 5
    assert frames[0].shape[1] == 320 and frames[0].shape[0] == 240 + 24
