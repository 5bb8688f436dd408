"""Joint trajectories as ROS 2 messages and back (trajectory_msgs, builtin_interfaces), the
QoS of latched states, and waiting for an rclpy future (an action's answer) without polling."""
from __future__ import annotations

import threading

import numpy as np


def wait_future(future, timeout: float) -> bool:
    """Block until `future` is done (the executor completes it); whether it was in time."""
    done = threading.Event()
    future.add_done_callback(lambda _: done.set())
    return done.wait(timeout)


def latched_qos(depth: int = 1):
    """Transient local and reliable: a state published once (a robot description, whether a
    program runs) reaches subscribers that come later."""
    from rclpy.qos import DurabilityPolicy, QoSProfile, ReliabilityPolicy
    return QoSProfile(depth=depth, durability=DurabilityPolicy.TRANSIENT_LOCAL,
                      reliability=ReliabilityPolicy.RELIABLE)


def duration(seconds: float):
    from builtin_interfaces.msg import Duration
    whole = int(seconds)
    return Duration(sec=whole, nanosec=int(round((seconds - whole) * 1e9)))


def seconds_of(value) -> float:
    return value.sec + value.nanosec * 1e-9


def trajectory_message(joint_names, times, positions, timed: bool = False):
    """trajectory_msgs/JointTrajectory from times (N,) and positions (N, dof); `timed`: with
    velocities and accelerations too (finite differences, zero at both ends), so a controller
    interpolates smoothly instead of starting each segment at full speed."""
    from trajectory_msgs.msg import JointTrajectory, JointTrajectoryPoint
    times, positions = np.asarray(times, dtype=float), np.asarray(positions, dtype=float)
    message = JointTrajectory(joint_names=list(joint_names))
    velocities = accelerations = None
    if timed and len(times) > 2:
        velocities = np.gradient(positions, times, axis=0)
        velocities[[0, -1]] = 0.0
        accelerations = np.gradient(velocities, times, axis=0)
        accelerations[[0, -1]] = 0.0
    for i, (t, row) in enumerate(zip(times, positions)):
        point = JointTrajectoryPoint(positions=[float(q) for q in row],
                                     time_from_start=duration(float(t)))
        if velocities is not None:
            point.velocities = [float(v) for v in velocities[i]]
            point.accelerations = [float(a) for a in accelerations[i]]
        message.points.append(point)
    return message


def trajectory_arrays(message) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Joint names, times (N,) and positions (N, dof) of a JointTrajectory message."""
    times = np.array([seconds_of(p.time_from_start) for p in message.points])
    positions = np.array([list(p.positions) for p in message.points], dtype=float)
    return list(message.joint_names), times, positions
