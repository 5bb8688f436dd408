"""The motion filter refuses configurations where the arm would hit itself."""
import numpy as np
import pytest

from robots.errors import CollisionError
from robots.kinematics import ArmModel, Kinematics
from robots.safety import MotionFilter, SafetyLimits


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
