"""Robot descriptions as drivers publish them, for tests: an FR3-like arm (the Panda's
geometry under franka_description's names, FR3 joint limits, a world link and meshes on
`package://` paths this machine lacks) and a UR5e-like arm (ur_description's kinematics and
names, fixed joints before the first movable one) with a parallel gripper."""
from __future__ import annotations

import re
from pathlib import Path

import pybullet_data

FR3_LIMITS = {  # joint: (lower, upper, velocity), franka_description's fr3
    1: (-2.9007, 2.9007, 2.62), 2: (-1.8361, 1.8361, 2.62), 3: (-2.9007, 2.9007, 2.62),
    4: (-3.0770, -0.1169, 2.62), 5: (-2.8763, 2.8763, 5.26), 6: (0.4398, 4.6216, 4.18),
    7: (-3.0508, 3.0508, 5.26)}


def fr3_like() -> str:
    text = (Path(pybullet_data.getDataPath()) / "franka_panda" / "panda.urdf").read_text()
    text = text.replace("panda_grasptarget_hand", "fr3_hand_tcp_joint")
    text = text.replace("panda_grasptarget", "fr3_hand_tcp").replace("panda_", "fr3_")
    text = text.replace('name="panda"', 'name="fr3"')
    text = re.sub(r'filename="package://meshes/', 'filename="package://franka_description/meshes/',
                  text)
    for joint, (lower, upper, velocity) in FR3_LIMITS.items():
        text = re.sub(rf'(<joint name="fr3_joint{joint}".*?<limit[^>]*?)lower="[^"]*" '
                      rf'upper="[^"]*" velocity="[^"]*"',
                      rf'\1lower="{lower}" upper="{upper}" velocity="{velocity}"', text,
                      flags=re.S)
    world = ('<link name="base"/>\n  <joint name="base_joint" type="fixed">'
             '<parent link="base"/><child link="fr3_link0"/></joint>\n')
    return text.replace('<link name="fr3_link0">', world + '  <link name="fr3_link0">', 1)


UR5E_CHAIN = [  # joint, parent, child, xyz, rpy (ur_description's default kinematics)
    ("shoulder_pan_joint", "base_link_inertia", "shoulder_link", "0 0 0.1625", "0 0 0"),
    ("shoulder_lift_joint", "shoulder_link", "upper_arm_link", "0 0 0", "1.570796327 0 0"),
    ("elbow_joint", "upper_arm_link", "forearm_link", "-0.425 0 0", "0 0 0"),
    ("wrist_1_joint", "forearm_link", "wrist_1_link", "-0.3922 0 0.1333", "0 0 0"),
    ("wrist_2_joint", "wrist_1_link", "wrist_2_link", "0 -0.0997 0", "1.570796327 0 0"),
    ("wrist_3_joint", "wrist_2_link", "wrist_3_link", "0 0.0996 0", "1.570796327 3.141592653 3.141592653"),
]


def _link(name: str, mesh: str | None = None, box: str | None = None, mass: float = 1.0) -> str:
    geometry = (f'<mesh filename="package://ur_description/meshes/ur5e/collision/{mesh}.stl"/>'
                if mesh else f'<box size="{box}"/>' if box else "")
    shape = f"<collision><geometry>{geometry}</geometry></collision>" if geometry else ""
    return (f'<link name="{name}"><inertial><mass value="{mass}"/><inertia ixx="0.01" ixy="0" '
            f'ixz="0" iyy="0.01" iyz="0" izz="0.01"/></inertial>{shape}</link>')


def _fixed(name: str, parent: str, child: str, xyz: str = "0 0 0", rpy: str = "0 0 0") -> str:
    return (f'<joint name="{name}" type="fixed"><parent link="{parent}"/><child link="{child}"/>'
            f'<origin xyz="{xyz}" rpy="{rpy}"/></joint>')


def ur5e_like() -> str:
    parts = [_link("world"), _link("base_link"), _link("base_link_inertia", "base"),
             _fixed("world_joint", "world", "base_link"),
             _fixed("base_link-base_link_inertia", "base_link", "base_link_inertia",
                    rpy="0 0 3.141592653")]
    for joint, parent, child, xyz, rpy in UR5E_CHAIN:
        parts.append(_link(child, child.replace("_link", "")))
        parts.append(f'<joint name="{joint}" type="revolute"><parent link="{parent}"/>'
                     f'<child link="{child}"/><origin xyz="{xyz}" rpy="{rpy}"/>'
                     f'<axis xyz="0 0 1"/><limit lower="-6.2832" upper="6.2832" effort="150" '
                     f'velocity="3.1416"/></joint>')
    parts += [_link("flange"), _fixed("wrist_3-flange", "wrist_3_link", "flange"),
              _link("tool0"), _fixed("flange-tool0", "flange", "tool0"),
              _link("gripper_base", box="0.08 0.08 0.05", mass=0.5),
              _fixed("gripper_mount", "tool0", "gripper_base", "0 0 0.025"),
              _link("gripper_tcp"), _fixed("gripper_tcp_joint", "gripper_base", "gripper_tcp",
                                          "0 0 0.12")]
    for side, sign in (("left", 1), ("right", -1)):
        parts.append(_link(f"gripper_{side}_finger", box="0.01 0.02 0.07", mass=0.05))
        parts.append(f'<joint name="gripper_{side}_finger_joint" type="prismatic">'
                     f'<parent link="gripper_base"/><child link="gripper_{side}_finger"/>'
                     f'<origin xyz="{sign * 0.006} 0 0.085"/><axis xyz="{sign} 0 0"/>'
                     f'<limit lower="0" upper="0.04" effort="40" velocity="0.2"/></joint>')
    return '<robot name="ur5e">' + "\n".join(parts) + "</robot>"
