"""`cap ros sim` and `cap ros agent` as separate processes talking real DDS, each test on a
ROS_DOMAIN_ID of its own with localhost-only discovery; the test watches and commands through
rclpy. Tests wait for conditions (an event, a message, a state), never for a fixed time."""
from __future__ import annotations

import fcntl
import itertools
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

rclpy = pytest.importorskip("rclpy")

os.environ.setdefault("ROS_AUTOMATIC_DISCOVERY_RANGE", "LOCALHOST")  # this process's contexts
# the domain ids whose DDS ports lie outside Linux's ephemeral range (ROS 2's documentation)
DOMAINS = (*range(1, 102), *range(215, 233))
LOCKS = Path(tempfile.gettempdir()) / "cap-ros-domains"
_claims = itertools.count()


@contextmanager
def claimed_domain() -> Iterator[int]:
    """A domain id no other process on this machine holds while the context lasts (a lock
    file per id: concurrent test runs and benchmarks never share one)."""
    LOCKS.mkdir(exist_ok=True)
    # concurrent runs start apart, so they rarely contend; each claim in a run takes the next
    # id, so nothing one test left in the graph meets the next
    start = (os.getpid() + next(_claims)) % len(DOMAINS)
    for domain in DOMAINS[start:] + DOMAINS[:start]:
        with open(LOCKS / f"{domain}.lock", "w") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue
            yield domain
            return
    raise RuntimeError("every ROS domain id is taken on this machine")


def ros_env(domain: int, **extra) -> dict:
    return {**os.environ, "ROS_DOMAIN_ID": str(domain),
            "ROS_AUTOMATIC_DISCOVERY_RANGE": "LOCALHOST", **extra}


def eventually(predicate, timeout: float = 10.0, what: str = "the condition"):
    """Wait for `predicate()` to hold (checked every 10 ms) and return its value."""
    deadline = time.monotonic() + timeout
    while not (value := predicate()):
        assert time.monotonic() < deadline, f"{what} did not come within {timeout} s"
        time.sleep(0.01)
    return value


class Graph:
    """The test's own node: publishes commands, records status, markers and what reached the
    arm controller (trajectories on its topic, goals of its action by id)."""

    def __init__(self, domain: int) -> None:
        from action_msgs.msg import GoalStatusArray
        from cap_msgs.action import Command
        from rclpy.action import ActionClient
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
        self.objects_received = 0.0  # monotonic time of the last /sim/objects
        self.changed = threading.Condition()
        self.commands = self.node.create_publisher(String, "/cap/command", 10)
        self.node.create_subscription(String, "/cap/status", self._status, 50)
        self.node.create_subscription(JointTrajectory, "/arm_controller/joint_trajectory",
                                      lambda m: self._record(self.trajectories.append, m), 50)
        self.node.create_subscription(
            GoalStatusArray, "/arm_controller/follow_joint_trajectory/_action/status",
            lambda m: self._record(self.goals.update, [bytes(s.goal_info.goal_id.uuid)
                                                       for s in m.status_list]), 50)
        self.node.create_subscription(MarkerArray, "/sim/objects", self._markers, 5)
        self.stop_client = self.node.create_client(Trigger, "/cap/stop")
        self.command_client = ActionClient(self.node, Command, "/cap/command_action")
        self.confirm_client = self.node.create_client(Trigger, "/cap/confirm")
        self.executor = SingleThreadedExecutor(context=self.context)
        self.executor.add_node(self.node)
        self.thread = threading.Thread(target=self.executor.spin, daemon=True)
        self.thread.start()

    def _record(self, add, value) -> None:
        with self.changed:
            add(value)
            self.changed.notify_all()

    def sent(self) -> int:
        """Trajectories that reached the arm controller, by topic or action."""
        with self.changed:
            return len(self.trajectories) + len(self.goals)

    def _status(self, message) -> None:
        self._record(self.events.append, {**json.loads(message.data),
                                          "received": time.monotonic()})

    def _markers(self, message) -> None:
        objects = {m.ns: [m.pose.position.x, m.pose.position.y, m.pose.position.z]
                   for m in message.markers}
        with self.changed:
            self.objects, self.objects_received = objects, time.monotonic()
            self.changed.notify_all()

    def until(self, predicate, timeout: float, what: str):
        """Block until `predicate()` (called under the graph's lock) holds; its value."""
        with self.changed:
            value = self.changed.wait_for(predicate, timeout)
            if not value:
                raise AssertionError(f"no {what} within {timeout} s; events: {self.events}")
            return value

    def send(self, command: str) -> None:
        from std_msgs.msg import String
        self.commands.publish(String(data=command))

    def wait_for(self, predicate, timeout: float = 60.0, what: str = "event") -> dict:
        return self.until(lambda: next((e for e in self.events if predicate(e)), None),
                          timeout, what)

    def ended(self) -> list[dict]:
        """The done events so far."""
        with self.changed:
            return [e for e in self.events if e["event"] == "done"]

    def done(self, timeout: float = 60.0, count: int = 1) -> list[dict]:
        return self.until(lambda: len(self.ended()) >= count and self.ended(), timeout,
                          f"{count} done events")

    def objects_after(self, moment: float, timeout: float = 10.0) -> dict:
        """The first /sim/objects received after monotonic time `moment`."""
        return self.until(lambda: self.objects_received > moment and self.objects, timeout,
                          "/sim/objects")

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
        from robots.ros2_messages import wait_future
        assert wait_future(future, timeout), f"no answer within {timeout} s"
        return future.result()

    def close(self) -> None:
        self.executor.shutdown()
        self.node.destroy_node()
        rclpy.shutdown(context=self.context)


SCENE = ("--blocks", "red,green", "--bowls", "blue", "--seed", "3")


def start_sim(domain: int, log: Path, *flags: str, scene: tuple[str, ...] = SCENE):
    """`cap ros sim` as a process (stderr to `log`)."""
    return subprocess.Popen([sys.executable, "-m", "cap", "ros", "sim", *scene, *flags],
                            env=ros_env(domain), stdout=subprocess.DEVNULL,
                            stderr=log.open("w"))


def interrupt(*processes: subprocess.Popen) -> None:
    """SIGINT (as Ctrl-C would), then a kill for any that has not ended within 10 s."""
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
    for process in processes:
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class Robot:
    """The two processes, started as a lab would: the simulated robot, and once it is up the
    agent (with the scripted model); `graph` watches."""

    def __init__(self, domain: int, llm_url: str, tmp: Path, graph: Graph, *agent_flags: str,
                 sim_flags: tuple[str, ...] = (), scene: tuple[str, ...] = SCENE,
                 timeout: float = 120.0) -> None:
        self.sim_log, self.agent_log = tmp / "sim.log", tmp / "agent.log"
        self.sim = start_sim(domain, self.sim_log, *sim_flags, scene=scene)
        self.agent = None
        try:
            self._until(lambda: graph.objects, self.sim, self.sim_log, timeout)
            self.agent = subprocess.Popen(
                [sys.executable, "-m", "cap", "ros", "agent", "--llm", "openai:scripted",
                 "--no-cache", *scene, *agent_flags],
                env=ros_env(domain, OPENAI_BASE_URL=llm_url, OPENAI_API_KEY="test"),
                stdout=subprocess.DEVNULL, stderr=self.agent_log.open("w"))
            self._until(lambda: graph.node.count_subscribers("/cap/command"), self.agent,
                        self.agent_log, timeout)
        except BaseException:
            self.close()
            raise

    @staticmethod
    def _until(ready, process: subprocess.Popen, log: Path, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not ready():
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError(f"{log.stem} did not come up: {log.read_text()[-3000:]}")
            time.sleep(0.05)

    def close(self) -> None:
        interrupt(*(p for p in (self.agent, self.sim) if p is not None))


@pytest.fixture
def domain() -> Iterator[int]:
    with claimed_domain() as claimed:
        yield claimed


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
    started = Robot(domain, llm_server.base_url, tmp_path, graph, *robot_flags,
                    sim_flags=tuple(sim_flags))
    try:
        yield started
    finally:
        started.close()
        report(started, llm_server)


def report(robot: Robot, llm_server) -> None:
    """What a failed test needs (pytest shows it then): why programs were repaired, and the
    ends of both logs."""
    for body in llm_server.requests:
        for message in body["messages"]:
            if "That program failed" in str(message.get("content")):
                print("repaired after:", message["content"][:1000])
    for log in (robot.agent_log, robot.sim_log):
        print(f"--- {log.name} ---\n{log.read_text()[-3000:]}")
