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


def test_every_goal_answer_arrives_and_the_client_keeps_no_stale_futures(domain):
    """rclpy 9.1 registers a goal's future twice, the second time unlocked: an answer in
    between was missed or raised ValueError (list.remove) in the sender, and every goal left
    a future in the client (200 goals: 200 stale futures)."""
    from control_msgs.action import FollowJointTrajectory
    from rclpy.action import ActionServer

    from robots.ros2_messages import wait_future

    context = rclpy.Context()
    rclpy.init(context=context, domain_id=domain)
    node = rclpy.create_node("goals", context=context)

    def execute(handle):
        handle.succeed()
        return FollowJointTrajectory.Result()

    server = ActionServer(node, FollowJointTrajectory, "arm", execute_callback=execute)
    spinner = Spinner(node)
    client = action_client(node, FollowJointTrajectory, "arm")
    try:
        assert client.wait_for_server(timeout_sec=10)
        for i in range(200):
            answer = client.send_goal_async(FollowJointTrajectory.Goal())
            assert wait_future(answer, 10), f"goal {i}: its answer never came"
            result = answer.result().get_result_async()
            assert wait_future(result, 10), f"goal {i}: its result never came"
        assert len(client._futures) <= 2
    finally:
        spinner.close()
        server.destroy()
        node.destroy_node()
        rclpy.shutdown(context=context)
