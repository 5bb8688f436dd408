"""The robot's own model over ROS 2: `/robot_description` (std_msgs/String, transient local,
as robot_state_publisher offers it) read by the agent, published by `cap ros sim`."""
from __future__ import annotations

import threading
from dataclasses import replace
from pathlib import Path

from robots.errors import RobotDisconnected
from robots.kinematics import ArmModel
from robots.ros2_messages import latched_qos
from robots.urdf import Urdf


def publish_description(node, topic: str, urdf_text: str):
    """Offer the URDF to every node that subscribes, now or later."""
    from std_msgs.msg import String
    publisher = node.create_publisher(String, topic, latched_qos())
    publisher.publish(String(data=urdf_text))
    return publisher


def read_description(node, topic: str, timeout: float) -> str:
    """The URDF text on `topic` (`node` is spun elsewhere); RobotDisconnected after `timeout`
    seconds."""
    from std_msgs.msg import String

    received: list[str] = []
    arrived = threading.Event()

    def store(message) -> None:
        received.append(message.data)
        arrived.set()
    subscription = node.create_subscription(String, topic, store, latched_qos())
    try:
        if not arrived.wait(timeout):
            raise RobotDisconnected(
                f"no robot description on {topic} within {timeout:g} s: start the robot's "
                "robot_state_publisher (or cap ros sim), or set the agent's urdf parameter")
    finally:
        node.destroy_subscription(subscription)
    return received[-1]


def model_from_description(preset: ArmModel, urdf_text: str) -> ArmModel:
    """`preset` (which joints and links are what) on the robot's own URDF: arm joints checked
    against it, the URDF made loadable here (meshes resolved or replaced by primitives)."""
    urdf = Urdf(urdf_text)
    urdf.require_joints(preset.arm_joints + preset.finger_joints)
    return replace(preset, urdf=urdf.resolved_file())


def model_from_file(preset: ArmModel, path: str) -> ArmModel:
    return model_from_description(preset, Path(path).read_text())
