"""`cap ros sim`: the simulated tabletop as a ROS 2 robot, like a ros2_control mock.

Physics runs in real time on one thread. It publishes /joint_states (arm and fingers), the
colour and depth images with camera info (rendered by a camera process of their own:
`cap.ros.sim_camera`), and /sim/objects (ground truth markers, one per object, `ns` = the
object's name, frame "workspace"), /robot_description and the speed scaling. Its
controllers behave as ros2_control's (`cap.ros.sim_controllers`): the FollowJointTrajectory
and GripperCommand actions, and the trajectory topics (each point's time_from_start
honoured; a new trajectory replaces the one running).
/sim/reset (std_srvs/Trigger) lays out a fresh scene.
"""
from __future__ import annotations

import queue
import time

import numpy as np

from cap.ros.description import model_from_file, publish_description
from cap.ros.messages import Topics, camera_info_message, image_message
from cap.ros.sim_camera import CameraProcess
from cap.ros.sim_controllers import (FEEDBACK_PERIOD, INVALID_GOAL, ActionServers, Grip,
                                     Motion, motion_from, resolve, step_motion, validate)
from cap.ros.transforms import publish_static, transform_message
from robots.arm_models import ARM_MODELS
from robots.kinematics import ArmModel
from robots.ros2_messages import trajectory_arrays
from robots.urdf import description_of
from sim.scene import SceneSpec
from sim.tabletop import Tabletop

JOINT_RATE = 200.0  # Hz, /joint_states
MAX_CATCH_UP = 4  # physics steps between two looks at the clock
CAMERA_RATE = 10.0  # Hz, images and objects
CAMERA_FRAME = "camera_color_optical_frame"  # as realsense2_camera names it


class SimRobot:
    """The simulation side: trajectories in, states out, all on the physics thread."""

    def __init__(self, spec: SceneSpec, node, camera: CameraProcess, topics: Topics = Topics(),
                 joint_rate: float = JOINT_RATE, camera_rate: float = CAMERA_RATE,
                 arm: ArmModel | None = None, speed_scaling: float = 1.0) -> None:
        from sensor_msgs.msg import CameraInfo, Image, JointState
        from std_msgs.msg import Float64
        from std_srvs.srv import Trigger
        from trajectory_msgs.msg import JointTrajectory as TrajectoryMessage
        from visualization_msgs.msg import MarkerArray

        self.table, self.node, self.spec = Tabletop(spec, arm=arm), node, spec
        self.camera = camera  # renders in a process of its own
        self.arm = self.table.arm
        self.description = publish_description(  # as robot_state_publisher does
            node, topics.robot_description, description_of(self.arm.kinematics.model.urdf_file()))
        self.arm_names = list(self.arm.kinematics.names)
        self.finger_names = list(self.arm.finger_state().names)
        self.inbox: queue.Queue = queue.Queue()  # (kind, payload) from ROS callbacks
        self.motion: Motion | None = None  # the arm trajectory being followed
        self.grip: Grip | None = None
        self.speed_scaling = speed_scaling
        self.joint_period, self.camera_period = 1 / joint_rate, 1 / camera_rate
        self.publish_joints = node.create_publisher(JointState, topics.joint_states, 10)
        self.publish_color = node.create_publisher(Image, topics.color, 2)
        self.publish_depth = node.create_publisher(Image, topics.depth, 2)
        self.publish_info = node.create_publisher(CameraInfo, topics.camera_info, 2)
        self.publish_objects = node.create_publisher(MarkerArray, topics.objects, 2)
        self.publish_scaling = node.create_publisher(Float64, topics.speed_scaling, 2)
        node.create_subscription(TrajectoryMessage, topics.arm_trajectory,
                                 lambda m: self.inbox.put(("arm", m)), 10)
        node.create_subscription(TrajectoryMessage, topics.gripper_trajectory,
                                 lambda m: self.inbox.put(("gripper", m)), 10)
        node.create_service(Trigger, topics.reset, self._reset_service)
        self.actions = ActionServers(self, topics)
        model = self.arm.kinematics.model  # the camera on TF as a hand-eye calibration gives it
        base_from_camera = (np.linalg.inv(model.workspace_from_base())
                            @ self.table.camera.config.world_from_camera())
        self.static_transforms = publish_static(node, [transform_message(
            model.base_frame, CAMERA_FRAME, base_from_camera, node.get_clock().now().to_msg())])
        self.running = True
        # seconds of real time the physics let pass unsimulated; (elapsed, slipped) last paced
        self.slipped, self._paced = 0.0, (0.0, 0.0)

    # --- ROS callbacks (executor thread) ---------------------------------------------------
    async def _reset_service(self, request, response):
        from rclpy.task import Future
        done = Future()
        self.inbox.put(("reset", lambda: resolve(self.node, done)))
        await done
        response.success, response.message = True, "fresh scene"
        return response

    # --- physics thread --------------------------------------------------------------------
    def run(self) -> None:
        """Step physics in real time; publish joints and camera at their rates. A machine too
        busy to keep up slows the physics (published as speed scaling, as a UR's controller
        reports its own slowdown), never the joint states."""
        world, start = self.table.world, time.monotonic()
        sim_start, next_joints, next_camera = world.time, 0.0, 0.0
        while self.running:
            self._handle_inbox()
            elapsed = time.monotonic() - start
            for _ in range(MAX_CATCH_UP):
                if world.time - sim_start >= elapsed:
                    break
                self._track()
                world.step()
            behind = elapsed - (world.time - sim_start)
            if behind > 0:  # more than MAX_CATCH_UP steps: let the physics slip
                self.slipped += behind
                sim_start = world.time - elapsed
            if elapsed >= next_joints:
                self._publish_joints()
                next_joints = elapsed + self.joint_period
            if elapsed >= next_camera:
                self._publish_camera(elapsed)
                next_camera = elapsed + self.camera_period
            time.sleep(max(0.0, min(next_joints, next_camera) - (time.monotonic() - start)))

    def _handle_inbox(self) -> None:
        while not self.inbox.empty():
            kind, payload = self.inbox.get()
            if kind == "arm":
                self._accept_arm(payload)
            elif kind == "motion":
                self._start(payload)
            elif kind == "grip":
                self.grip = payload
                payload.started = self.table.world.time
                self.arm.drive_fingers(payload.target)
            elif kind == "gripper":
                names, _, positions = trajectory_arrays(payload)
                if len(positions):  # the fingers go to the last point's opening
                    opening = positions[-1][names.index(self.finger_names[0])] \
                        if self.finger_names[0] in names else positions[-1][0]
                    self.arm.drive_fingers(float(opening))
            elif kind == "reset":
                self.table.reset(self.spec)
                self._start(None)
                payload()

    def _accept_arm(self, message) -> None:
        """A trajectory on the topic replaces the running one; an empty one stops the arm; an
        invalid one is dropped with a log line, as the controller does."""
        if not message.points:
            self._start(None)
            self.arm.hold(self.arm.joint_state().positions)
            return
        reason = validate(list(message.joint_names), message, self.arm_names)
        if reason:
            self.node.get_logger().error(f"trajectory dropped: {reason}")
            return
        self._start(motion_from(message, self.arm_names, self.arm.joint_state().positions))

    def _start(self, motion: Motion | None) -> None:
        if self.motion is not None and not self.motion.done.is_set():
            self.motion.finish(INVALID_GOAL, "preempted by a new trajectory")
        self.motion = motion

    def _track(self) -> None:
        """Command the arm along the running trajectory for this physics step; watch a grip."""
        motion, now = self.motion, self.table.world.time
        if motion is not None:
            self.arm.hold(step_motion(motion, self.arm.joint_state().positions,
                                      self.table.world.timestep, self.speed_scaling))
            if motion.done.is_set():
                self.motion = None
            elif motion.goal is not None and motion.desired is not None \
                    and now - motion.fed >= FEEDBACK_PERIOD:
                self.actions.feedback(motion)
                motion.fed = now
        grip = self.grip
        if grip is not None and now - grip.started > 0.1:
            fingers = self.arm.finger_state()
            if np.max(np.abs(fingers.velocities)) < 1e-3:
                opening = float(fingers.positions.mean())
                reached = abs(opening - grip.target) < 0.002
                self.grip = None
                grip.finish((opening, reached, not reached))

    def _publish_joints(self) -> None:
        from sensor_msgs.msg import JointState
        arm, fingers = self.arm.joint_state(), self.arm.finger_state()
        message = JointState(name=self.arm_names + self.finger_names,
                             position=[*map(float, arm.positions), *map(float, fingers.positions)],
                             velocity=[*map(float, arm.velocities),
                                       *map(float, fingers.velocities)])
        message.header.stamp = self.node.get_clock().now().to_msg()
        self.publish_joints.publish(message)

    def _publish_camera(self, elapsed: float) -> None:
        """The last finished frame (stamped when its pose was taken), the objects and the
        speed scaling; the camera gets the pose for its next frame."""
        stamp = self.node.get_clock().now().to_msg()
        finished = self.camera.exchange(stamp, self._pose())
        if finished:
            shown, (rgb, depth, intrinsics) = finished
            config = self.table.camera.config
            self.publish_color.publish(image_message(rgb, "rgb8", "camera", shown))
            self.publish_depth.publish(image_message(depth, "32FC1", "camera", shown))
            self.publish_info.publish(camera_info_message(intrinsics, config.width,
                                                          config.height, "camera", shown))
        self.publish_objects.publish(self._markers(stamp))
        self.publish_scaling.publish(self.publish_scaling.msg_type(
            data=100.0 * self.speed_scaling * self._pace(elapsed)))

    def _pose(self) -> dict:
        """What the camera's copy of the table needs to look as this one does now."""
        scene = self.table.scene
        return {"arm": [float(q) for q in self.arm.joint_state().positions],
                "opening": float(self.arm.finger_state().positions.mean()),
                "objects": {name: [[float(v) for v in scene.pose(name)[0]], scene.yaw(name)]
                            for name in scene.objects}}

    def _pace(self, elapsed: float) -> float:
        """The share of real time simulated since the last call (1.0 while keeping up)."""
        window, slipped = elapsed - self._paced[0], self.slipped - self._paced[1]
        self._paced = (elapsed, self.slipped)
        return 1.0 if window <= 0 else max(0.0, 1.0 - slipped / window)

    def _markers(self, stamp):
        from visualization_msgs.msg import Marker, MarkerArray
        markers = MarkerArray()
        for index, (name, obj) in enumerate(sorted(self.table.scene.objects.items())):
            position, quaternion = self.table.scene.pose(name)
            marker = Marker(ns=name, id=index, action=Marker.ADD,
                            type=Marker.CUBE if obj.kind == "block" else Marker.CYLINDER)
            marker.header.frame_id, marker.header.stamp = "workspace", stamp
            marker.pose.position.x, marker.pose.position.y, marker.pose.position.z = map(
                float, position)
            (marker.pose.orientation.x, marker.pose.orientation.y, marker.pose.orientation.z,
             marker.pose.orientation.w) = map(float, quaternion)
            size = 2 * obj.footprint_radius
            marker.scale.x = marker.scale.y = size
            marker.scale.z = obj.height
            marker.color.a = 1.0
            markers.markers.append(marker)
        return markers


def take_priority(node, niceness: int = -10) -> None:
    """Run ahead of ordinary processes, as a robot's controller does (ros2_control's controller
    manager asks for real-time priority), so a busy machine delays the joint states less; where
    that is not permitted, at the usual priority."""
    import os
    try:
        os.setpriority(os.PRIO_PROCESS, 0, niceness)
    except OSError as error:
        node.get_logger().info(f"cap ros sim: at the usual priority ({error})")


def main(spec: SceneSpec, ros_args: list[str] = ()) -> None:
    """Run the node until interrupted (SIGINT or SIGTERM). Topic names are parameters."""
    import signal

    import rclpy

    from cap.ros.parameters import declare, declare_topics
    from cap.ros.spinning import Spinner

    rclpy.init(args=["cap", *ros_args])
    node = rclpy.create_node("cap_sim")
    topics = declare_topics(node)
    # the arm: a parameter set, a file; the speed scaling a UR's pendant slider would set
    params = declare(node, {"robot": "panda", "urdf": "", "speed_scaling": 1.0})
    arm = ARM_MODELS[params["robot"]]
    camera = CameraProcess(spec, params["robot"], params["urdf"])
    take_priority(node)  # after the camera process started: it renders at the usual priority
    robot = SimRobot(spec, node, camera, topics,
                     arm=model_from_file(arm, params["urdf"]) if params["urdf"] else arm,
                     speed_scaling=params["speed_scaling"])
    spinner = Spinner(node)  # the one executor; goals wait on physics as coroutines
    signal.signal(signal.SIGTERM, lambda *_: setattr(robot, "running", False))
    node.get_logger().info("cap ros sim: running")
    try:
        robot.run()
    except KeyboardInterrupt:
        pass
    except Exception:
        if rclpy.ok():
            raise  # else: a publish after SIGINT shut rclpy down; the process is ending
    finally:
        robot.running = False
        camera.close()
        spinner.close()
        node.destroy_node()
        rclpy.try_shutdown()
