"""Frames over ROS 2 without tf2_ros (no wheel): /tf and /tf_static (tf2_msgs/TFMessage) kept
as the latest transform of each child frame, chained through their parents on lookup."""
from __future__ import annotations

import threading
import time

import numpy as np

from robots.ros2_messages import latched_qos
from robots.sampled_topic import SampledTopic, sampling_node, wait_any


def matrix(translation, quaternion) -> np.ndarray:
    """A 4x4 transform from a translation and a quaternion (x, y, z, w)."""
    x, y, z, w = quaternion
    pose = np.eye(4)
    pose[:3, :3] = [[1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
                    [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
                    [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)]]
    pose[:3, 3] = translation
    return pose


def transform_message(parent: str, child: str, parent_from_child: np.ndarray, stamp):
    """geometry_msgs/TransformStamped of a 4x4 transform."""
    from geometry_msgs.msg import TransformStamped
    message = TransformStamped()
    message.header.frame_id, message.header.stamp, message.child_frame_id = parent, stamp, child
    t, r = message.transform.translation, message.transform.rotation
    t.x, t.y, t.z = map(float, parent_from_child[:3, 3])
    r.x, r.y, r.z, r.w = map(float, _quaternion(parent_from_child[:3, :3]))
    return message


def publish_static(node, transforms: list) -> object:
    """Offer static transforms on /tf_static, as tf2's static broadcaster does."""
    from tf2_msgs.msg import TFMessage
    publisher = node.create_publisher(TFMessage, "/tf_static", latched_qos())
    publisher.publish(TFMessage(transforms=transforms))
    return publisher


class TransformTree:
    """The frames heard on /tf and /tf_static, for `lookup`; both are sampled topics
    (robots.sampled_topic), read when a lookup needs them (a robot_state_publisher's /tf comes
    at the joint-state rate). Without a node, frames come only through `_store`."""

    def __init__(self, node=None) -> None:
        self._parents: dict[str, tuple[str, np.ndarray]] = {}  # child -> parent, parent_T_child
        self._lock = threading.Lock()
        self._streams = []
        if node is not None:
            from tf2_msgs.msg import TFMessage
            self._sampler = sampling_node(node, "tf")
            static = latched_qos(depth=100)  # a message from each broadcaster
            self._streams = [SampledTopic(self._sampler, TFMessage, "/tf_static", static),
                             SampledTopic(self._sampler, TFMessage, "/tf", 10)]

    def _store(self, message) -> None:
        with self._lock:
            for t in message.transforms:
                translation = (t.transform.translation.x, t.transform.translation.y,
                               t.transform.translation.z)
                rotation = (t.transform.rotation.x, t.transform.rotation.y,
                            t.transform.rotation.z, t.transform.rotation.w)
                self._parents[t.child_frame_id] = (t.header.frame_id,
                                                   matrix(translation, rotation))

    def lookup(self, target: str, source: str, timeout: float = 0.0) -> np.ndarray:
        """target_T_source (a point in `source` coordinates to `target`'s), waiting up to
        `timeout` seconds for the frames to connect; LookupError when they do not."""
        deadline = time.monotonic() + timeout
        while True:
            for stream in self._streams:
                for message in stream.take():
                    self._store(message)
            found = self._chain(target, source)
            if found is not None:
                return found
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not self._streams or not wait_any(self._streams, remaining):
                raise LookupError(f"no transform between {target!r} and {source!r} on /tf or "
                                  "/tf_static (is the calibration, or the robot, publishing?)")

    def _chain(self, target: str, source: str) -> np.ndarray | None:
        with self._lock:
            root_a, root_T_target = self._to_root(target)
            root_b, root_T_source = self._to_root(source)
        return np.linalg.inv(root_T_target) @ root_T_source if root_a == root_b else None

    def _to_root(self, frame: str) -> tuple[str, np.ndarray]:
        pose = np.eye(4)
        for _ in range(100):  # a tree is never this deep; a loop would be
            if frame not in self._parents:
                return frame, pose
            frame, parent_T_child = self._parents[frame]
            pose = parent_T_child @ pose
        raise LookupError("the transforms form a loop")

    def close(self) -> None:
        if self._streams:
            self._sampler.destroy_node()


def _quaternion(rotation: np.ndarray) -> tuple[float, float, float, float]:
    """(x, y, z, w) of a rotation matrix."""
    w = np.sqrt(max(0.0, 1 + np.trace(rotation))) / 2
    if w > 1e-6:
        return ((rotation[2, 1] - rotation[1, 2]) / (4 * w),
                (rotation[0, 2] - rotation[2, 0]) / (4 * w),
                (rotation[1, 0] - rotation[0, 1]) / (4 * w), w)
    i = int(np.argmax(np.diag(rotation)))  # a half turn: from the largest diagonal term
    j, k = (i + 1) % 3, (i + 2) % 3
    s = np.sqrt(max(0.0, 1 + rotation[i, i] - rotation[j, j] - rotation[k, k])) * 2
    q = np.zeros(4)
    q[i], q[j], q[k] = s / 4, (rotation[j, i] + rotation[i, j]) / s, \
        (rotation[k, i] + rotation[i, k]) / s
    q[3] = (rotation[k, j] - rotation[j, k]) / s
    return tuple(q)
