"""The agent alone, for a real arm already running under ros2_control.

    ros2 launch launch/hardware.launch.py params:=launch/params/franka.yaml llm:=openai:gpt-4o
    ros2 launch launch/hardware.launch.py params:=launch/params/ur.yaml llm:=ollama:qwen2.5-coder

Start the robot's own bringup first (franka_ros2 or ur_robot_driver) and a camera driver
publishing colour, depth and camera info; set the camera's pose in the parameter file. Every
program is rehearsed on a simulated twin before it reaches the arm, and with confirm: true
waits for /cap/confirm.
"""
from pathlib import Path

from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument, ExecuteProcess
from launch.substitutions import LaunchConfiguration

PARAMS = Path(__file__).resolve().parent / "params"


def generate_launch_description():
    return LaunchDescription([
        DeclareLaunchArgument("llm", default_value="retrieval"),
        DeclareLaunchArgument("params", default_value=str(PARAMS / "franka.yaml")),
        ExecuteProcess(
            cmd=["cap", "ros", "agent", "--llm", LaunchConfiguration("llm"), "--confirm",
                 "--ros-args", "--params-file", LaunchConfiguration("params")],
            output="screen"),
    ])
