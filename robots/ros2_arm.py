"""An arm behind ros2_control: the joint trajectory controller's FollowJointTrajectory action
(or its trajectory topic, when no action is named) and the fingers (robots.ros2_gripper).

Inverse kinematics and every check run here, on the robot's URDF; the controller receives
whole timed trajectories (positions, velocities, accelerations) with path and goal
tolerances, and its result says how they ended. An action that is named must answer at
start-up: a missing controller is an error, never a silent fall-back to the topic. Whether
the robot is still there is judged from its joint states' stamps (robots.joint_state_watch);
when it is lost, the goal is cancelled and the motion ends with RobotDisconnected. Deadlines
stretch with the robot's speed scaling (a UR's pendant slider); stop() cancels the running
goal and the arm holds. A robot that says it cannot move (a UR's program stopped; a Franka
arm in reflex or user stop, or with errors) refuses motions with RobotNotReady. Waiting is on
events (the controller's answer, new joint states, a stop), never on a polling loop.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np

from robots.arm import JointState
from robots.errors import (MotionError, MotionStopped, MotionTimeout, RobotDisconnected,
                           RobotNotReady)
from robots.joint_state_watch import JointStateWatch
from robots.kinematics import ArmModel, Kinematics
from robots.planned_arm import PlannedArm
from robots.planning import JointTrajectory
from robots.ros2_gripper import Ros2Gripper
from robots.ros2_messages import (action_client, duration, latched_qos, trajectory_message,
                                  wait_future)
from robots.safety import MotionFilter, SafetyLimits
from robots.sampled_topic import SampledTopic, newest_only, sampling_node


@dataclass(frozen=True)
class Ros2ArmConfig:
    """Topic and action names (an empty action name: that controller's topic instead)."""

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
    accept_timeout: float = 10.0  # s for a goal's answer while the robot is alive (a loaded
    # machine may take seconds to pass it on; a dead robot is caught by its joint states)
    action_timeout: float = 10.0  # s for each named action's server to answer at start-up
    goal_tolerance: float = 0.01  # rad, every joint, at the end of a trajectory
    settle_timeout: float = 2.0  # s after a trajectory's end to reach the goal
    gripper_time: float = 0.6  # s the fingers get to open or close
    # s without an advancing joint-state stamp before the robot is taken for gone: drivers
    # publish at 100-1000 Hz; `cap ros sim` moving the arm on a 2-core machine with a load of
    # 18 paused up to 0.22 s
    lost_after: float = 0.45
    # s between reads of the joint states (the newest one), and so between looks at a goal's
    # deadline and at whether the robot is lost (verdict within lost_after + 2 ticks), while
    # the arm or the fingers move, and while they are still (an idle agent's own cost)
    tick: float = 0.025
    still_tick: float = 0.5


class Ros2Arm(PlannedArm):
    """The Arm interface over ROS 2 topics of an rclpy `node` spun by someone else."""

    def __init__(self, node, config: Ros2ArmConfig | None = None) -> None:
        from std_msgs.msg import Bool, Float64
        from trajectory_msgs.msg import JointTrajectory as TrajectoryMessage

        self.config = config or Ros2ArmConfig()
        self.node = node
        self.kinematics = Kinematics(self.config.model)
        self.filter = MotionFilter(self.config.limits, self.kinematics)
        self._halt = threading.Event()
        self._wakeup = threading.Condition()  # notified when anything a motion waits on happens
        self._moving = False  # a trajectory is being followed on the topic
        # what drivers publish fast (joint states, speed scaling, a Franka's state) is sampled
        self._sampler = sampling_node(node, "robot_state")
        self.states = JointStateWatch(node, self._sampler, self.config.joint_states_topic,
                                      self.kinematics.names, self.config.lost_after,
                                      self.config.still_tick, self._wake)
        self.arm_publisher = node.create_publisher(TrajectoryMessage, self.config.arm_topic, 10)
        self._speed_topic = SampledTopic(self._sampler, Float64,
                                         self.config.speed_scaling_topic, newest_only())
        self._speed = 1.0  # the speed scaling last heard, 0..1
        self._program_running: bool | None = None  # None: the robot does not say
        node.create_subscription(Bool, self.config.program_running_topic,
                                 self._on_program_running, latched_qos())
        self._state_topic = None  # a Franka's FrankaRobotState
        if self.config.franka_state_topic:
            from franka_msgs.msg import FrankaRobotState
            self._state_topic = SampledTopic(self._sampler, FrankaRobotState,
                                             self.config.franka_state_topic, newest_only())
        self._fault: str | None = None  # why the robot last said it cannot move
        self._goal = None  # the running FollowJointTrajectory goal's handle
        self._clients = action_clients(node, self.config)
        self.gripper = Ros2Gripper(
            self.config, {role: c for role, c in self._clients.items() if role != "arm"},
            self.states, node.create_publisher(TrajectoryMessage, self.config.gripper_topic, 10),
            self._check_halt)

    def _on_program_running(self, message) -> None:
        self._program_running = bool(message.data)
        self._wake()

    def speed_scaling(self) -> float:
        """The robot's speed scaling, 0..1 (a UR's slider; 1 where the robot says nothing)."""
        newest = self._speed_topic.newest()
        if newest is not None:
            self._speed = min(1.0, max(0.0, float(newest.data) / 100.0))
        return self._speed

    def fault(self) -> str | None:
        """Why the robot says it cannot move, or None (a Franka's state)."""
        if self._state_topic is not None:
            newest = self._state_topic.newest()
            if newest is not None:
                self._fault = franka_fault(newest)
        return self._fault

    def _wake(self) -> None:
        with self._wakeup:
            self._wakeup.notify_all()

    # --- state -----------------------------------------------------------------------------
    def wait_for_robot(self, timeout: float = 10.0) -> None:
        """Block until the robot's joint states arrive and every named action's server
        answers; RobotDisconnected otherwise, saying what is missing."""
        needed = self.kinematics.names + self.config.model.finger_joints
        if not self.states.wait_for(needed, timeout):
            raise RobotDisconnected(
                f"no {self.config.joint_states_topic} naming {', '.join(needed)} within "
                f"{timeout:g} s; is the robot (or `cap ros sim`) running?")
        missing = [name for name, client in self._clients.items()
                   if not client.wait_for_server(timeout_sec=self.config.action_timeout)]
        if missing:
            raise RobotDisconnected(
                "no action server for " + ", ".join(action_names(self.config)[m] for m in missing)
                + f" within {self.config.action_timeout:g} s: start (or activate) that "
                "controller, or name the one the robot runs (topics.arm_action, "
                "topics.gripper_action); an empty name sends trajectories on the topic instead")
        self.node.get_logger().info(f"arm: {'action' if self.uses_actions else 'topic'}, "
                                    f"gripper: {self.gripper_interface}")

    @property
    def uses_actions(self) -> bool:
        return "arm" in self._clients

    @property
    def gripper_interface(self) -> str:
        """How the fingers are driven: "franka_gripper", "gripper_command" or "topic"."""
        return self.gripper.interface

    def health(self) -> tuple[str, dict[str, str]]:
        """"ok", "warn" or "error", and what it rests on, for /diagnostics."""
        facts = {"joint_states_age_s": f"{self.states.age():.3f}",
                 "joint_states_delay_max_s": f"{self.states.delay_max():.3f}",
                 "interface": "actions" if self.uses_actions else "topics",
                 "speed_scaling": f"{self.speed_scaling():.2f}",
                 "program_running": {None: "unknown", True: "yes",
                                     False: "no"}[self._program_running],
                 "robot_state": self.fault() or "ok",
                 "stopped": str(self._halt.is_set()).lower()}
        if self.states.lost or self._program_running is False or self._fault:
            return "error", facts
        return ("warn" if self._speed < 1.0 or not self.uses_actions else "ok"), facts

    def _values(self, names) -> tuple[np.ndarray, np.ndarray]:
        self._check_alive()
        return self.states.values(names)

    def _check_alive(self) -> None:
        if self.states.lost:
            raise RobotDisconnected(self.states.lost)

    def joint_state(self) -> JointState:
        positions, velocities = self._values(self.kinematics.names)
        return JointState(self.kinematics.names, positions, velocities)

    def gripper_width(self) -> float:
        return float(self._values(self.config.model.finger_joints)[0].sum())

    # --- motion ----------------------------------------------------------------------------
    @contextmanager
    def _watching_closely(self) -> Iterator[None]:
        """The joint states read every `tick` while something moves."""
        self.states.pace(self.config.tick)
        try:
            yield
        finally:
            self.states.pace(self.config.still_tick)

    def execute(self, trajectory: JointTrajectory) -> None:
        self._check_halt()
        with self._watching_closely():
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
        cancelling it when the robot is lost, stopped or late."""
        handle = self._goal_answer(
            self._clients["arm"].send_goal_async(self._goal_message(trajectory)))
        if not handle.accepted:
            raise MotionError("the arm controller rejected the trajectory (its log says why: "
                              "joint names, point timing); nothing moved")
        self._goal, result = handle, handle.get_result_async()
        result.add_done_callback(lambda _: self._wake())
        try:
            self._await(result, trajectory.duration + self.config.settle_timeout + 1.0)
        except RobotDisconnected:  # RobotNotReady among them: no answer worth waiting for
            handle.cancel_goal_async()
            raise
        except (MotionStopped, MotionTimeout):  # stop() may have come before this goal
            handle.cancel_goal_async()
            wait_future(result, 0.5)  # see the arm hold
            raise
        finally:
            self._goal = None
        check_result(result.result())

    def _goal_message(self, trajectory: JointTrajectory):
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
        return goal

    def _goal_answer(self, sent):
        """The controller's answer to a goal, waited for while the robot is alive; a goal
        given up on is cancelled should it be accepted later."""
        sent.add_done_callback(lambda _: self._wake())
        deadline = time.monotonic() + self.config.accept_timeout
        try:
            with self._wakeup:
                while not sent.done():
                    self._check_alive()
                    if time.monotonic() > deadline:
                        raise MotionTimeout("the arm controller did not answer the goal within "
                                            f"{self.config.accept_timeout:g} s")
                    self._wakeup.wait(self.config.tick)
        except BaseException:
            sent.add_done_callback(lambda done: done.result().accepted
                                   and done.result().cancel_goal_async())
            raise
        return sent.result()

    def _await(self, result, budget: float) -> None:
        """Until `result` is done; raises on a stop, a fault, a lost robot, or when `budget`
        seconds of trajectory time (wall time times the speed scaling) have passed."""
        progress, started = 0.0, time.monotonic()
        last = started
        with self._wakeup:
            while not result.done():
                self._check_halt()
                self._check_alive()
                now = time.monotonic()
                progress, last = progress + (now - last) * self.speed_scaling(), now
                if progress > budget:
                    raise MotionTimeout(
                        f"the arm did not finish its trajectory in time: no result after "
                        f"{now - started:.1f} s ({progress:.1f} s at the robot's speed scaling, "
                        f"{budget:.1f} s allowed); it was stopped")
                self._wakeup.wait(self.config.tick)

    def _follow(self, trajectory: JointTrajectory) -> None:
        """Watch the joint states until the arm reaches the trajectory's end."""
        target, started = trajectory.positions[-1], time.monotonic()
        deadline = started + trajectory.duration + self.config.settle_timeout
        while True:
            self._check_halt()
            q = self.joint_state().positions  # raises RobotDisconnected when lost
            if (time.monotonic() - started >= trajectory.duration
                    and np.max(np.abs(q - target)) < self.config.goal_tolerance):
                return
            if time.monotonic() > deadline:
                self.stop()
                raise MotionTimeout("the arm did not reach its goal within "
                                    f"{self.config.settle_timeout} s of the trajectory's end")
            self.states.wait_newer(time.monotonic(), self.config.tick)

    def _check_halt(self) -> None:
        if self._halt.is_set():
            raise MotionStopped("the robot was stopped; it is holding its position")
        self._check_ready()

    def _check_ready(self) -> None:
        if self._program_running is False:
            raise RobotNotReady("the robot's program is not running (a UR's External Control "
                                "program: press play on the teach pendant); it does not move")
        fault = self.fault()
        if fault:
            raise RobotNotReady(fault)

    def _run_gripper(self, opening: float) -> None:
        self._check_alive()
        with self._watching_closely():
            self.gripper.run(opening)

    def stop(self) -> None:
        """Refuse motions until resume(); a moving arm holds where it is (its goal is
        cancelled, or on the topic the controller gets a one-point trajectory at the current
        joints)."""
        self._halt.set()
        self._wake()
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
        self._sampler.destroy_node()
        self.kinematics.close()


def check_result(answer) -> None:
    """Raise for a FollowJointTrajectory goal that did not succeed."""
    from action_msgs.msg import GoalStatus

    if answer.status == GoalStatus.STATUS_CANCELED:
        raise MotionStopped("the robot was stopped; it is holding its position")
    if answer.status != GoalStatus.STATUS_SUCCEEDED or answer.result.error_code != 0:
        raise MotionError(f"the arm controller aborted the trajectory: "
                          f"{answer.result.error_string or 'no reason given'} "
                          f"(error {answer.result.error_code}); the arm holds")


def action_names(config: Ros2ArmConfig) -> dict[str, str]:
    """The actions the configuration names, by role ("arm"; "gripper" for GripperCommand, or
    "grasp" and "move" for the Franka Hand, whose gripper_action is then not used)."""
    names = {"arm": config.arm_action}
    if config.franka_gripper:
        names.update(grasp=f"{config.franka_gripper}/grasp", move=f"{config.franka_gripper}/move")
    else:
        names["gripper"] = config.gripper_action
    return {role: name for role, name in names.items() if name}


def action_clients(node, config: Ros2ArmConfig) -> dict[str, object]:
    """An action client for each action the configuration names."""
    names = action_names(config)
    if not names:
        return {}
    try:
        from control_msgs.action import FollowJointTrajectory, GripperCommand
    except ImportError:
        raise ImportError("control_msgs is not installed (scripts/build_interfaces.sh builds "
                          "it): name no actions to use the trajectory topics") from None
    types = {"arm": FollowJointTrajectory, "gripper": GripperCommand}
    if config.franka_gripper:
        from franka_msgs.action import Grasp, Move
        types.update(grasp=Grasp, move=Move)
    return {role: action_client(node, types[role], name) for role, name in names.items()}


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
