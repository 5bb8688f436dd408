"""Frames without tf2_ros: quaternions both ways, and lookups chained through parents."""
from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("tf2_msgs.msg", reason="tf2_msgs is built at setup")

from builtin_interfaces.msg import Time  # noqa: E402
from tf2_msgs.msg import TFMessage  # noqa: E402

from cap.ros.transforms import TransformTree, _quaternion, matrix, transform_message  # noqa: E402


def random_pose(rng) -> np.ndarray:
    q = rng.normal(size=4)
    return matrix(rng.normal(size=3), q / np.linalg.norm(q))


def test_a_rotation_survives_the_round_trip_half_turns_included():
    rng = np.random.default_rng(0)
    poses = [random_pose(rng) for _ in range(200)]
    poses += [matrix([0, 0, 0], q) for q in ([1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0])]
    for pose in poses:
        again = matrix(pose[:3, 3], _quaternion(pose[:3, :3]))
        np.testing.assert_allclose(again, pose, atol=1e-9)


def test_lookup_chains_two_branches_through_their_common_root():
    rng = np.random.default_rng(1)
    base_T_workspace, base_T_camera = random_pose(rng), random_pose(rng)
    tree = TransformTree()  # fed by hand
    tree._store(TFMessage(transforms=[
        transform_message("base", "workspace", base_T_workspace, Time()),
        transform_message("base", "camera", base_T_camera, Time())]))
    np.testing.assert_allclose(tree.lookup("workspace", "camera"),
                               np.linalg.inv(base_T_workspace) @ base_T_camera, atol=1e-9)
    with pytest.raises(LookupError, match="no transform"):
        tree.lookup("workspace", "elsewhere")
