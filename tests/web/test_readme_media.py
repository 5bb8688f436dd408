"""`make media` makes the README's pictures from the running system."""
import subprocess
import sys

import imageio.v2 as imageio
import pytest

from tests.web.conftest import CHROMIUM, ROOT

pytestmark = pytest.mark.slow


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")
def test_the_readme_pictures_are_made_by_the_repo(tmp_path):
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "readme_media.py"),
                             str(tmp_path)], capture_output=True, text=True, timeout=300,
                            env={"CAP_HOME": str(tmp_path / "home"), "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr[-2000:]
    page = imageio.imread(tmp_path / "web-page.png")
    assert page.shape[:2] == (800, 1280)
    frames = [frame for frame in imageio.get_reader(tmp_path / "demo.gif")]
    assert len(frames) > 20 and frames[0].shape[1] == 400
