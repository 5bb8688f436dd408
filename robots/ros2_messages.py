"""Joint trajectories as ROS 2 messages and back (trajectory_msgs, builtin_interfaces), the
QoS of latched states, action clients made while an executor spins, and waiting for an rclpy
future (an action's answer) without polling."""
from __future__ import annotations

import functools
import threading

import numpy as np


def wait_future(future, timeout: float) -> bool:
    """Block until `future` is done (the executor completes it); whether it was in time."""
    done = threading.Event()
    future.add_done_callback(lambda _: done.set())
    return done.wait(timeout)


def action_client(node, action_type, name: str):
    """An rclpy ActionClient safe beside an executor spinning on another thread (rclpy 9.1's
    is not): it has its lock before the node holds it (else an executor counting the node's
    entities in between dies: 'ActionClient' object has no attribute '_lock'), and sending a
    goal holds that lock throughout (`send_goal_async` registers the goal's future twice, the
    second time unlocked: an answer in between completes a future nobody waits on, so the
    goal's answer is missed, or one not yet registered, 'ValueError: list.remove(x)'; the
    first future stayed in the client for good)."""
    client_class = locked_action_client_class()
    client = client_class.__new__(client_class)
    client._lock = threading.RLock()
    client.__init__(node, action_type, name)
    client._lock = threading.RLock()  # __init__ made a plain Lock, which cannot be re-entered
    return client


@functools.cache
def locked_action_client_class():
    from rclpy.action import ActionClient

    class LockedActionClient(ActionClient):
        def send_goal_async(self, goal, feedback_callback=None, goal_uuid=None):
            with self._lock:  # answers are taken under this lock: none until all is in place
                known = {id(f) for f in self._futures}
                future = super().send_goal_async(goal, feedback_callback, goal_uuid)
                for forgotten in [f for f in self._futures if id(f) not in known
                                  and f is not future]:  # never completed: nobody else drops it
                    self._futures.remove(forgotten)
            return future

    return LockedActionClient


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
