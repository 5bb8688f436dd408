"""The agent's parameters that are not topics: a camera's calibrated palette."""
from __future__ import annotations

import pytest

from cap.ros.bringup import palette
from perception.palette import PALETTE

rclpy = pytest.importorskip("rclpy")


@pytest.fixture
def node_with(domain):
    from rclpy.parameter import Parameter

    context = rclpy.Context()
    rclpy.init(context=context, domain_id=domain)
    nodes = []

    def make(**overrides):
        nodes.append(rclpy.create_node("cap_agent", context=context, parameter_overrides=[
            Parameter(name.replace("__", "."), value=value) for name, value in overrides.items()]))
        return nodes[-1]
    yield make
    for node in nodes:
        node.destroy_node()
    rclpy.shutdown(context=context)


def test_a_cell_names_its_own_colours(node_with):
    node = node_with(palette__names=["red", "teal"], palette__teal=[0.0, 0.5, 0.5],
                     palette__red=[0.7, 0.1, 0.15])
    assert palette(node) == {"red": (0.7, 0.1, 0.15), "teal": (0.0, 0.5, 0.5)}


def test_by_default_the_simulators_palette(node_with):
    assert palette(node_with()) == PALETTE


def test_a_new_colour_without_its_rgb_is_a_clear_error(node_with):
    with pytest.raises(ValueError, match="palette.teal must be three numbers in 0..1"):
        palette(node_with(palette__names=["red", "teal"]))
