"""A robot's cell from a node's parameters: the same names (and parameter files, section
`cap_agent`) serve `cap ros agent` and `cap run` / `cap exec` on a ROS 2 robot."""
from __future__ import annotations

from dataclasses import replace

import numpy as np

from cap.ros.description import model_from_description, model_from_file, read_description
from cap.ros.messages import Topics
from cap.ros.parameters import declare, declare_topics
from perception.palette import PALETTE
from robots.arm_models import ARM_MODELS
from robots.errors import RobotDisconnected
from robots.kinematics import ArmModel
from robots.safety import SafetyLimits
from robots.sampled_topic import SampledTopic, newest_only, sampling_node, wait_any

NODE_NAME = "cap_agent"  # the node whose section of a parameter file applies
CELL_PARAMETERS = {  # name -> default; topic names are parameters too (declare_topics)
    "camera_position": [0.0, 0.0, 0.9], "camera_target": [0.0, 0.0, 0.0],
    "camera_up": [0.0, 1.0, 0.0],
    # the camera's optical frame on TF (e.g. from a hand-eye calibration); empty: the three
    # camera_* parameters above. The workspace frame is published relative to the arm's base.
    "camera_frame": "", "workspace_frame": "workspace",
}
SAFETY_FIELDS = ("max_tool_speed", "default_tool_speed", "joint_speed_fraction", "margin",
                 "z_min", "z_max")  # robots.safety.SafetyLimits; the hardware files lower them
ARM_FIELDS = ("base_frame", "base_position", "base_yaw", "arm_joints", "finger_joints",
              "finger_open", "tool_link", "flange_link", "table_links", "home_positions",
              "rest_positions", "srdf")
ARM_PARAMETERS = ("robot", "urdf", "description_timeout", *ARM_FIELDS, *SAFETY_FIELDS)


def palette(node) -> dict[str, tuple[float, float, float]]:
    """The objects' colours as the camera sees them: `palette.names` and, for each name,
    `palette.NAME` as RGB in 0..1 (a real cell measures them; default: the simulator's)."""
    names = declare(node, {"palette.names": list(PALETTE)})["palette.names"]
    values = declare(node, {f"palette.{name}": list(PALETTE.get(name, (-1.0, -1.0, -1.0)))
                            for name in names})
    for name, rgb in values.items():
        if len(rgb) != 3 or not all(0.0 <= value <= 1.0 for value in rgb):
            raise ValueError(f"parameter {name} must be three numbers in 0..1 (RGB), not {rgb}")
    return {name.removeprefix("palette."): tuple(rgb) for name, rgb in values.items()}


def safety_limits(node) -> SafetyLimits:
    """The motion filter's limits, each a parameter (hardware files set conservative ones)."""
    defaults = SafetyLimits()
    return replace(defaults, **declare(node, {name: float(getattr(defaults, name))
                                              for name in SAFETY_FIELDS}))


def arm_model(node, topics: Topics, robot: str) -> ArmModel:
    """The robot's model: the parameter set `robot` (robots.arm_models), each of its fields a
    parameter too, on the robot's own URDF (the `urdf` file, or /robot_description)."""
    preset = ARM_MODELS[declare(node, {"robot": robot})["robot"]]
    values = declare(node, {name: _parameter(getattr(preset, name)) for name in ARM_FIELDS})
    preset = replace(preset, **{name: tuple(value) if isinstance(value, list) else value
                                for name, value in values.items()})
    params = declare(node, {"urdf": "", "description_timeout": 10.0})
    if params["urdf"]:
        return model_from_file(preset, params["urdf"])
    return model_from_description(preset, read_description(
        node, topics.robot_description, params["description_timeout"]))


def _parameter(value):
    return [float(v) if isinstance(v, float) else v for v in value] \
        if isinstance(value, tuple) else float(value) if isinstance(value, float) else value


def require_joint_states(node, topic: str, timeout: float) -> None:
    """RobotDisconnected unless a joint state arrives within `timeout` seconds: a robot that is
    not there is said to be missing before anything else is asked of it."""
    from sensor_msgs.msg import JointState

    sampler = sampling_node(node, "probe")
    try:
        heard = wait_any([SampledTopic(sampler, JointState, topic, newest_only())], timeout)
    finally:
        sampler.destroy_node()
    if not heard:
        raise RobotDisconnected(f"no {topic} within {timeout:g} s; is the robot (or `cap ros "
                                "sim`) running?")


def cell_from_parameters(node, robot: str, wait: float = 30.0, spinner=None,
                         probe: float | None = None):
    """The RobotCell the node's parameters describe (`robot`: the arm's parameter set unless
    the `robot` parameter names one); the node must be spinning. `probe`: seconds for the
    first joint state (default `wait`), then `wait` for the rest. The workspace frame goes on
    TF for every node."""
    from cap.ros.robot import RobotCell, arm_config
    from cap.ros.transforms import publish_static, transform_message
    from sim.camera import CameraConfig

    topics = declare_topics(node)
    params = declare(node, CELL_PARAMETERS)
    require_joint_states(node, topics.joint_states, wait if probe is None else probe)
    model = arm_model(node, topics, robot)
    publish_static(node, [transform_message(
        model.base_frame, params["workspace_frame"],
        np.linalg.inv(model.workspace_from_base()), node.get_clock().now().to_msg())])
    camera = CameraConfig(position=tuple(params["camera_position"]),
                          target=tuple(params["camera_target"]), up=tuple(params["camera_up"]))
    return RobotCell(node, topics, arm=replace(arm_config(topics, model),
                                               limits=safety_limits(node)),
                     camera=camera, wait=wait, camera_frame=params["camera_frame"],
                     workspace_frame=params["workspace_frame"], palette=palette(node),
                     spinner=spinner)


def ros_arguments(params_file: str | None, ros_args: list[str] = ()) -> list[str]:
    """`--ros-args` for rclpy: the parameter file first, so `-p` settings win over it."""
    rest = [a for a in ros_args if a != "--ros-args"]
    return ["--ros-args", *(["--params-file", params_file] if params_file else []), *rest]


def open_cell(robot: str, params_file: str | None = None, ros_args: list[str] = (),
              wait: float = 30.0, probe: float = 10.0):
    """A RobotCell for one process (`cap run`, `cap exec`): its own rclpy context, node and
    executor; `params_file` and `ros_args` set the node's parameters as the agent's. A robot
    that sends no joint state within `probe` seconds is not there."""
    import rclpy

    from cap.ros.spinning import Spinner

    context = rclpy.Context()
    rclpy.init(args=["cap", *ros_arguments(params_file, ros_args)], context=context)
    node = rclpy.create_node(NODE_NAME, context=context)
    spinner = Spinner(node)
    try:
        return cell_from_parameters(node, robot, wait, spinner, probe)
    except BaseException:
        spinner.close()
        node.destroy_node()
        rclpy.try_shutdown(context=context)
        raise
