#!/usr/bin/env bash
# Build the interface packages the ros-* wheels lack into a virtual environment whose ROS 2
# comes from those wheels: ros/tf2_msgs (TFMessage), ros/control_msgs (FollowJointTrajectory,
# GripperCommand), ros/franka_msgs (the Franka Hand's actions, the robot state) and ros/cap_msgs
# (cap's Command action). About a minute and a half on 2 cores; nothing of it is needed at run
# time but the result.
#   scripts/build_interfaces.sh [VENV] [kilted|jazzy]
# kilted (default): FollowJointTrajectory feedback with `index` fields (control_msgs >= 6.3);
# jazzy: without them. It must match the robot's ROS 2 distribution.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=$(realpath "${1:-.venv}")
distro=${2:-kilted}
builds=$(mktemp -d)
trap 'rm -rf "$builds"' EXIT
export AMENT_PREFIX_PATH="$venv" CMAKE_PREFIX_PATH="$venv"
for package in tf2_msgs control_msgs franka_msgs cap_msgs; do
    build="$builds/$package"
    mkdir -p "$build"
    cmake -S "ros/$package" -B "$build" -DCMAKE_INSTALL_PREFIX="$venv" \
        -DPython3_EXECUTABLE="$venv/bin/python" -DBUILD_TESTING=OFF \
        -DCONTROL_MSGS_DISTRO="$distro" --no-warn-unused-cli > "$build/configure.log" \
        || { cat "$build/configure.log"; exit 1; }
    cmake --build "$build" -j "$(nproc)" > "$build/build.log" \
        || { tail -50 "$build/build.log"; exit 1; }
    cmake --install "$build" > /dev/null
done
echo "tf2_msgs, control_msgs ($distro), franka_msgs and cap_msgs built into $venv"
