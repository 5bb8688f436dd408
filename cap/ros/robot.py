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
from robots.sampled_topic import OwnParticipant, SampledTopic, wait_any
from robots.workspace import Workspace
from sim.camera import CameraConfig


class TopicCamera:
    """Colour, depth and camera info from a camera driver as one RGB-D frame: colour and depth
    paired by their header stamps (a RealSense with `align_depth.enable:=true` stamps an
    aligned pair alike), with the sensor-data QoS drivers publish with. The images are sampled
    topics (robots.sampled_topic) on a DDS participant of their own, read only while a look
    waits for them. `pose()` gives the
    camera's optical frame in the workspace (from TF, or fixed by parameters). A look waits
    `timeout` s for a pair: the simulator's camera, rendering on a starved 2-core machine,
    once took more than 5."""

    def __init__(self, node, topics: Topics, pose: Callable[[], np.ndarray],
                 timeout: float = 10.0, palette: dict | None = None):
        from rclpy.qos import qos_profile_sensor_data
        from sensor_msgs.msg import CameraInfo, Image
        self.pose, self.timeout, self.topics = pose, timeout, topics
        self.palette = palette or PALETTE
        self.node = node
        # the images on a DDS participant of their own: they would delay the joint states
        self._participant = OwnParticipant(node, "camera")
        self.streams = {kind: SampledTopic(self._participant.node, kind_type, topic,
                                           qos_profile_sensor_data)
                        for kind, kind_type, topic in (("color", Image, topics.color),
                                                       ("depth", Image, topics.depth),
                                                       ("info", CameraInfo, topics.camera_info))}
        self._looking = threading.Lock()  # one look at a time reads the streams
        self._info = None  # the newest camera info (intrinsics change rarely, if ever)

    def render(self) -> RGBDFrame:
        """The newest colour and depth pair captured after this call (what is there now: the
        stamps are compared with this node's clock, which a camera on another machine must
        share, as TF needs anyway)."""
        asked = self.node.get_clock().now().nanoseconds
        with self._looking:
            color, depth, info = self._pair(asked, self.timeout)
        try:
            pose = self.pose()
        except LookupError as error:
            raise RobotDisconnected(f"no camera pose: {error}") from None
        return frame_from_messages(color, depth, info, pose)

    def wait_until_streaming(self, timeout: float) -> None:
        """Block until the camera sends a colour and depth pair (RobotDisconnected if not)."""
        with self._looking:
            self._pair(0, timeout)

    def _pair(self, after: int, timeout: float):
        """The newest colour and depth messages with one stamp later than `after` (ns)."""
        deadline = time.monotonic() + timeout
        images: dict[str, dict] = {"color": {}, "depth": {}}
        while True:
            for kind, found in images.items():
                found.update((stamp_ns(m), m) for m in self.streams[kind].take()
                             if stamp_ns(m) >= after)
            self._info = (self.streams["info"].take() or [self._info])[-1]
            stamps = set(images["color"]) & set(images["depth"])
            if stamps and self._info is not None:
                return images["color"][max(stamps)], images["depth"][max(stamps)], self._info
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not wait_any(list(self.streams.values()), remaining):
                raise RobotDisconnected(
                    f"no colour and depth images with one stamp on {self.topics.color} and "
                    f"{self.topics.depth} for {timeout:g} s")

    def close(self) -> None:
        self._participant.close()


def stamp_ns(message) -> int:
    return message.header.stamp.sec * 1_000_000_000 + message.header.stamp.nanosec


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
    executor; cap.ros.bringup makes both)."""

    def __init__(self, node, topics: Topics = Topics(), arm: Ros2ArmConfig | None = None,
                 camera: CameraConfig | None = None, wait: float = 30.0,
                 camera_frame: str = "", workspace_frame: str = "workspace",
                 palette: dict | None = None, spinner: Spinner | None = None) -> None:
        """`wait`: seconds to wait for the robot (its joint states and actions) and for the
        camera's first images. The camera's pose: its
        optical frame `camera_frame` in `workspace_frame` from TF (e.g. a hand-eye
        calibration's), or fixed by `camera` (position, target, up) when no frame is named.
        `palette`: the objects' colours as this camera sees them (default: the simulator's).
        `spinner`: this cell's own executor, stopped with the cell (and the node destroyed)."""
        self.node, self._spinner = node, spinner
        self._closed = threading.Event()
        self.arm = Ros2Arm(node, arm or arm_config(topics))
        self._tree = None
        if camera_frame:
            tree = self._tree = TransformTree(node)
            pose = lambda: tree.lookup(workspace_frame, camera_frame, 2.0)  # noqa: E731
        else:
            pose = (camera or CameraConfig()).world_from_camera
        self.camera = TopicCamera(node, topics, pose, palette=palette)
        self.workspace = Workspace()
        self.arm.wait_for_robot(timeout=wait)
        self.camera.wait_until_streaming(timeout=wait)

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
        self.camera.close()
        if self._tree is not None:
            self._tree.close()
        self.arm.close()
        if self._spinner is not None:
            self.node.destroy_node()
