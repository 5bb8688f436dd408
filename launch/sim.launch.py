"""The simulated tabletop as a ROS 2 robot, and the agent that drives it.

    ros2 launch launch/sim.launch.py [llm:=openai:gpt-4o] [blocks:=red,green] [bowls:=blue]

Both nodes are cap's console script; parameters come from params/sim.yaml.
"""
from pathlib import Path

from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument, ExecuteProcess
from launch.substitutions import LaunchConfiguration

PARAMS = Path(__file__).resolve().parent / "params" / "sim.yaml"


def generate_launch_description():
    return LaunchDescription([
        DeclareLaunchArgument("llm", default_value="retrieval"),
        DeclareLaunchArgument("blocks", default_value="red,green,yellow"),
        DeclareLaunchArgument("bowls", default_value="blue,purple"),
        ExecuteProcess(
            cmd=["cap", "ros", "sim", "--blocks", LaunchConfiguration("blocks"),
                 "--bowls", LaunchConfiguration("bowls"),
                 "--ros-args", "--params-file", str(PARAMS)],
            output="screen"),
        ExecuteProcess(
            cmd=["cap", "ros", "agent", "--llm", LaunchConfiguration("llm"),
                 "--ros-args", "--params-file", str(PARAMS)],
            output="screen"),
    ])
