"""Joint trajectories as ROS 2 messages and back (trajectory_msgs, builtin_interfaces)."""
from __future__ import annotations

import numpy as np


def duration(seconds: float):
    from builtin_interfaces.msg import Duration
    whole = int(seconds)
    return Duration(sec=whole, nanosec=int(round((seconds - whole) * 1e9)))


def seconds_of(value) -> float:
    return value.sec + value.nanosec * 1e-9


def trajectory_message(joint_names, times, positions):
    """trajectory_msgs/JointTrajectory from times (N,) and positions (N, dof)."""
    from trajectory_msgs.msg import JointTrajectory, JointTrajectoryPoint
    message = JointTrajectory(joint_names=list(joint_names))
    message.points = [JointTrajectoryPoint(positions=[float(q) for q in row],
                                           time_from_start=duration(float(t)))
                      for t, row in zip(times, positions)]
    return message


def trajectory_arrays(message) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Joint names, times (N,) and positions (N, dof) of a JointTrajectory message."""
    times = np.array([seconds_of(p.time_from_start) for p in message.points])
    positions = np.array([list(p.positions) for p in message.points], dtype=float)
    return list(message.joint_names), times, positions
