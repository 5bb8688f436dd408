"""A real arm: its driver, a RealSense camera with aligned depth, and the agent.

    ros2 launch launch/hardware.launch.py robot:=fr3 robot_ip:=172.16.0.2 llm:=openai:gpt-4o
    ros2 launch launch/hardware.launch.py robot:=ur5e robot_ip:=192.168.56.101 \\
        params:=launch/params/ur.yaml llm:=ollama:qwen2.5-coder
    ros2 launch launch/hardware.launch.py driver:=false ...   # the robot's bringup runs already
    ros2 launch cap hardware.launch.py ...   # cap built in a colcon workspace (package.xml)

fr3: franka_bringup's franka.launch.py (robot_type fr3, the Franka Hand: its Grasp and Move
actions; the robot state broadcaster's mode and errors stop the queue). It starts no joint
trajectory controller: load one named fr3_arm_controller (as franka_fr3_moveit_config does)
or set topics.arm_action.
ur5e: ur_robot_driver's ur_control.launch.py with scaled_joint_trajectory_controller active
(its default from Humble to Kilted, the one the speed slider scales); press play on the
External Control program (the agent refuses motions while it is stopped). A controller the
parameter file names that does not answer stops the agent at start-up with a clear error.
Camera: realsense2_camera's rs_launch.py with align_depth.enable:=true (colour and depth are
paired by stamp). Set the camera's pose in the parameter file. Every program is rehearsed on
a simulated twin of the robot's own URDF first, and with confirm: true waits for
/cap/confirm. (Written against those packages' published launch arguments; not run here,
where none of them is installed.)
"""
from pathlib import Path

from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument, ExecuteProcess, IncludeLaunchDescription
from launch.conditions import IfCondition
from launch.launch_description_sources import PythonLaunchDescriptionSource
from launch.substitutions import LaunchConfiguration, PathJoinSubstitution, PythonExpression
from launch_ros.substitutions import FindPackageShare

PARAMS = Path(__file__).resolve().parent / "params"


def driver(package: str, launch_file: str, robot: str, arguments: dict):
    """The robot's bringup, when `robot` is the one asked for and `driver` is true."""
    chosen = PythonExpression(["'", LaunchConfiguration("driver"), "' == 'true' and '",
                               LaunchConfiguration("robot"), f"' == '{robot}'"])
    return IncludeLaunchDescription(
        PythonLaunchDescriptionSource(PathJoinSubstitution(
            [FindPackageShare(package), "launch", launch_file])),
        launch_arguments=arguments.items(), condition=IfCondition(chosen))


def generate_launch_description():
    robot_ip = LaunchConfiguration("robot_ip")
    return LaunchDescription([
        DeclareLaunchArgument("robot", default_value="fr3"),
        DeclareLaunchArgument("robot_ip", default_value="172.16.0.2"),
        DeclareLaunchArgument("driver", default_value="true"),
        DeclareLaunchArgument("camera", default_value="true"),
        DeclareLaunchArgument("llm", default_value="retrieval"),
        DeclareLaunchArgument("params", default_value=str(PARAMS / "franka.yaml")),
        driver("franka_bringup", "franka.launch.py", "fr3",
               {"robot_type": "fr3", "robot_ip": robot_ip, "load_gripper": "true"}),
        driver("ur_robot_driver", "ur_control.launch.py", "ur5e",
               {"ur_type": "ur5e", "robot_ip": robot_ip, "launch_rviz": "false",
                "initial_joint_controller": "scaled_joint_trajectory_controller"}),
        IncludeLaunchDescription(
            PythonLaunchDescriptionSource(PathJoinSubstitution(
                [FindPackageShare("realsense2_camera"), "launch", "rs_launch.py"])),
            launch_arguments={"align_depth.enable": "true"}.items(),
            condition=IfCondition(LaunchConfiguration("camera"))),
        ExecuteProcess(
            cmd=["cap", "ros", "agent", "--robot", LaunchConfiguration("robot"),
                 "--llm", LaunchConfiguration("llm"), "--confirm",
                 "--ros-args", "--params-file", LaunchConfiguration("params")],
            output="screen"),
    ])
