"""An FR3-like robot over real DDS: `cap ros sim` simulates it from its own URDF (franka
names, FR3 limits, a world link, meshes this machine lacks) and publishes /robot_description;
the agent, and `cap exec`, told only `--robot fr3` (and a parameter file), build the model
from that description and drive it."""
from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from robots.arm_models import FR3
from tests.robots.fake_arms import fr3_like
from tests.ros.conftest import interrupt, ros_env, start_sim

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
    assert done["ok"], (done["error"], robot.agent_log.read_text()[-2000:])
    arm = np.array([[m.position[list(m.name).index(j)] for j in FR3.arm_joints]
                    for m in states])
    assert np.max(np.abs(arm - arm[0])) > 0.05  # it moved, driven by the fr3 joint names


def test_cap_exec_drives_an_fr3_named_by_flag_with_its_parameter_file(domain, graph, tmp_path,
                                                                      sim_flags):
    """`cap exec --robot fr3 --params FILE`: the FR3's names, and topics from the file (the
    simulator publishes its joint states where only the file says)."""
    from sensor_msgs.msg import JointState
    states: list = []
    graph.node.create_subscription(JointState, "/fr3/joint_states", states.append, 50)
    params = tmp_path / "fr3.yaml"
    params.write_text("cap_agent:\n  ros__parameters:\n    topics:\n"
                      "      joint_states: /fr3/joint_states\n")
    program = tmp_path / "raise.py"
    program.write_text("goto_pos([0.1, 0.0, 0.2])\nsay('up')\n")
    sim = start_sim(domain, tmp_path / "sim.log", *sim_flags,
                    "-p", "topics.joint_states:=/fr3/joint_states")
    try:
        run = subprocess.run([sys.executable, "-m", "cap", "exec", str(program), "--robot", "fr3",
                              "--params", str(params), "--json"], env=ros_env(domain),
                             capture_output=True, text=True, timeout=240)
    finally:
        interrupt(sim)
    report = json.loads(run.stdout or "{}")
    assert report.get("ok") and report["said"] == ["up"], run.stderr[-3000:]
    arm = np.array([[m.position[list(m.name).index(j)] for j in FR3.arm_joints]
                    for m in states])
    assert np.max(np.abs(arm - arm[0])) > 0.05  # it moved, driven by the fr3 joint names
