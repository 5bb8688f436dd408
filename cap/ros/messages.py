"""Topic defaults (DESIGN.md, ROS 2 contract) and conversions between image messages and arrays
(joint trajectories: robots.ros2_messages)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from perception.frame import RGBDFrame


@dataclass(frozen=True)
class Topics:
    """Every name is a parameter of the nodes, so a real robot's topics can be mapped."""

    joint_states: str = "/joint_states"
    robot_description: str = "/robot_description"
    arm_trajectory: str = "/arm_controller/joint_trajectory"
    gripper_trajectory: str = "/gripper_controller/joint_trajectory"
    arm_action: str = "/arm_controller/follow_joint_trajectory"  # control_msgs actions
    gripper_action: str = "/gripper_controller/gripper_cmd"
    speed_scaling: str = "/speed_scaling_state_broadcaster/speed_scaling"  # percent, as UR's
    program_running: str = "/io_and_status_controller/robot_program_running"  # UR's Bool
    franka_gripper: str = ""  # franka_gripper's node: its Grasp and Move actions (franka_msgs)
    franka_state: str = ""  # franka_msgs/FrankaRobotState, the robot mode and its errors
    color: str = "/camera/color/image_raw"
    depth: str = "/camera/depth/image_raw"
    camera_info: str = "/camera/color/camera_info"
    objects: str = "/sim/objects"
    reset: str = "/sim/reset"
    command: str = "/cap/command"
    command_action: str = "/cap/command_action"  # cap_msgs/action/Command
    status: str = "/cap/status"
    said: str = "/cap/said"
    stop: str = "/cap/stop"
    confirm: str = "/cap/confirm"


def image_message(array: np.ndarray, encoding: str, frame_id: str, stamp):
    from sensor_msgs.msg import Image
    array = np.ascontiguousarray(array)
    channels = 1 if array.ndim == 2 else array.shape[2]
    return Image(header=_header(frame_id, stamp), height=array.shape[0], width=array.shape[1],
                 encoding=encoding, is_bigendian=0,
                 step=array.shape[1] * channels * array.itemsize, data=array.tobytes())


def image_array(message) -> np.ndarray:
    """rgb8 -> (H, W, 3) uint8; 32FC1 -> (H, W) float32 metres; 16UC1 -> metres too."""
    kinds = {"rgb8": (np.uint8, 3), "bgr8": (np.uint8, 3), "32FC1": (np.float32, 1),
             "16UC1": (np.uint16, 1)}
    if message.encoding not in kinds:
        raise ValueError(f"unsupported image encoding {message.encoding!r}")
    dtype, channels = kinds[message.encoding]
    row = np.frombuffer(bytes(message.data), dtype=dtype).reshape(message.height, -1)
    pixels = row[:, : message.width * channels].reshape(message.height, message.width, channels)
    if message.encoding == "bgr8":
        return pixels[..., ::-1].copy()
    if message.encoding == "16UC1":  # millimetres, the usual depth-camera encoding
        return pixels[..., 0].astype(np.float32) / 1000
    return pixels[..., 0] if channels == 1 else pixels.copy()


def camera_info_message(intrinsics: np.ndarray, width: int, height: int, frame_id: str, stamp):
    from sensor_msgs.msg import CameraInfo
    k = [float(v) for v in np.asarray(intrinsics).ravel()]
    return CameraInfo(header=_header(frame_id, stamp), width=width, height=height,
                      distortion_model="plumb_bob", d=[0.0] * 5, k=k,
                      r=[1.0, 0, 0, 0, 1.0, 0, 0, 0, 1.0],
                      p=[k[0], k[1], k[2], 0.0, k[3], k[4], k[5], 0.0, 0, 0, 1.0, 0.0])


def frame_from_messages(color, depth, info, world_from_camera: np.ndarray) -> RGBDFrame:
    return RGBDFrame(image_array(color), image_array(depth),
                     np.array(info.k, dtype=float).reshape(3, 3), world_from_camera)


def _header(frame_id: str, stamp):
    from std_msgs.msg import Header
    return Header(frame_id=frame_id, stamp=stamp)
