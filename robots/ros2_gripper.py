"""The fingers of an arm behind ROS 2: a GripperCommand action (ros2_control's gripper
controller, franka_gripper's gripper_action), the Franka Hand's own Grasp and Move, or a
joint trajectory topic.

GripperCommand's position is the gripper joint's: one finger's travel, as ros2_control's
gripper action controller commands it and franka_gripper reads it (twice the position is the
width it moves to). What the fingers hold is judged from where the joint states say they
stopped, since the result's own position is per finger in one driver and the whole width in
another, and franka_gripper reports a grasp that stops on an object as a failure to reach the
width.
"""
from __future__ import annotations

import time
from typing import Callable

import numpy as np

from robots.errors import MotionError, MotionTimeout
from robots.joint_state_watch import JointStateWatch
from robots.ros2_messages import trajectory_message, wait_future

TOLERANCE = 0.002  # metres of width: fingers this close to a width are there
SETTLED = 1e-3  # m/s: fingers slower than this have stopped


class Ros2Gripper:
    """Drives the fingers by whichever interface `clients` holds ("gripper": GripperCommand;
    "grasp" and "move": the Franka Hand), else by trajectories on `publisher`'s topic.
    `check()` raises when the arm must not move (a stop, a fault)."""

    def __init__(self, config, clients: dict, watch: JointStateWatch, publisher,
                 check: Callable[[], None]) -> None:
        self.config, self.clients, self.watch = config, clients, watch
        self.publisher, self.check = publisher, check
        self.fingers = config.model.finger_joints

    @property
    def interface(self) -> str:
        if {"grasp", "move"} <= self.clients.keys():
            return "franka_gripper"
        return "gripper_command" if "gripper" in self.clients else "topic"

    def width(self) -> float:
        return float(self.watch.values(self.fingers)[0].sum())

    def run(self, opening: float) -> None:
        """Drive each finger to `opening` (metres) until the fingers stop."""
        self.check()
        drive = {"franka_gripper": self._franka, "gripper_command": self._command,
                 "topic": self._topic}[self.interface]
        drive(opening)

    def _command(self, opening: float) -> None:
        from control_msgs.action import GripperCommand
        from control_msgs.msg import GripperCommand as Command

        before = self.width()
        result = self._result("gripper", GripperCommand.Goal(command=Command(
            position=opening, max_effort=self.config.gripper_effort)))
        if result.reached_goal or result.stalled:
            return
        self.watch.wait_newer(time.monotonic(), 1.0)  # where the fingers stopped
        width, goal = self.width(), 2 * opening
        closed_on_something = goal < before and width < before - TOLERANCE
        if not closed_on_something:
            raise MotionError(f"the gripper stopped at {width:.3f} m, short of {goal:.3f} m"
                              + (", without closing on anything" if goal < before else ""))

    def _franka(self, opening: float) -> None:
        """Closing is a Grasp that succeeds wherever the fingers stop between the width and
        fully open (on an object, or closed), opening a Move."""
        from franka_msgs.action import Grasp, Move
        from franka_msgs.msg import GraspEpsilon

        width, speed = 2 * opening, self.config.gripper_speed
        if width < self.width():
            action, goal = "grasp", Grasp.Goal(width=width, speed=speed,
                                               force=self.config.gripper_effort,
                                               epsilon=GraspEpsilon(inner=0.005, outer=1.0))
        else:
            action, goal = "move", Move.Goal(width=width, speed=speed)
        result = self._result(action, goal)
        if not result.success:
            raise MotionError(f"the Franka Hand's {action} failed: "
                              f"{result.error or 'no reason given'}")

    def _result(self, role: str, goal):
        """Send a gripper goal and wait for its result (a clear error when refused or late)."""
        handle = answer(self.clients[role].send_goal_async(goal), self.config.accept_timeout,
                        "the gripper did not answer")
        if not handle.accepted:
            raise MotionError(f"the gripper rejected the {role} command")
        return answer(handle.get_result_async(), self.config.gripper_time + 5.0,
                      "the gripper did not finish").result

    def _topic(self, opening: float) -> None:
        self.publisher.publish(trajectory_message(self.fingers, [self.config.gripper_time],
                                                  [[opening] * len(self.fingers)]))
        started = time.monotonic()
        while time.monotonic() - started < self.config.gripper_time + 0.5:
            self.check()
            self.watch.wait_newer(time.monotonic(), 0.1)
            moving = np.max(np.abs(self.watch.values(self.fingers)[1]), initial=0.0)
            if time.monotonic() - started > 0.15 and moving < SETTLED:
                return


def answer(future, timeout: float, message: str):
    """The result of `future`; MotionTimeout with `message` when it is not done in time."""
    if not wait_future(future, timeout):
        raise MotionTimeout(f"{message} within {timeout:g} s")
    return future.result()
