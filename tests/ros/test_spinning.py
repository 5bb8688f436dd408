"""Action clients made while the process's one executor spins (the agent builds its cell
after its executor starts), and the nodes nobody spins (sampled topics)."""
import pytest

from cap.ros.spinning import Spinner
from robots.ros2_messages import action_client

rclpy = pytest.importorskip("rclpy")
pytest.importorskip("control_msgs.action", reason="control_msgs is built at setup")


@pytest.fixture
def context(domain):
    """An rclpy context of the test's own on its domain, shut down after it."""
    context = rclpy.Context()
    rclpy.init(context=context, domain_id=domain)
    yield context
    rclpy.shutdown(context=context)


def test_action_clients_made_while_the_executor_spins_leave_it_spinning(context):
    """rclpy gives the node a new client before its lock; made with a plain ActionClient, the
    executor thread died within a few hundred clients (AttributeError '_lock')."""
    from control_msgs.action import FollowJointTrajectory

    node = rclpy.create_node("clients", context=context)
    spinner = Spinner(node)
    try:
        for i in range(400):
            action_client(node, FollowJointTrajectory, f"arm_{i}")
            assert spinner.thread.is_alive(), f"the executor died at client {i}"
    finally:
        spinner.close()
        node.destroy_node()


def test_every_goal_answer_arrives_and_the_client_keeps_no_stale_futures(context):
    """rclpy 9.1 registers a goal's future twice, the second time unlocked: an answer in
    between was missed or raised ValueError (list.remove) in the sender, and every goal left
    a future in the client (200 goals: 200 stale futures)."""
    from control_msgs.action import FollowJointTrajectory
    from rclpy.action import ActionServer

    from robots.ros2_messages import wait_future

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


def test_a_participant_of_its_own_hears_the_nodes_domain_and_ends_with_its_context(domain,
                                                                                    context):
    """The camera's images come on a participant of their own (a flood there must not delay
    the joint states): it must still be on the agent's domain, and close cleanly."""
    from sensor_msgs.msg import Image

    from robots.sampled_topic import OwnParticipant, SampledTopic, wait_any

    node = rclpy.create_node("agent", context=context)
    own = OwnParticipant(node, "camera")
    try:
        assert own.context is not node.context
        assert own.context.get_domain_id() == domain
        images = SampledTopic(own.node, Image, "/camera/color/image_raw", 5)
        publisher = node.create_publisher(Image, "/camera/color/image_raw", 5)
        sent = Image(height=2, width=3, encoding="rgb8", step=9, data=bytes(range(18)))
        taken = []
        for _ in range(100):  # until discovery has matched them (each wait is 0.1 s at most)
            publisher.publish(sent)
            if wait_any([images], 0.1) and (taken := images.take()):
                break
        assert taken and bytes(taken[-1].data) == bytes(range(18))
    finally:
        own.close()
        node.destroy_node()
    assert not own.context.ok()


@pytest.mark.parametrize("reliable", [True, False])
def test_joint_states_are_heard_from_a_reliable_or_a_best_effort_driver(context, reliable):
    """The joint states are read best effort (a reliable reader holds every later sample back
    until a lost one is answered for): that also hears a driver publishing best effort, which
    a reliable reader never matches."""
    from rclpy.qos import qos_profile_sensor_data
    from sensor_msgs.msg import JointState

    from robots.joint_state_watch import JointStateWatch
    from robots.sampled_topic import sampling_node

    node = rclpy.create_node("agent", context=context)
    driver = rclpy.create_node("driver", context=context)
    watch = JointStateWatch(node, sampling_node(node, "robot_state"), "/joint_states",
                            ("j1",), lost_after=0.45, tick=0.02)
    spinner = Spinner(node)
    publisher = driver.create_publisher(JointState, "/joint_states",
                                        10 if reliable else qos_profile_sensor_data)
    try:
        for _ in range(500):  # until discovery has matched them (each wait is 0.02 s at most)
            message = JointState(name=["j1"], position=[0.25], velocity=[0.0])
            message.header.stamp = driver.get_clock().now().to_msg()
            publisher.publish(message)
            if watch.wait_for(["j1"], 0.02):
                break
        assert watch.has(["j1"]) and watch.values(["j1"])[0][0] == 0.25
    finally:
        spinner.close()
        node.destroy_node()
        driver.destroy_node()
