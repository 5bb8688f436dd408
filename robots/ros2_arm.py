"""An arm behind ros2_control: the joint trajectory controller's FollowJointTrajectory action
and a GripperCommand gripper (control_msgs) or the Franka Hand's Grasp and Move (franka_msgs),
or their trajectory topics where a controller offers no action.

Inverse kinematics and every check run here, on the robot's URDF; the controller receives
whole timed trajectories (positions, velocities, accelerations) with path and goal
tolerances, and its result says how they ended. Progress is also followed on /joint_states;
when they stop arriving (the robot side died) the goal is cancelled and the motion ends with
RobotDisconnected within `stale_after` seconds. Deadlines stretch with the robot's speed
scaling (a UR's pendant slider); stop() cancels the running goal and the arm holds. A robot
that says it cannot move (a UR's program stopped; a Franka arm in reflex or user stop, or with
errors) refuses motions with RobotNotReady.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

import numpy as np

from robots.arm import JointState
from robots.errors import (MotionError, MotionStopped, MotionTimeout, RobotDisconnected,
                           RobotNotReady)
from robots.kinematics import ArmModel, Kinematics
from robots.planned_arm import PlannedArm
from robots.planning import JointTrajectory
from robots.ros2_messages import duration, latched_qos, trajectory_message
from robots.safety import MotionFilter, SafetyLimits


@dataclass(frozen=True)
class Ros2ArmConfig:
    model: ArmModel = field(default_factory=ArmModel)
    limits: SafetyLimits = field(default_factory=SafetyLimits)
    arm_topic: str = "/arm_controller/joint_trajectory"
    gripper_topic: str = "/gripper_controller/joint_trajectory"
    arm_action: str = "/arm_controller/follow_joint_trajectory"
    gripper_action: str = "/gripper_controller/gripper_cmd"
    franka_gripper: str = ""  # franka_gripper's node ("/franka_gripper"): its grasp and move
    # FrankaRobotState ("/franka_robot_state_broadcaster/robot_state"): mode and errors
    franka_state_topic: str = ""
    speed_scaling_topic: str = "/speed_scaling_state_broadcaster/speed_scaling"  # percent
    program_running_topic: str = "/io_and_status_controller/robot_program_running"  # Bool
    joint_states_topic: str = "/joint_states"
    path_tolerance: float = 0.25  # rad a joint may lag the trajectory before it is aborted
    gripper_effort: float = 40.0  # N, a GripperCommand's max_effort, a Grasp's force
    gripper_speed: float = 0.1  # m/s, the Franka Hand's fingers
    accept_timeout: float = 2.0  # s for the controller to accept or reject a goal
    goal_tolerance: float = 0.01  # rad, every joint, at the end of a trajectory
    settle_timeout: float = 2.0  # s after a trajectory's end to reach the goal
    gripper_time: float = 0.6  # s the fingers get to open or close
    # s without /joint_states while moving: the robot is gone (0.3 s was seen to pass on a busy
    # 2-core machine running the simulator beside the agent, twice in 50 pick-and-places)
    stale_after: float = 0.4
    # ... and while still (planning, perception): this process may be busy with a rehearsal
    # that keeps its executor from reading the messages for a moment; the arm is not moving
    still_stale_after: float = 1.0
    poll: float = 0.005  # s between progress checks


class Ros2Arm(PlannedArm):
    """The Arm interface over ROS 2 topics of an rclpy `node` spun by someone else."""

    def __init__(self, node, config: Ros2ArmConfig | None = None) -> None:
        from sensor_msgs.msg import JointState as JointStateMessage
        from std_msgs.msg import Bool, Float64
        from trajectory_msgs.msg import JointTrajectory as TrajectoryMessage

        self.config = config or Ros2ArmConfig()
        self.node = node
        self.kinematics = Kinematics(self.config.model)
        self.filter = MotionFilter(self.config.limits, self.kinematics)
        self._halt = threading.Event()
        self._latest: dict[str, tuple[float, float]] = {}  # name -> (position, velocity)
        self._received = 0.0  # monotonic time of the last /joint_states
        self._arrived = threading.Condition()
        self._moving = False  # a trajectory is being followed: stop() must override it
        self.arm_publisher = node.create_publisher(TrajectoryMessage, self.config.arm_topic, 10)
        self.gripper_publisher = node.create_publisher(TrajectoryMessage,
                                                       self.config.gripper_topic, 10)
        node.create_subscription(JointStateMessage, self.config.joint_states_topic,
                                 self._on_joint_states, 20)
        self._scaling = 1.0  # the robot's speed scaling, 0..1
        node.create_subscription(Float64, self.config.speed_scaling_topic,
                                 self._on_speed_scaling, 5)
        self._program_running: bool | None = None  # None: the robot does not say
        node.create_subscription(Bool, self.config.program_running_topic,
                                 lambda m: setattr(self, "_program_running", bool(m.data)),
                                 latched_qos())
        self._fault: str | None = None  # why the robot says it cannot move
        if self.config.franka_state_topic:
            from franka_msgs.msg import FrankaRobotState
            node.create_subscription(FrankaRobotState, self.config.franka_state_topic,
                                     lambda m: setattr(self, "_fault", franka_fault(m)), 5)
        self._goal = None  # the running FollowJointTrajectory goal's handle
        self._clients = action_clients(node, self.config)
        self._served: dict[str, object] = {}  # the clients whose servers answered

    def _on_speed_scaling(self, message) -> None:
        self._scaling = min(1.0, max(0.0, float(message.data) / 100.0))

    # --- state -----------------------------------------------------------------------------
    def _on_joint_states(self, message) -> None:
        velocities = list(message.velocity) or [0.0] * len(message.name)
        with self._arrived:
            self._latest.update(zip(message.name, zip(message.position, velocities)))
            self._received = time.monotonic()
            self._arrived.notify_all()

    def wait_for_robot(self, timeout: float = 10.0) -> None:
        """Block until the robot's joint states arrive; RobotDisconnected otherwise."""
        with self._arrived:
            if not self._arrived.wait_for(self._has_state, timeout):
                raise RobotDisconnected(f"no {self.config.joint_states_topic} within {timeout:g} s;"
                                        " is the robot (or `cap ros sim`) running?")
        # the controllers' actions where they are served, else the topics
        self._served = {role: client for role, client in self._clients.items()
                        if client.wait_for_server(timeout_sec=5.0 if role == "arm" else 1.0)}
        self.node.get_logger().info(f"arm: {'action' if self.uses_actions else 'topic'}, "
                                    f"gripper: {self.gripper_interface}")

    @property
    def uses_actions(self) -> bool:
        return "arm" in self._served

    @property
    def gripper_interface(self) -> str:
        """How the fingers are driven: "franka_gripper" (Grasp and Move), "gripper_command"
        or "topic", by which servers answered."""
        if {"grasp", "move"} <= self._served.keys():
            return "franka_gripper"
        return "gripper_command" if "gripper" in self._served else "topic"

    def health(self) -> tuple[str, dict[str, str]]:
        """"ok", "warn" or "error", and what it rests on, for /diagnostics."""
        with self._arrived:
            age = time.monotonic() - self._received if self._received else float("inf")
        facts = {"joint_states_age_s": f"{age:.3f}",
                 "interface": "actions" if self.uses_actions else "topics",
                 "speed_scaling": f"{self._scaling:.2f}",
                 "program_running": {None: "unknown", True: "yes",
                                     False: "no"}[self._program_running],
                 "robot_state": self._fault or "ok",
                 "stopped": str(self._halt.is_set()).lower()}
        if age > self.config.stale_after or self._program_running is False or self._fault:
            return "error", facts
        return ("warn" if self._scaling < 1.0 or not self.uses_actions else "ok"), facts

    def _has_state(self) -> bool:
        return all(name in self._latest for name in self.kinematics.names)

    def _values(self, names) -> tuple[np.ndarray, np.ndarray]:
        moving = self._goal is not None or self._moving
        limit = self.config.stale_after if moving else self.config.still_stale_after
        with self._arrived:
            age = time.monotonic() - self._received
            if not self._has_state() or age > limit:
                raise RobotDisconnected(
                    f"no {self.config.joint_states_topic} for {age:.2f} s: the robot side "
                    "stopped answering; the program was stopped")
            values = np.array([self._latest.get(name, (0.0, 0.0)) for name in names])
        return values[:, 0], values[:, 1]

    def joint_state(self) -> JointState:
        positions, velocities = self._values(self.kinematics.names)
        return JointState(self.kinematics.names, positions, velocities)

    def gripper_width(self) -> float:
        return float(self._values(self.config.model.finger_joints)[0].sum())

    # --- motion ----------------------------------------------------------------------------
    def execute(self, trajectory: JointTrajectory) -> None:
        self._check_halt()
        if self.uses_actions:
            self._follow_goal(trajectory)
            return
        self._moving = True
        try:
            self.arm_publisher.publish(trajectory_message(
                self.kinematics.names, trajectory.times, trajectory.positions, timed=True))
            self._follow(trajectory)
        finally:
            self._moving = False

    def _follow_goal(self, trajectory: JointTrajectory) -> None:
        """Send the trajectory as a FollowJointTrajectory goal and wait for its result,
        cancelling it when the joint states go stale or the scaled deadline passes."""
        from action_msgs.msg import GoalStatus
        from control_msgs.action import FollowJointTrajectory
        from control_msgs.msg import JointTolerance

        names = self.kinematics.names
        goal = FollowJointTrajectory.Goal(trajectory=trajectory_message(
            names, trajectory.times, trajectory.positions, timed=True))
        goal.path_tolerance = [JointTolerance(name=n, position=self.config.path_tolerance)
                               for n in names]
        goal.goal_tolerance = [JointTolerance(name=n, position=self.config.goal_tolerance)
                               for n in names]
        goal.goal_time_tolerance = duration(self.config.settle_timeout)
        handle = self._wait(self._served["arm"].send_goal_async(goal), self.config.accept_timeout,
                            "the arm controller did not answer the goal")
        if not handle.accepted:
            raise MotionError("the arm controller rejected the trajectory (its log says why: "
                              "joint names, point timing); nothing moved")
        self._goal, result = handle, handle.get_result_async()
        try:
            progress, last = 0.0, time.monotonic()
            budget = trajectory.duration + self.config.settle_timeout + 1.0
            while not result.done():
                self._check_halt()  # the robot's own readiness too
                self.joint_state()  # raises RobotDisconnected when the states go stale
                now = time.monotonic()
                progress, last = progress + (now - last) * self._scaling, now
                if progress > budget:
                    raise MotionTimeout("the arm did not finish its trajectory in time "
                                        "(speed scaling taken into account); it was stopped")
                time.sleep(self.config.poll)
        except RobotDisconnected:  # RobotNotReady among them: no answer worth waiting for
            handle.cancel_goal_async()
            raise
        except (MotionStopped, MotionTimeout):  # stop() may have come before this goal
            handle.cancel_goal_async()
            self._settle(result)  # see the arm hold
            raise
        finally:
            self._goal = None
        answer = result.result()
        if answer.status == GoalStatus.STATUS_CANCELED:
            raise MotionStopped("the robot was stopped; it is holding its position")
        if answer.status != GoalStatus.STATUS_SUCCEEDED or answer.result.error_code != 0:
            raise MotionError(f"the arm controller aborted the trajectory: "
                              f"{answer.result.error_string or 'no reason given'} "
                              f"(error {answer.result.error_code}); the arm holds")

    def _settle(self, future, timeout: float = 0.5) -> bool:
        """Wait up to `timeout` for `future` (a cancelled goal's result: the controller then
        holds the arm); whether it is done."""
        deadline = time.monotonic() + timeout
        while not future.done() and time.monotonic() < deadline:
            time.sleep(self.config.poll)
        return future.done()

    def _wait(self, future, timeout: float, message: str):
        if not self._settle(future, timeout):
            raise MotionTimeout(f"{message} within {timeout:g} s")
        return future.result()

    def _follow(self, trajectory: JointTrajectory) -> None:
        target, started = trajectory.positions[-1], time.monotonic()
        deadline = started + trajectory.duration + self.config.settle_timeout
        while True:
            self._check_halt()
            q = self.joint_state().positions  # raises RobotDisconnected when stale
            if (time.monotonic() - started >= trajectory.duration
                    and np.max(np.abs(q - target)) < self.config.goal_tolerance):
                return
            if time.monotonic() > deadline:
                self.stop()
                raise MotionTimeout("the arm did not reach its goal within "
                                    f"{self.config.settle_timeout} s of the trajectory's end")
            time.sleep(self.config.poll)

    def _check_halt(self) -> None:
        if self._halt.is_set():
            raise MotionStopped("the robot was stopped; it is holding its position")
        self._check_ready()

    def _check_ready(self) -> None:
        if self._program_running is False:
            raise RobotNotReady("the robot's program is not running (a UR's External Control "
                                "program: press play on the teach pendant); it does not move")
        if self._fault:
            raise RobotNotReady(self._fault)

    def _run_gripper(self, opening: float) -> None:
        self._check_halt()
        if self.gripper_interface == "franka_gripper":
            self._franka_grip(2 * opening)
            return
        if self.gripper_interface == "gripper_command":
            self._grip(2 * opening)
            return
        self.gripper_publisher.publish(trajectory_message(
            self.config.model.finger_joints, [self.config.gripper_time],
            [[opening] * len(self.config.model.finger_joints)]))
        started = time.monotonic()
        time.sleep(0.1)
        while time.monotonic() - started < self.config.gripper_time + 0.5:
            self._check_halt()
            _, velocities = self._values(self.config.model.finger_joints)
            if np.max(np.abs(velocities)) < 1e-3 and time.monotonic() - started > 0.15:
                return
            time.sleep(self.config.poll)

    def _grip(self, width: float) -> None:
        """A GripperCommand goal; it succeeds when the fingers reach `width` or stall on
        something between them."""
        from control_msgs.action import GripperCommand
        from control_msgs.msg import GripperCommand as Command

        goal = GripperCommand.Goal(command=Command(position=width,
                                                   max_effort=self.config.gripper_effort))
        result = self._gripper_result("gripper", goal)
        if not (result.reached_goal or result.stalled):
            raise MotionError(f"the gripper stopped at {result.position:.3f} m, short of "
                              f"{width:.3f} m, without holding anything")

    def _franka_grip(self, width: float) -> None:
        """The Franka Hand: closing is a Grasp that succeeds wherever the fingers stop between
        `width` and fully open (on an object, or closed), opening a Move."""
        from franka_msgs.action import Grasp, Move
        from franka_msgs.msg import GraspEpsilon

        speed = self.config.gripper_speed
        if width < self.gripper_width():
            action, goal = "grasp", Grasp.Goal(width=width, speed=speed,
                                               force=self.config.gripper_effort,
                                               epsilon=GraspEpsilon(inner=0.005, outer=1.0))
        else:
            action, goal = "move", Move.Goal(width=width, speed=speed)
        result = self._gripper_result(action, goal)
        if not result.success:
            raise MotionError(f"the Franka Hand's {action} failed: "
                              f"{result.error or 'no reason given'}")

    def _gripper_result(self, role: str, goal):
        """Send a gripper goal and wait for its result (a clear error when refused or late)."""
        handle = self._wait(self._served[role].send_goal_async(goal),
                            self.config.accept_timeout, "the gripper did not answer")
        if not handle.accepted:
            raise MotionError(f"the gripper rejected the {role} command")
        return self._wait(handle.get_result_async(), self.config.gripper_time + 5.0,
                          "the gripper did not finish").result

    def stop(self) -> None:
        """Refuse motions until resume(); a moving arm holds where it is (its goal is
        cancelled, or on the topic the controller gets a one-point trajectory at the current
        joints)."""
        self._halt.set()
        goal = self._goal
        if goal is not None:
            goal.cancel_goal_async()
            return
        if not self._moving:
            return
        try:
            q = self.joint_state().positions
        except RobotDisconnected:
            return
        self.arm_publisher.publish(trajectory_message(self.kinematics.names, [0.0], [q]))

    def resume(self) -> None:
        self._halt.clear()

    def close(self) -> None:
        self.kinematics.close()


def action_clients(node, config: Ros2ArmConfig) -> dict[str, object]:
    """Action clients by role ("arm", "gripper"; "grasp" and "move" for a Franka Hand), none
    where the interfaces are not installed (scripts/build_interfaces.sh builds them) or the
    configuration names no action."""
    from rclpy.action import ActionClient

    clients = {}
    try:
        from control_msgs.action import FollowJointTrajectory, GripperCommand
    except ImportError:
        node.get_logger().warning("control_msgs is not installed: trajectories go to topics")
    else:
        if config.arm_action:
            clients["arm"] = ActionClient(node, FollowJointTrajectory, config.arm_action)
        if config.gripper_action:
            clients["gripper"] = ActionClient(node, GripperCommand, config.gripper_action)
    if config.franka_gripper:
        from franka_msgs.action import Grasp, Move
        clients["grasp"] = ActionClient(node, Grasp, f"{config.franka_gripper}/grasp")
        clients["move"] = ActionClient(node, Move, f"{config.franka_gripper}/move")
    return clients


FRANKA_MODES = {0: "other", 1: "idle", 2: "move", 3: "guiding", 4: "reflex", 5: "user stopped",
                6: "automatic error recovery"}


def franka_fault(state) -> str | None:
    """Why a Franka arm in this FrankaRobotState cannot follow a trajectory, or None."""
    errors = [name for name in state.current_errors.get_fields_and_field_types()
              if getattr(state.current_errors, name)]
    mode = FRANKA_MODES.get(state.robot_mode, str(state.robot_mode))
    if state.robot_mode not in (4, 5) and not errors:
        return None
    what = f"the Franka arm is in {mode} mode" + (f" ({', '.join(errors)})" if errors else "")
    remedy = ("release the user stop" if state.robot_mode == 5 else
              "clear it with franka's error_recovery action")
    return f"{what}: {remedy}; it does not move"
