"""`cap ros sim` and `cap ros agent` as separate processes talking real DDS, each test on its
own ROS_DOMAIN_ID with localhost-only discovery; the test watches and commands through rclpy."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

rclpy = pytest.importorskip("rclpy")

_domains = iter(range(100 + os.getpid() % 60, 232))


def ros_env(domain: int, **extra) -> dict:
    return {**os.environ, "ROS_DOMAIN_ID": str(domain), "ROS_LOCALHOST_ONLY": "1",
            "ROS_AUTOMATIC_DISCOVERY_RANGE": "LOCALHOST", **extra}


class Graph:
    """The test's own node: publishes commands, records status, markers and what reached the
    arm controller (trajectories on its topic, goals of its action by id)."""

    def __init__(self, domain: int) -> None:
        from rclpy.executors import SingleThreadedExecutor
        from std_msgs.msg import String
        from std_srvs.srv import Trigger
        from trajectory_msgs.msg import JointTrajectory
        from visualization_msgs.msg import MarkerArray

        self.context = rclpy.Context()
        rclpy.init(context=self.context, domain_id=domain)
        self.node = rclpy.create_node("cap_test", context=self.context)
        self.events: list[dict] = []
        self.trajectories: list = []
        self.goals: set[bytes] = set()
        self.objects: dict[str, list[float]] = {}
        self.lock = threading.Lock()
        self.commands = self.node.create_publisher(String, "/cap/command", 10)
        self.node.create_subscription(String, "/cap/status", self._status, 50)
        self.node.create_subscription(JointTrajectory, "/arm_controller/joint_trajectory",
                                      lambda m: self.trajectories.append(m), 50)
        from action_msgs.msg import GoalStatusArray
        self.node.create_subscription(
            GoalStatusArray, "/arm_controller/follow_joint_trajectory/_action/status",
            lambda m: self.goals.update(bytes(s.goal_info.goal_id.uuid) for s in m.status_list),
            50)
        self.node.create_subscription(MarkerArray, "/sim/objects", self._markers, 5)
        self.stop_client = self.node.create_client(Trigger, "/cap/stop")
        from cap_msgs.action import Command
        from rclpy.action import ActionClient
        self.command_client = ActionClient(self.node, Command, "/cap/command_action")
        self.confirm_client = self.node.create_client(Trigger, "/cap/confirm")
        self.executor = SingleThreadedExecutor(context=self.context)
        self.executor.add_node(self.node)
        self.thread = threading.Thread(target=self.executor.spin, daemon=True)
        self.thread.start()

    def sent(self) -> int:
        """Trajectories that reached the arm controller, by topic or action."""
        return len(self.trajectories) + len(self.goals)

    def _status(self, message) -> None:
        with self.lock:
            self.events.append({**json.loads(message.data), "received": time.monotonic()})

    def _markers(self, message) -> None:
        with self.lock:
            self.objects = {m.ns: [m.pose.position.x, m.pose.position.y, m.pose.position.z]
                            for m in message.markers}

    def send(self, command: str) -> None:
        from std_msgs.msg import String
        self.commands.publish(String(data=command))

    def wait_for(self, predicate, timeout: float = 60.0, what: str = "event"):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                found = [e for e in self.events if predicate(e)]
            if found:
                return found[0]
            time.sleep(0.02)
        raise AssertionError(f"no {what} within {timeout} s; events: {self.events}")

    def ended(self) -> list[dict]:
        """The done events so far."""
        with self.lock:
            return [e for e in self.events if e["event"] == "done"]

    def done(self, timeout: float = 60.0, count: int = 1) -> list[dict]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            finished = self.ended()
            if len(finished) >= count:
                return finished
            time.sleep(0.02)
        raise AssertionError(f"{count} done events expected; events: {self.events}")

    def stop(self) -> None:
        self.trigger(self.stop_client)

    def confirm(self) -> None:
        self.trigger(self.confirm_client)

    def trigger(self, client) -> None:
        from std_srvs.srv import Trigger
        assert client.wait_for_service(timeout_sec=10)
        assert self.result(client.call_async(Trigger.Request()), 10).success

    @staticmethod
    def result(future, timeout: float = 60.0):
        """A service's or an action's answer, which the graph's executor fills in."""
        deadline = time.monotonic() + timeout
        while not future.done():
            assert time.monotonic() < deadline, f"no answer within {timeout} s"
            time.sleep(0.01)
        return future.result()

    def close(self) -> None:
        self.executor.shutdown()
        self.node.destroy_node()
        rclpy.shutdown(context=self.context)


class Robot:
    """The two processes: the simulated robot and the agent (with the scripted model)."""

    def __init__(self, domain: int, llm_url: str, tmp: Path, *agent_flags: str,
                 sim_flags: tuple[str, ...] = ()) -> None:
        env = ros_env(domain, OPENAI_BASE_URL=llm_url, OPENAI_API_KEY="test")
        scene = ["--blocks", "red,green", "--bowls", "blue", "--seed", "3"]
        self.sim_log, self.agent_log = tmp / "sim.log", tmp / "agent.log"
        self.sim = subprocess.Popen([sys.executable, "-m", "cap", "ros", "sim", *scene, *sim_flags],
                                    env=env,
                                    stdout=subprocess.DEVNULL, stderr=self.sim_log.open("w"))
        self.agent = subprocess.Popen(
            [sys.executable, "-m", "cap", "ros", "agent", "--llm", "openai:scripted",
             "--no-cache", *scene, *agent_flags], env=env, stdout=subprocess.DEVNULL,
            stderr=self.agent_log.open("w"))

    def wait_for_agent(self, graph: Graph, timeout: float = 60.0) -> None:
        """Until the agent takes commands and the sim publishes its objects."""
        deadline = time.monotonic() + timeout
        while graph.node.count_subscribers("/cap/command") == 0 or not graph.objects:
            if time.monotonic() > deadline or self.agent.poll() is not None:
                raise RuntimeError(f"agent did not come up: {self.agent_log.read_text()[-3000:]}")
            time.sleep(0.1)

    def close(self) -> None:
        for process in (self.agent, self.sim):
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
        for process in (self.agent, self.sim):
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()


@pytest.fixture
def domain() -> int:
    return next(_domains)


@pytest.fixture
def graph(domain):
    watcher = Graph(domain)
    yield watcher
    watcher.close()


@pytest.fixture
def robot_flags() -> list[str]:
    return []


@pytest.fixture
def sim_flags() -> list[str]:
    return []


@pytest.fixture
def robot(domain, llm_server, tmp_path, graph, robot_flags, sim_flags):
    started = Robot(domain, llm_server.base_url, tmp_path, *robot_flags,
                    sim_flags=tuple(sim_flags))
    started.wait_for_agent(graph)
    yield started
    started.close()
