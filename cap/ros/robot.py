"""A robot behind ROS 2 as a session's cell (`robots.cell.Cell`): the ROS 2 arm and the
camera topics. It has no ground truth and cannot be put back."""
from __future__ import annotations

import threading
import time
from typing import Callable

import numpy as np

from cap.ros.messages import Topics, frame_from_messages
from cap.ros.spinning import Spinner
from cap.ros.transforms import TransformTree
from perception.frame import RGBDFrame
from perception.palette import PALETTE
from robots.errors import RobotDisconnected
from robots.kinematics import ArmModel
from robots.ros2_arm import Ros2Arm, Ros2ArmConfig
from robots.workspace import Workspace
from sim.camera import CameraConfig


class TopicCamera:
    """Colour, depth and camera info from a camera driver as one RGB-D frame: colour and depth
    paired by their header stamps (a RealSense with `align_depth.enable:=true` stamps an
    aligned pair alike), received with the sensor-data QoS drivers publish with. `pose()`
    gives the camera's optical frame in the workspace (from TF, or fixed by parameters)."""

    KEEP = 8  # recent images of each kind kept for pairing

    def __init__(self, node, topics: Topics, pose: Callable[[], np.ndarray],
                 timeout: float = 2.0, palette: dict | None = None):
        from rclpy.qos import qos_profile_sensor_data
        from sensor_msgs.msg import CameraInfo, Image
        self.pose, self.timeout = pose, timeout
        self.palette = palette or PALETTE
        self.images: dict[str, dict[tuple[int, int], tuple[float, object]]] = {
            "color": {}, "depth": {}}
        self.info = None
        self.arrived = threading.Condition()
        node.create_subscription(Image, topics.color, lambda m: self._store("color", m),
                                 qos_profile_sensor_data)
        node.create_subscription(Image, topics.depth, lambda m: self._store("depth", m),
                                 qos_profile_sensor_data)
        node.create_subscription(CameraInfo, topics.camera_info, self._store_info,
                                 qos_profile_sensor_data)

    def _store(self, kind: str, message) -> None:
        stamp = (message.header.stamp.sec, message.header.stamp.nanosec)
        with self.arrived:
            images = self.images[kind]
            images[stamp] = (time.monotonic(), message)
            for old in sorted(images)[:-self.KEEP]:
                del images[old]
            self.arrived.notify_all()

    def _store_info(self, message) -> None:
        with self.arrived:
            self.info = message
            self.arrived.notify_all()

    def render(self) -> RGBDFrame:
        """The newest colour and depth pair with one stamp, received after this call (what is
        there now)."""
        asked = time.monotonic()

        def pair():
            stamps = set(self.images["color"]) & set(self.images["depth"])
            fresh = [s for s in stamps if min(self.images[k][s][0] for k in self.images) > asked]
            return max(fresh) if fresh and self.info is not None else None

        with self.arrived:
            if not self.arrived.wait_for(lambda: pair() is not None, self.timeout):
                raise RobotDisconnected(f"no colour and depth images with one stamp for "
                                        f"{self.timeout:g} s")
            stamp = pair()
            color, depth = (self.images[k][stamp][1] for k in ("color", "depth"))
            info = self.info
        try:
            pose = self.pose()
        except LookupError as error:
            raise RobotDisconnected(f"no camera pose: {error}") from None
        return frame_from_messages(color, depth, info, pose)


def arm_config(topics: Topics, model: ArmModel | None = None) -> Ros2ArmConfig:
    """The arm's settings with the topic and action names of `topics`."""
    return Ros2ArmConfig(model=model or ArmModel(), arm_topic=topics.arm_trajectory,
                         gripper_topic=topics.gripper_trajectory, arm_action=topics.arm_action,
                         gripper_action=topics.gripper_action,
                         speed_scaling_topic=topics.speed_scaling,
                         program_running_topic=topics.program_running,
                         franka_gripper=topics.franka_gripper,
                         franka_state_topic=topics.franka_state,
                         joint_states_topic=topics.joint_states)


class RobotCell:
    """A robot arm and camera behind ROS 2, on a node the caller spins (the process's one
    executor: `spun` makes both)."""

    def __init__(self, node, topics: Topics = Topics(), arm: Ros2ArmConfig | None = None,
                 camera: CameraConfig | None = None, wait: float = 30.0,
                 camera_frame: str = "", workspace_frame: str = "workspace",
                 palette: dict | None = None, spinner: Spinner | None = None) -> None:
        """`wait`: seconds to wait for the robot's first joint states. The camera's pose: its
        optical frame `camera_frame` in `workspace_frame` from TF (e.g. a hand-eye
        calibration's), or fixed by `camera` (position, target, up) when no frame is named.
        `palette`: the objects' colours as this camera sees them (default: the simulator's).
        `spinner`: this cell's own executor, stopped with the cell (and the node destroyed)."""
        self.node, self._spinner = node, spinner
        self._closed = threading.Event()
        self.arm = Ros2Arm(node, arm or arm_config(topics))
        if camera_frame:
            tree = TransformTree(node)
            pose = lambda: tree.lookup(workspace_frame, camera_frame)  # noqa: E731
        else:
            pose = (camera or CameraConfig()).world_from_camera
        self.camera = TopicCamera(node, topics, pose, palette=palette)
        self.workspace = Workspace()
        self.arm.wait_for_robot(timeout=wait)

    @classmethod
    def spun(cls, topics: Topics = Topics(), node_name: str = "cap_robot",
             **settings) -> "RobotCell":
        """A cell on a node of its own, spun by an executor of its own (rclpy initialised
        here if it is not yet)."""
        import rclpy

        if not rclpy.ok():
            rclpy.init()
        node = rclpy.create_node(node_name)
        spinner = Spinner(node)
        try:
            return cls(node, topics, spinner=spinner, **settings)
        except BaseException:
            spinner.close()
            node.destroy_node()
            raise

    def now(self) -> float:
        return time.monotonic()

    def view(self) -> RGBDFrame:
        return self.camera.render()

    def watch(self, period: float, callback: Callable[[], None]) -> None:
        """`callback` every `period` seconds on a thread of its own: it may wait for camera
        images, which the executor must stay free to deliver."""
        def run() -> None:
            while not self._closed.wait(period):
                try:
                    callback()
                except RobotDisconnected as error:  # a frame missed; the next look may work
                    self.node.get_logger().warning(f"watch: {error}",
                                                   throttle_duration_sec=5.0)
        threading.Thread(target=run, name="cap-watch", daemon=True).start()

    def close(self) -> None:
        self._closed.set()
        if self._spinner is not None:
            self._spinner.close()
        self.arm.close()
        if self._spinner is not None:
            self.node.destroy_node()
