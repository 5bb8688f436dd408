"""What colcon's ament_python build adds to pyproject.toml: the package's marker in the ament
index, its package.xml, launch files and parameter files under share/cap (so that
`ros2 launch cap hardware.launch.py` finds them)."""
from glob import glob

from setuptools import setup

setup(data_files=[
    ("share/ament_index/resource_index/packages", ["resource/cap"]),
    ("share/cap", ["package.xml"]),
    ("share/cap/launch", glob("launch/*.launch.py")),
    ("share/cap/launch/params", glob("launch/params/*.yaml")),
])
