"""Errors a robot raises when it refuses or fails a motion; each says what to do instead."""


class MotionError(Exception):
    """A motion was refused before it started, or failed while running. The arm is holding."""


class WorkspaceError(MotionError):
    """The target lies outside the allowed workspace box."""


class UnreachableError(MotionError):
    """Inverse kinematics found no joint configuration for the target pose."""


class JointLimitError(MotionError):
    """The motion would need a joint beyond its position or speed limit."""


class CollisionError(MotionError):
    """The motion would hit (or did hit) the table or the robot itself."""


class MotionTimeout(MotionError):
    """The arm did not reach its target in time."""


class MotionStopped(MotionError):
    """Someone stopped the robot (a kill, an operator, a stop service) during the motion."""


class GraspError(MotionError):
    """The gripper closed on nothing, or the object slipped out."""


class EmptyGrasp(GraspError):
    """The gripper closed on nothing (the object moved as the fingers came down)."""


class RobotDisconnected(MotionError):
    """The robot stopped answering (no fresh joint states)."""


class RobotNotReady(RobotDisconnected):
    """The robot answers but cannot move: its program is stopped (a UR's External Control),
    or it reports an error. Nothing is retried until someone fixes it."""
