"""Parameter sets for the arms cap ships: the simulator's Panda, a Franka FR3 with the Franka
Hand (franka_description's names), and a UR5e (ur_description's names) with a parallel
gripper. On a robot the URDF itself comes from `/robot_description`; these say which of its
joints and links are what, and where the arm rests."""
from __future__ import annotations

import numpy as np

from robots.kinematics import ArmModel

PANDA = ArmModel()

FR3 = ArmModel(
    urdf="",  # the robot's own, from /robot_description
    base_frame="fr3_link0",
    arm_joints=tuple(f"fr3_joint{i}" for i in range(1, 8)),
    finger_joints=("fr3_finger_joint1", "fr3_finger_joint2"),
    tool_link="fr3_hand_tcp", flange_link="fr3_link8", table_links=("fr3_link0", "fr3_link1"),
    # the Panda's poses lie inside the FR3's narrower limits (joint 4 <= -0.1169,
    # joint 6 in [0.4398, 4.6216])
    rest_positions=PANDA.rest_positions, home_positions=PANDA.home_positions,
)

UR5E = ArmModel(
    urdf="", base_frame="base_link",
    arm_joints=("shoulder_pan_joint", "shoulder_lift_joint", "elbow_joint", "wrist_1_joint",
                "wrist_2_joint", "wrist_3_joint"),
    # a parallel gripper whose joints report each finger's travel in metres
    finger_joints=("gripper_left_finger_joint", "gripper_right_finger_joint"),
    tool_link="gripper_tcp", flange_link="tool0",
    table_links=("base_link", "base_link_inertia", "shoulder_link"),
    base_position=(0.0, 0.55, 0.0), base_yaw=-np.pi / 2,
    rest_positions=(0.0, -1.6, 1.6, -1.57, -1.57, 0.0),
    home_positions=(0.0, -1.9, 1.9, -1.57, -1.57, 0.0),
)

ARM_MODELS = {"panda": PANDA, "fr3": FR3, "ur5e": UR5E}
