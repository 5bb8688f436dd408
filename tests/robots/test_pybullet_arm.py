"""The PyBullet Panda behind the Arm interface: motion, refusals, grasps."""
import time

import numpy as np
import pytest

from robots.errors import (
    CollisionError, JointLimitError, MotionError, UnreachableError, WorkspaceError,
)
from sim.scene import SceneSpec
from sim.tabletop import Tabletop


@pytest.fixture
def table():
    table = Tabletop(SceneSpec(blocks=("red",), bowls=("blue",), seed=2))
    yield table
    table.close()


def test_move_to_reaches_the_target(table):
    table.arm.move_to([0.1, -0.1, 0.2])
    assert np.allclose(table.arm.ee_pose().position, [0.1, -0.1, 0.2], atol=5e-3)


def test_move_path_passes_through_points(table):
    seen = []
    table.world.observe(0.05, lambda: seen.append(table.arm.ee_pose().position))
    table.arm.move_path([[0.1, 0.1, 0.2], [-0.1, 0.1, 0.2]])
    assert np.allclose(seen[-1], [-0.1, 0.1, 0.2], atol=5e-3)
    assert min(np.linalg.norm(np.array(seen)[:, :2] - [0.1, 0.1], axis=1)) < 0.02


@pytest.mark.parametrize("target, error", [
    ([0.0, 0.0, -0.05], WorkspaceError),  # into the table
    ([0.6, 0.0, 0.1], WorkspaceError),  # off the table
    ([0.0, 0.0, 0.9], WorkspaceError),  # above the allowed box
])
def test_targets_outside_the_box_are_refused_quickly_and_nothing_moves(table, target, error):
    before = table.ground_truth()
    q_before = table.arm.joint_state().positions
    started = time.perf_counter()
    with pytest.raises(error, match="outside"):
        table.arm.move_to(target)
    assert time.perf_counter() - started < 1.0
    assert np.allclose(table.arm.joint_state().positions, q_before)
    assert table.ground_truth() == before


def test_a_target_the_arm_cannot_reach_is_refused_before_moving(table):
    from robots.safety import SafetyLimits
    from robots.workspace import Workspace
    q_before = table.arm.joint_state().positions
    # widen the box so the filter allows the target and the kinematics must refuse it
    table.arm.filter.limits = SafetyLimits(workspace=Workspace(-1, 1, -1, 1))
    with pytest.raises(UnreachableError, match="out of the arm's reach"):
        table.arm.move_to([0.0, -0.9, 0.05])
    assert np.allclose(table.arm.joint_state().positions, q_before)


def test_too_fast_is_refused_not_clamped(table):
    with pytest.raises(JointLimitError, match="speed"):
        table.arm.move_to([0.0, 0.0, 0.2], speed=5.0)


def test_gripper_closes_on_a_block_and_on_nothing(table):
    assert table.arm.close_gripper() is False  # nothing between the fingers
    table.arm.open_gripper()
    assert table.arm.gripper_width() > 0.07


def test_motion_errors_share_one_base():
    for error in (CollisionError, JointLimitError, UnreachableError, WorkspaceError):
        assert issubclass(error, MotionError)
