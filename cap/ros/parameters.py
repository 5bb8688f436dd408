"""Node parameters: declared with their defaults, read back as plain values."""
from __future__ import annotations

from cap.ros.messages import Topics


def declare(node, names_and_defaults: dict) -> dict:
    """Declare parameters (once) and return their values (launch files and --ros-args set
    them)."""
    return {name: (node.get_parameter(name) if node.has_parameter(name)
                   else node.declare_parameter(name, default)).value
            for name, default in names_and_defaults.items()}


def declare_topics(node) -> Topics:
    """Topic names as parameters `topics.NAME` (e.g. topics.arm_trajectory)."""
    values = declare(node, {f"topics.{name}": topic for name, topic in vars(Topics()).items()})
    return Topics(**{name.removeprefix("topics."): topic for name, topic in values.items()})
