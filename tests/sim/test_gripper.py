"""The planner's outline of the gripper (robots.skills.GripperShape) against the simulated
Panda's own collision shapes: an obstacle just outside the outline is not touched, one just
inside is."""
import numpy as np
import pybullet
import pytest
from shapely.geometry import box

from robots.skills import PANDA_HAND, finger_axis
from sim.scene import SceneSpec
from sim.tabletop import Tabletop


YAW = 0.3


@pytest.fixture(scope="module")
def hand():
    table = Tabletop(SceneSpec((), (), 0))
    table.arm.move_to([0.0, 0.0, 0.25], yaw=YAW)
    table.arm.open_gripper(0.05)
    yield table
    table.close()


def touches(table, centre_xy, half_xy, turn: float, top: float) -> bool:
    """Whether a box standing up to `top` (its outline centred at `centre_xy`, its x axis
    turned by `turn`) touches the arm."""
    half = [*half_xy, 0.05]
    shape = pybullet.createCollisionShape(pybullet.GEOM_BOX, halfExtents=half,
                                          physicsClientId=table.world.client)
    body = pybullet.createMultiBody(0, shape, basePosition=[*centre_xy, top - 0.05],
                                    baseOrientation=pybullet.getQuaternionFromEuler((0, 0, turn)),
                                    physicsClientId=table.world.client)
    contact = pybullet.getClosestPoints(table.arm.body, body, 0.0,
                                        physicsClientId=table.world.client)
    pybullet.removeBody(body, physicsClientId=table.world.client)
    return bool(contact)


@pytest.mark.parametrize("above", [-0.006, 0.0, 0.01, 0.02, 0.03, 0.045, 0.06, 0.09])
@pytest.mark.parametrize("across", [False, True])
def test_an_obstacle_beyond_the_outline_is_clear_and_one_inside_is_touched(hand, above, across):
    """Along the finger axis (the fingers, and the hand's ends) and across it (the fingers'
    sides, the hand's), within 2 mm."""
    tool = hand.arm.ee_pose().position
    opening = hand.arm.gripper_width() / 2
    outline = PANDA_HAND.outline(tool, YAW, opening, tool[2] + above)
    direction = finger_axis(YAW)
    if across:
        direction = np.array([direction[1], -direction[0]])
    reach = max(np.dot(np.array(p.exterior.coords)[:, :2] - tool[:2], direction).max()
                for p in outline)
    turn = np.arctan2(direction[1], direction[0])
    for gap, expected in ((0.001, False), (-0.002, True)):
        centre = tool[:2] + (reach + gap + 0.05) * direction
        assert touches(hand, centre, (0.05, 0.2), turn, tool[2] + above) == expected, gap
