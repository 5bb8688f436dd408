"""`cap ros sim`: the simulated tabletop as a ROS 2 robot, like a ros2_control mock.

Physics runs in real time on one thread. It publishes /joint_states (arm and fingers), the
colour and depth images with camera info, and /sim/objects (ground truth markers, one per
object, `ns` = the object's name, frame "workspace"); it follows JointTrajectory messages on
the arm and gripper controller topics, honouring each point's time_from_start (a new
trajectory replaces the one running, as ros2_control's controller does); /sim/reset
(std_srvs/Trigger) lays out a fresh scene.
"""
from __future__ import annotations

import queue
import threading
import time


import numpy as np

from cap.ros.description import model_from_file, publish_description
from cap.ros.messages import Topics, camera_info_message, image_message
from robots.ros2_messages import trajectory_arrays
from robots.planning import JointTrajectory
from robots.arm_models import ARM_MODELS
from robots.kinematics import ArmModel
from robots.urdf import description_of
from sim.scene import SceneSpec
from sim.tabletop import Tabletop

JOINT_RATE = 200.0  # Hz, /joint_states
CAMERA_RATE = 10.0  # Hz, images and objects


class SimRobot:
    """The simulation side: trajectories in, states out, all on the physics thread."""

    def __init__(self, spec: SceneSpec, node, topics: Topics = Topics(),
                 joint_rate: float = JOINT_RATE, camera_rate: float = CAMERA_RATE,
                 arm: ArmModel | None = None) -> None:
        from sensor_msgs.msg import CameraInfo, Image, JointState
        from std_srvs.srv import Trigger
        from trajectory_msgs.msg import JointTrajectory as TrajectoryMessage
        from visualization_msgs.msg import MarkerArray

        self.table, self.node, self.spec = Tabletop(spec, arm=arm), node, spec
        self.arm = self.table.arm
        self.description = publish_description(  # as robot_state_publisher does
            node, topics.robot_description, description_of(self.arm.kinematics.model.urdf_file()))
        self.arm_names = list(self.arm.kinematics.names)
        self.finger_names = list(self.arm.finger_state().names)
        self.inbox: queue.Queue = queue.Queue()  # (kind, payload) from ROS callbacks
        self.arm_plan: tuple[float, JointTrajectory] | None = None  # sim start time, path
        self.joint_period, self.camera_period = 1 / joint_rate, 1 / camera_rate
        self.publish_joints = node.create_publisher(JointState, topics.joint_states, 10)
        self.publish_color = node.create_publisher(Image, topics.color, 2)
        self.publish_depth = node.create_publisher(Image, topics.depth, 2)
        self.publish_info = node.create_publisher(CameraInfo, topics.camera_info, 2)
        self.publish_objects = node.create_publisher(MarkerArray, topics.objects, 2)
        node.create_subscription(TrajectoryMessage, topics.arm_trajectory,
                                 lambda m: self.inbox.put(("arm", m)), 10)
        node.create_subscription(TrajectoryMessage, topics.gripper_trajectory,
                                 lambda m: self.inbox.put(("gripper", m)), 10)
        node.create_service(Trigger, topics.reset, self._reset_service)
        self.running = True

    # --- ROS callbacks (executor thread) ---------------------------------------------------
    def _reset_service(self, request, response):
        done = threading.Event()
        self.inbox.put(("reset", done))
        response.success = done.wait(30)
        response.message = "fresh scene" if response.success else "the simulator is busy"
        return response

    # --- physics thread --------------------------------------------------------------------
    def run(self) -> None:
        """Step physics in real time; publish joints and camera at their rates."""
        world, start = self.table.world, time.monotonic()
        sim_start, next_joints, next_camera = world.time, 0.0, 0.0
        while self.running:
            self._handle_inbox()
            elapsed = time.monotonic() - start
            while world.time - sim_start < elapsed:
                self._track()
                world.step()
            if elapsed >= next_joints:
                self._publish_joints()
                next_joints = elapsed + self.joint_period
            if elapsed >= next_camera:
                self._publish_camera()
                next_camera = elapsed + self.camera_period
            time.sleep(max(0.0, min(next_joints, next_camera) - (time.monotonic() - start)))

    def _handle_inbox(self) -> None:
        while not self.inbox.empty():
            kind, payload = self.inbox.get()
            if kind == "arm":
                self._accept_arm(payload)
            elif kind == "gripper":
                names, _, positions = trajectory_arrays(payload)
                if len(positions):  # the fingers go to the last point's opening
                    opening = positions[-1][names.index(self.finger_names[0])] \
                        if self.finger_names[0] in names else positions[-1][0]
                    self.arm.drive_fingers(float(opening))
            elif kind == "reset":
                self.table.reset(self.spec)
                self.arm_plan = None
                payload.set()

    def _accept_arm(self, message) -> None:
        """A new arm trajectory replaces the running one; an empty one stops the arm."""
        names, times, positions = trajectory_arrays(message)
        if not len(times):  # an empty trajectory stops the arm where it is
            self.arm_plan = None
            self.arm.hold(self.arm.joint_state().positions)
            return
        if sorted(names) != sorted(self.arm_names):
            self.node.get_logger().error(f"trajectory joints {names} != {self.arm_names}")
            return
        order = [names.index(name) for name in self.arm_names]
        current = self.arm.joint_state().positions
        if times[0] > 0:  # start from where the arm is, as the controller does
            times, positions = np.r_[0.0, times], np.vstack([current, positions[:, order]])
        else:
            positions = positions[:, order]
        self.arm_plan = (self.table.world.time, JointTrajectory(times, positions))

    def _track(self) -> None:
        """Command the arm to the running trajectory's point for this physics step."""
        if self.arm_plan is None:
            return
        start, trajectory = self.arm_plan
        t = self.table.world.time - start
        self.arm.hold(trajectory.sample(t))
        if t >= trajectory.duration:
            self.arm_plan = None

    def _publish_joints(self) -> None:
        from sensor_msgs.msg import JointState
        arm, fingers = self.arm.joint_state(), self.arm.finger_state()
        message = JointState(name=self.arm_names + self.finger_names,
                             position=[*map(float, arm.positions), *map(float, fingers.positions)],
                             velocity=[*map(float, arm.velocities),
                                       *map(float, fingers.velocities)])
        message.header.stamp = self.node.get_clock().now().to_msg()
        self.publish_joints.publish(message)

    def _publish_camera(self) -> None:
        stamp = self.node.get_clock().now().to_msg()
        frame = self.table.camera.render()
        config = self.table.camera.config
        self.publish_color.publish(image_message(frame.rgb, "rgb8", "camera", stamp))
        self.publish_depth.publish(image_message(frame.depth, "32FC1", "camera", stamp))
        self.publish_info.publish(camera_info_message(frame.intrinsics, config.width,
                                                      config.height, "camera", stamp))
        self.publish_objects.publish(self._markers(stamp))

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


def main(spec: SceneSpec, ros_args: list[str] = ()) -> None:
    """Run the node until interrupted (SIGINT or SIGTERM). Topic names are parameters."""
    import signal

    import rclpy
    from rclpy.executors import SingleThreadedExecutor

    from cap.ros.parameters import declare, declare_topics
    from cap.ros.spinning import start_spinning, stop_spinning

    rclpy.init(args=["cap", *ros_args])
    node = rclpy.create_node("cap_sim")
    topics = declare_topics(node)
    params = declare(node, {"robot": "panda", "urdf": ""})  # the arm: a parameter set, a file
    arm = ARM_MODELS[params["robot"]]
    robot = SimRobot(spec, node, topics,
                     arm=model_from_file(arm, params["urdf"]) if params["urdf"] else arm)
    executor = SingleThreadedExecutor()
    executor.add_node(node)
    spinner = start_spinning(executor)
    signal.signal(signal.SIGTERM, lambda *_: setattr(robot, "running", False))
    node.get_logger().info("cap ros sim: running")
    try:
        robot.run()
    except KeyboardInterrupt:
        pass
    finally:
        robot.running = False
        stop_spinning(executor, spinner)
        node.destroy_node()
        rclpy.try_shutdown()
