"""The motion filter refuses configurations where the arm would hit itself, and only those:
neighbours in the URDF's tree (fixed joints collapsed) and an SRDF's pairs may touch, and
parts that merely touch do not collide."""
from dataclasses import replace
from pathlib import Path

import numpy as np
import pybullet_data
import pytest

from cap.ros.description import model_from_description
from robots.arm_models import FR3, UR5E
from robots.errors import CollisionError
from robots.kinematics import ArmModel, Kinematics, tool_quaternion
from robots.safety import MotionFilter, SafetyLimits
from tests.robots.fake_arms import fr3_like, ur5e_like

CUBE = Path(pybullet_data.getDataPath()) / "cube.obj"  # a mesh: Bullet pads it


@pytest.fixture(scope="module")
def motion_filter():
    kinematics = Kinematics()
    yield MotionFilter(SafetyLimits(), kinematics)
    kinematics.close()


def test_a_folded_arm_that_hits_itself_is_refused(motion_filter):
    folded = np.array([-0.86, -1.74, 0.97, -3.07, -1.43, 0.1, 2.81])  # hand into link 5
    with pytest.raises(CollisionError, match="self-collision"):
        motion_filter.check_configuration(folded)


def test_working_configurations_pass(motion_filter):
    model = ArmModel()
    for q in (model.home_positions, model.rest_positions):
        motion_filter.check_configuration(np.array(q))


@pytest.fixture(scope="module")
def ur5e():
    kinematics = Kinematics(model_from_description(UR5E, ur5e_like()))
    yield MotionFilter(SafetyLimits(), kinematics)
    kinematics.close()


def test_a_ur5e_with_a_gripper_on_tool0_moves(ur5e):
    """flange, tool0 and the gripper's base are fixed to the wrist: one piece, never checked
    against itself, and its neighbours may touch it."""
    kinematics = ur5e.kinematics
    for q in (UR5E.home_positions, UR5E.rest_positions):
        ur5e.check_configuration(np.array(q))
    for target in ([0.0, 0.0, 0.1], [0.2, -0.15, 0.05], [-0.2, 0.1, 0.2]):
        ur5e.check_configuration(kinematics.ik(target, tool_quaternion(0.3),
                                               np.array(UR5E.rest_positions)))


def test_a_ur5e_folding_its_gripper_into_its_forearm_is_refused(ur5e):
    with pytest.raises(CollisionError, match="forearm_link into gripper_base"):
        ur5e.check_configuration(np.array([0.92, -2.17, -1.8, 0.01, -2.07, 2.58]))


def chain(last_link_height: float) -> str:
    """Four revolute joints about z; the first and last links are 10 cm cubes (meshes), the
    last one's bottom `last_link_height` above the first one's top."""
    def link(name: str, z: float | None) -> str:
        shape = "" if z is None else (
            f'<collision><origin xyz="0 0 {z}"/><geometry><mesh filename="{CUBE}" '
            'scale="0.1 0.1 0.1"/></geometry></collision>')
        return (f'<link name="{name}"><inertial><mass value="1"/><inertia ixx="0.01" ixy="0" '
                f'ixz="0" iyy="0.01" iyz="0" izz="0.01"/></inertial>{shape}</link>')
    names = ["base", "a", "b", "c", "d"]
    parts = [link("base", None), link("a", 0.0), link("b", None), link("c", None),
             link("d", 0.1 + last_link_height)]
    parts += [f'<joint name="j{i}" type="revolute"><parent link="{p}"/><child link="{c}"/>'
              '<axis xyz="0 0 1"/><limit lower="-3" upper="3" effort="1" velocity="1"/></joint>'
              for i, (p, c) in enumerate(zip(names, names[1:]))]
    return '<robot name="chain">' + "".join(parts) + "</robot>"


@pytest.mark.parametrize("gap, collides", [(0.0, False), (0.001, False), (-0.005, True)],
                         ids=["touching", "1 mm apart", "5 mm into each other"])
def test_parts_that_touch_do_not_collide_parts_that_overlap_do(tmp_path, gap, collides):
    path = tmp_path / "chain.urdf"
    path.write_text(chain(gap))
    joints = ("j0", "j1", "j2", "j3")
    kinematics = Kinematics(ArmModel(
        urdf=str(path), base_frame="base", arm_joints=joints, finger_joints=(), tool_link="d",
        flange_link="d", table_links=("base",), rest_positions=(0.0,) * 4,
        home_positions=(0.0,) * 4))
    try:
        if collides:
            with pytest.raises(CollisionError, match="bring a into d"):
                kinematics.check_self_collision(np.zeros(4))
        else:
            kinematics.check_self_collision(np.zeros(4))
    finally:
        kinematics.close()


def test_an_srdf_lets_the_pairs_it_lists_touch(tmp_path):
    folded = np.array([0.92, -2.17, -1.8, 0.01, -2.07, 2.58])  # the gripper into the forearm
    srdf = tmp_path / "ur5e.srdf"
    srdf.write_text('<robot name="ur5e"><disable_collisions link1="gripper_base" '
                    'link2="forearm_link" reason="Never"/></robot>')
    model = model_from_description(UR5E, ur5e_like())
    kinematics = Kinematics(replace(model, srdf=str(srdf)))
    try:
        kinematics.check_self_collision(folded)
    finally:
        kinematics.close()


def test_fingers_closed_onto_each_other_are_no_collision():
    """The FR3's fingers, closed in the kinematic copy, overlap as link cylinders (its meshes
    are missing here): the fingers are one part."""
    kinematics = Kinematics(model_from_description(FR3, fr3_like()))
    try:
        kinematics.check_self_collision(np.array(FR3.rest_positions))
    finally:
        kinematics.close()
