"""A robot behind ROS 2 as a session's cell (`robots.cell.Cell`): the ROS 2 arm and the
camera topics. It has no ground truth and cannot be put back."""
from __future__ import annotations

import threading
import time

from cap.ros.messages import Topics, frame_from_messages
from cap.ros.spinning import start_spinning, stop_spinning
from typing import Callable

from perception.frame import RGBDFrame
from robots.errors import RobotDisconnected
from robots.ros2_arm import Ros2Arm, Ros2ArmConfig
from robots.workspace import Workspace
from sim.camera import CameraConfig


class TopicCamera:
    """The latest colour, depth and camera-info messages as one RGB-D frame; the camera pose
    in the workspace comes from `config` (position, target, up: a node parameter)."""

    def __init__(self, node, topics: Topics, config: CameraConfig, timeout: float = 2.0):
        from sensor_msgs.msg import CameraInfo, Image
        self.config, self.timeout = config, timeout
        self.latest: dict[str, tuple[float, object]] = {}
        self.arrived = threading.Condition()
        for key, kind, topic in (("color", Image, topics.color), ("depth", Image, topics.depth),
                                 ("info", CameraInfo, topics.camera_info)):
            node.create_subscription(kind, topic, lambda m, key=key: self._store(key, m), 2)

    def _store(self, key: str, message) -> None:
        with self.arrived:
            self.latest[key] = (time.monotonic(), message)
            self.arrived.notify_all()

    def render(self) -> RGBDFrame:
        """A frame whose colour and depth both arrived after this call (what is there now)."""
        asked = time.monotonic()

        def fresh() -> bool:
            return (all(k in self.latest for k in ("color", "depth", "info"))
                    and min(self.latest[k][0] for k in ("color", "depth")) > asked)

        with self.arrived:
            if not self.arrived.wait_for(fresh, self.timeout):
                raise RobotDisconnected(f"no camera images for {self.timeout:g} s")
            color, depth, info = (self.latest[k][1] for k in ("color", "depth", "info"))
        return frame_from_messages(color, depth, info, self.config.world_from_camera())


class RobotCell:
    """A robot arm and camera behind ROS 2 (rclpy spun here)."""

    def __init__(self, topics: Topics = Topics(), arm: Ros2ArmConfig | None = None,
                 camera: CameraConfig | None = None, node_name: str = "cap_robot",
                 wait: float = 30.0) -> None:
        """`wait`: seconds to wait for the robot's first joint states."""
        import rclpy
        from rclpy.executors import MultiThreadedExecutor

        if not rclpy.ok():
            rclpy.init()
        self.node = rclpy.create_node(node_name)
        self.executor = MultiThreadedExecutor(num_threads=2)
        self.executor.add_node(self.node)
        self.spinner = start_spinning(self.executor)
        arm = arm or Ros2ArmConfig(arm_topic=topics.arm_trajectory,
                                   gripper_topic=topics.gripper_trajectory,
                                   joint_states_topic=topics.joint_states)
        self.arm = Ros2Arm(self.node, arm)
        self.camera = TopicCamera(self.node, topics, camera or CameraConfig())
        self.workspace = Workspace()
        self.arm.wait_for_robot(timeout=wait)

    def now(self) -> float:
        return time.monotonic()

    def view(self) -> RGBDFrame:
        return self.camera.render()

    def watch(self, period: float, callback: Callable[[], None]) -> None:
        """A timer of the node (its executor thread) calls back every `period` seconds."""
        self.node.create_timer(period, callback)

    def close(self) -> None:
        stop_spinning(self.executor, self.spinner)
        self.arm.close()
        self.node.destroy_node()
