"""Arms other than the simulator's Panda, built from their own descriptions: joints and links
by name, limits from the URDF, missing meshes replaced, and the rehearsal twin the same arm."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from cap.ros.description import model_from_description
from cap.rehearsal import Rehearsal
from cap.sandbox.controller import Limits
from robots.arm_models import FR3, UR5E
from robots.errors import JointLimitError
from robots.kinematics import Kinematics, tool_quaternion
from robots.urdf import Urdf, UrdfError
from tests.robots.fake_arms import FR3_LIMITS, fr3_like, ur5e_like

UR_JOINTS = list(UR5E.arm_joints)


def test_the_arm_joints_of_a_ur_skip_its_fixed_joints():
    urdf = Urdf(ur5e_like())
    assert urdf.base == "world"
    assert urdf.arm_joints("tool0") == UR_JOINTS
    assert [j.name for j in urdf.chain("tool0")][:2] == ["world_joint",
                                                         "base_link-base_link_inertia"]


def test_meshes_this_machine_lacks_become_link_cylinders():
    text = Urdf(fr3_like()).resolved(package_dirs=[])
    assert "package://" not in text and "<cylinder" in text
    assert "<visual" not in text  # an unresolvable visual mesh is dropped


def test_a_description_that_is_not_a_urdf_or_lacks_a_joint_is_refused_clearly():
    with pytest.raises(UrdfError, match="not valid XML"):
        Urdf("<robot")
    with pytest.raises(UrdfError, match="no joint panda_joint1"):
        model_from_description(replace(FR3, arm_joints=("panda_joint1",)), fr3_like())


@pytest.fixture(scope="module")
def fr3():
    kinematics = Kinematics(model_from_description(FR3, fr3_like()))
    yield kinematics
    kinematics.close()


def test_fr3_joints_by_name_and_limits_from_its_urdf(fr3):
    assert fr3.names == FR3.arm_joints
    np.testing.assert_allclose(fr3.lower, [FR3_LIMITS[j][0] for j in range(1, 8)])
    np.testing.assert_allclose(fr3.upper, [FR3_LIMITS[j][1] for j in range(1, 8)])
    q = fr3.ik([0.1, 0.0, 0.1], tool_quaternion(0.0), np.array(FR3.rest_positions))
    np.testing.assert_allclose(fr3.fk(q)[0], [0.1, 0.0, 0.1], atol=5e-3)


def test_a_pose_outside_fr3_joint_4_is_refused_where_the_panda_file_allows_it(fr3):
    pose = np.array(FR3.home_positions)
    pose[3] = -0.05  # inside the Panda file's range (up to 0.0), outside the FR3's (-0.1169)
    panda = Kinematics()
    try:
        panda.check_limits(pose)
    finally:
        panda.close()
    with pytest.raises(JointLimitError, match="fr3_joint4"):
        fr3.check_limits(pose)


def test_a_ur_reaches_down_at_the_table_from_its_own_description():
    kinematics = Kinematics(model_from_description(UR5E, ur5e_like()))
    try:
        assert kinematics.names == UR5E.arm_joints
        for target in ([0.0, 0.0, 0.1], [0.2, -0.15, 0.05], [-0.2, 0.1, 0.2]):
            q = kinematics.ik(target, tool_quaternion(0.3), np.array(UR5E.rest_positions))
            np.testing.assert_allclose(kinematics.fk(q)[0], target, atol=5e-3)
    finally:
        kinematics.close()


@pytest.mark.parametrize("preset, description", [(FR3, fr3_like), (UR5E, ur5e_like)],
                         ids=["fr3", "ur5e"])
def test_the_rehearsal_twin_is_the_robots_own_arm(preset, description):
    model = model_from_description(preset, description())
    rehearsal = Rehearsal({}, Limits(), model)
    try:
        arm = rehearsal.twin.arm
        assert arm.kinematics.names == preset.arm_joints
        assert arm.finger_state().names == preset.finger_joints
        rehearsal.twin.rebuild(np.array(preset.home_positions), {})
        np.testing.assert_allclose(arm.joint_state().positions, preset.home_positions, atol=0.02)
    finally:
        rehearsal.close()
