"""`cap demo` on a fresh CAP_HOME: every command runs and the video plays back."""
import json
import subprocess
import sys

import imageio.v2 as imageio
import pytest


@pytest.mark.slow
def test_demo_runs_its_tour_and_writes_a_playable_video(tmp_path):
    result = subprocess.run([sys.executable, "-m", "cap", "demo", "--json", "--out",
                             str(tmp_path)], capture_output=True, text=True, timeout=300)
    report = json.loads(result.stdout)
    assert result.returncode == 0 and report["ok"], result.stderr
    assert "retrieval" in result.stderr  # the baseline is labelled as one
    assert report["summary"]["succeeded"] == report["summary"]["commands"] == 5
    frames = [frame for frame in imageio.get_reader(report["video"])]
    assert len(frames) > 50 and frames[0].shape == (536, 640, 3)
