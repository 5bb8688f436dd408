"""cap as a ROS 2 package: package.xml names what the code imports, and the build that colcon's
ament_python runs installs the ament index marker, package.xml, launch and parameter files."""
from __future__ import annotations

import re
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# imported only where a Franka arm's topics are configured; the cell installs it with its driver
THE_CELLS_OWN = {"franka_msgs"}


def interfaces_imported() -> set[str]:
    found = set()
    for folder in ("cap", "robots", "perception", "sim"):
        for path in (ROOT / folder).rglob("*.py"):
            found |= set(re.findall(r"^\s*(?:from|import) (\w+_(?:msgs|srvs))\b",
                                    path.read_text(), re.M))
    return found


def test_package_xml_declares_every_interface_the_code_imports():
    catkin_pkg = pytest.importorskip("catkin_pkg.package")
    package = catkin_pkg.parse_package(ROOT / "package.xml")
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert (package.name, package.version, package.get_build_type()) == \
        ("cap", version, "ament_python")
    declared = {dependency.name for dependency in package.exec_depends}
    imported = interfaces_imported()
    assert {"control_msgs", "sensor_msgs", "cap_msgs"} <= imported  # the scan finds them
    assert imported - THE_CELLS_OWN <= declared, imported - THE_CELLS_OWN - declared


def test_the_copies_of_published_interfaces_stay_out_of_a_colcon_workspace():
    for package in (ROOT / "ros").glob("*/package.xml"):
        copy = package.parent.name != "cap_msgs"  # cap's own interface is built with it
        assert (package.parent / "COLCON_IGNORE").exists() == copy, package.parent.name


@pytest.mark.slow
def test_the_build_installs_launch_files_params_and_the_ament_marker(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
                    "--wheel-dir", str(tmp_path), str(ROOT)], check=True)
    names = zipfile.ZipFile(next(tmp_path.glob("cap-*.whl"))).namelist()
    share = {name.split(".data/data/", 1)[1] for name in names if ".data/data/" in name}
    assert {"share/ament_index/resource_index/packages/cap", "share/cap/package.xml",
            "share/cap/launch/hardware.launch.py", "share/cap/launch/sim.launch.py",
            "share/cap/launch/params/franka.yaml", "share/cap/launch/params/ur.yaml"} <= share
