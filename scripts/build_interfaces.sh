#!/usr/bin/env bash
# Build the control_msgs interfaces (ros/control_msgs: FollowJointTrajectory, GripperCommand)
# into a virtual environment whose ROS 2 comes from the ros-* wheels, which have no
# control_msgs. About 30 s on 2 cores; nothing of it is needed at run time but the result.
#   scripts/build_interfaces.sh [VENV] [kilted|jazzy]
# kilted (default): FollowJointTrajectory feedback with `index` fields (control_msgs >= 6.3);
# jazzy: without them. It must match the robot's ROS 2 distribution.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=$(realpath "${1:-.venv}")
distro=${2:-kilted}
build=$(mktemp -d)
trap 'rm -rf "$build"' EXIT
export AMENT_PREFIX_PATH="$venv" CMAKE_PREFIX_PATH="$venv"
cmake -S ros/control_msgs -B "$build" -DCMAKE_INSTALL_PREFIX="$venv" \
    -DPython3_EXECUTABLE="$venv/bin/python" -DBUILD_TESTING=OFF \
    -DCONTROL_MSGS_DISTRO="$distro" > "$build/configure.log" || { cat "$build/configure.log"; exit 1; }
cmake --build "$build" -j "$(nproc)" > "$build/build.log" || { tail -50 "$build/build.log"; exit 1; }
cmake --install "$build" > /dev/null
echo "control_msgs ($distro) built into $venv"
