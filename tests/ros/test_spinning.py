"""Action clients made while the process's one executor spins (the agent builds its cell
after its executor starts)."""
import pytest

from cap.ros.spinning import Spinner
from robots.ros2_messages import action_client

rclpy = pytest.importorskip("rclpy")
pytest.importorskip("control_msgs.action", reason="control_msgs is built at setup")


def test_action_clients_made_while_the_executor_spins_leave_it_spinning(domain):
    """rclpy gives the node a new client before its lock; made with a plain ActionClient, the
    executor thread died within a few hundred clients (AttributeError '_lock')."""
    from control_msgs.action import FollowJointTrajectory

    context = rclpy.Context()
    rclpy.init(context=context, domain_id=domain)
    node = rclpy.create_node("clients", context=context)
    spinner = Spinner(node)
    try:
        for i in range(400):
            action_client(node, FollowJointTrajectory, f"arm_{i}")
            assert spinner.thread.is_alive(), f"the executor died at client {i}"
    finally:
        spinner.close()
        node.destroy_node()
        rclpy.shutdown(context=context)
