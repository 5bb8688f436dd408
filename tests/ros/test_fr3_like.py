"""An FR3-like robot over real DDS: `cap ros sim` simulates it from its own URDF (franka
names, FR3 limits, a world link, meshes this machine lacks) and publishes /robot_description;
the agent, told only `--robot fr3`, builds its model from that description and drives it."""
from __future__ import annotations

import numpy as np
import pytest

from robots.arm_models import FR3
from tests.robots.fake_arms import fr3_like

pytestmark = pytest.mark.slow


@pytest.fixture
def sim_flags(tmp_path):
    urdf = tmp_path / "fr3.urdf"
    urdf.write_text(fr3_like())
    return ["--ros-args", "-p", "robot:=fr3", "-p", f"urdf:={urdf}"]


@pytest.fixture
def robot_flags():
    return ["--robot", "fr3"]


def test_the_agent_drives_an_fr3_by_its_own_joint_names(robot, graph, llm_server):
    from sensor_msgs.msg import JointState
    states: list = []
    graph.node.create_subscription(JointState, "/joint_states", states.append, 50)
    llm_server.on("raise the gripper", "goto_pos([0.1, 0.0, 0.2])\nsay('up')")
    graph.send("raise the gripper")
    done = graph.done()[0]
    assert done["ok"], (done, robot.agent_log.read_text()[-2000:])
    arm = np.array([[m.position[list(m.name).index(j)] for j in FR3.arm_joints]
                    for m in states])
    assert np.max(np.abs(arm - arm[0])) > 0.05  # it moved, driven by the fr3 joint names
