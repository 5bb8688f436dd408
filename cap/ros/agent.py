"""`cap ros agent`: commands over ROS 2 to the LMP engine, on a robot behind ROS 2.

/cap/command (std_msgs/String) queues a command, and so does a goal of the /cap/command_action
action (cap_msgs/action/Command: its events come back as feedback, how it ended as the
result; cancelling the goal stops the command, or drops it from the queue); commands run one
at a time, first in first out. /cap/status carries one JSON object per event: accepted,
program, said, confirm (when the operator must approve: /cap/confirm), done (with ok, error
and its kind). /cap/said repeats said messages. /cap/stop (std_srvs/Trigger) kills the
running program, the robot holds, and the queued commands end as cancelled (each with its own
done event).
"""
from __future__ import annotations

import itertools
import json
import queue
import threading
import time
from typing import Callable

from cap.config import SessionConfig
from cap.errors import error_kind
from cap.ros.messages import Topics
from cap.ros.parameters import declare

PARAMETERS = {  # name -> default; the cell's are in cap.ros.bringup
    "confirm": False, "llm": "", "no_cache": False, "confirm_timeout": 120.0, "rehearse": True,
}


class Agent:
    """Queue and status of one session on a ROS 2 robot; `node` is spun elsewhere.
    `open_session(confirm)` makes the session, with `confirm` to gate each program (or
    None when the operator need not confirm)."""

    def __init__(self, node, open_session, topics: Topics, confirm: bool = False,
                 confirm_timeout: float = 120.0) -> None:
        from std_msgs.msg import String
        from std_srvs.srv import Trigger

        self.node = node
        self.jobs: queue.Queue = queue.Queue()
        self.skipped: set[int] = set()  # queued jobs cancelled before they started
        self.watchers: dict[int, Callable[[str, dict], None]] = {}  # job id -> its action goal
        self.ids = itertools.count(1)
        self.running: int | None = None
        self.cancel_lock = threading.Lock()
        self.confirmed = threading.Event()
        self.confirm_timeout = confirm_timeout
        self.status = node.create_publisher(String, topics.status, 50)
        self.said = node.create_publisher(String, topics.said, 50)
        node.create_subscription(String, topics.command,
                                 lambda message: self.submit(message.data), 50)
        node.create_service(Trigger, topics.stop, self._on_stop)
        node.create_service(Trigger, topics.confirm, self._on_confirm)
        self.session = open_session(self._wait_for_confirmation if confirm else None)
        self.session.subscribe(on_said=self._on_say, on_program=lambda program: self.publish(
            "program", id=self.running, lmp=program["lmp"], query=program["query"],
            code=program["code"]))
        self.thread = threading.Thread(target=self._run, name="cap-agent", daemon=True)
        self.command_action = command_server(node, self, topics.command_action)

    def start(self) -> None:
        self.thread.start()

    def publish(self, event: str, **fields) -> None:
        from std_msgs.msg import String
        self.status.publish(String(data=json.dumps({"event": event, **fields, "time": time.time()},
                                                   default=str)))
        watcher = self.watchers.get(fields.get("id"))
        if watcher:
            watcher(event, fields)

    def submit(self, command: str, watcher: Callable[[str, dict], None] | None = None) -> int:
        """Queue a command; `watcher(event, fields)` hears its events, "done" last."""
        job = (next(self.ids), " ".join(command.split()))
        if watcher:
            self.watchers[job[0]] = watcher
        with self.cancel_lock:  # "accepted" goes out before the session thread can take it
            self.publish("accepted", id=job[0], command=job[1], queued=self.jobs.qsize() + 1)
            self.jobs.put(job)
        return job[0]

    def cancel(self, job_id: int) -> None:
        """Stop the job if it runs (the robot holds), or drop it from the queue."""
        with self.cancel_lock:
            if self.running == job_id:
                self.session.stop()
                return
            if job_id in self.skipped:
                return
            self.skipped.add(job_id)
        self.publish("done", id=job_id, ok=False, error="cancelled before it started")

    # --- ROS callbacks ---------------------------------------------------------------------
    def _on_stop(self, request, response):
        with self.cancel_lock:
            self.session.stop()
        self._cancel_queue("cancelled by /cap/stop before it started")
        response.success, response.message = True, "stopped; the robot is holding"
        return response

    def _cancel_queue(self, reason: str) -> None:
        """End every queued command with `reason`, each with its own done event."""
        with self.cancel_lock:
            cancelled = []
            while not self.jobs.empty():
                cancelled.append(self.jobs.get_nowait())
        for job_id, command in cancelled:
            if job_id not in self.skipped:
                self.publish("done", id=job_id, command=command, ok=False, error=reason)

    def _on_confirm(self, request, response):
        self.confirmed.set()
        response.success, response.message = True, "confirmed"
        return response

    def _on_say(self, message: str) -> None:
        from std_msgs.msg import String
        self.said.publish(String(data=message))
        self.publish("said", id=self.running, message=message)

    def _wait_for_confirmation(self, code: str) -> bool:
        self.confirmed.clear()
        self.publish("confirm", id=self.running, code=code,
                     message="rehearsal passed; call /cap/confirm to run it on the robot")
        return self.confirmed.wait(self.confirm_timeout)

    # --- the session thread ----------------------------------------------------------------
    def _run(self) -> None:
        while True:
            job_id, command = self.jobs.get()
            with self.cancel_lock:
                if job_id in self.skipped:
                    continue
                self.running = job_id
            started = time.perf_counter()
            kind = None
            try:
                outcome = self.session.command(command)
                ok, error, kind = outcome.ok, outcome.error, outcome.error_kind
            except Exception as error_:  # the agent must outlive anything one command does
                ok, error, kind = False, f"{type(error_).__name__}: {error_}", error_kind(error_)
            self.publish("done", id=job_id, command=command, ok=ok, error=error, error_kind=kind,
                         seconds=round(time.perf_counter() - started, 3))
            robot_failed = kind == "robot"
            self.running = None
            if robot_failed:  # the robot cannot move: the queue would fail the same way
                self._cancel_queue(f"cancelled: the robot cannot move ({error})")


def command_server(node, agent: Agent, name: str):
    """The Command action on `name`, or None where cap_msgs is not built. A goal waits for its
    job as a coroutine, so the executor's one thread stays free."""
    try:
        from cap_msgs.action import Command
    except ImportError:
        return None
    from rclpy.action import ActionServer, CancelResponse
    from rclpy.task import Future

    jobs: dict[bytes, int] = {}  # goal id -> job id

    async def execute(handle):
        ended, said = Future(), []

        def watch(event: str, fields: dict) -> None:  # from the session thread
            if event == "done":
                ended.set_result(fields)
                if node.executor is not None:
                    node.executor.wake()  # resume this coroutine
                return
            if event == "said":
                said.append(fields["message"])
            text = fields.get("message") or fields.get("code") or fields.get("command") or ""
            handle.publish_feedback(Command.Feedback(event=event, text=str(text)))

        goal = bytes(handle.goal_id.uuid)
        jobs[goal] = agent.submit(handle.request.command, watch)
        if handle.is_cancel_requested:  # cancelled while the goal was being accepted
            agent.cancel(jobs[goal])
        fields = await ended
        agent.watchers.pop(jobs.pop(goal), None)
        return finish(handle, Command.Result(
            ok=bool(fields.get("ok")), error=fields.get("error") or "",
            error_kind=fields.get("error_kind") or "", said=said,
            seconds=float(fields.get("seconds") or 0.0)))

    def cancel(handle):
        job = jobs.get(bytes(handle.goal_id.uuid))
        if job is not None:
            agent.cancel(job)
        return CancelResponse.ACCEPT

    return ActionServer(node, Command, name, execute, cancel_callback=cancel)


def finish(handle, result):
    """End the goal as cancelled, succeeded or aborted, by how its command ended."""
    if handle.is_cancel_requested:
        handle.canceled()
    elif result.ok:
        handle.succeed()
    else:
        handle.abort()
    return result


def publish_diagnostics(node, arm, period: float = 1.0) -> None:
    """The arm's health on /diagnostics (diagnostic_msgs/DiagnosticArray) every `period` s."""
    from diagnostic_msgs.msg import DiagnosticArray, DiagnosticStatus, KeyValue
    publisher = node.create_publisher(DiagnosticArray, "/diagnostics", 10)
    levels = {"ok": DiagnosticStatus.OK, "warn": DiagnosticStatus.WARN,
              "error": DiagnosticStatus.ERROR}

    def publish() -> None:
        level, facts = arm.health()
        status = DiagnosticStatus(level=levels[level], name="cap: arm", hardware_id="cap",
                                  message=level,
                                  values=[KeyValue(key=k, value=v) for k, v in facts.items()])
        array = DiagnosticArray(status=[status])
        array.header.stamp = node.get_clock().now().to_msg()
        publisher.publish(array)
    node.create_timer(period, publish)


def main(settings: SessionConfig, llm: str | None, no_cache: bool, confirm: bool,
         robot: str, ros_args: list[str]) -> None:
    """Run the agent until interrupted: its parameters, the robot, the session, the queue,
    all on one node spun by the process's one executor. Flags (`llm`, `no_cache`, `confirm`)
    win over the node's parameters; `robot` names the arm's parameter set (the `robot`
    parameter wins over it)."""
    import rclpy

    from cap.llm.registry import load_model
    from cap.ros.bringup import NODE_NAME, cell_from_parameters
    from cap.ros.parameters import declare_topics
    from cap.ros.spinning import Spinner
    from cap.session import Session

    rclpy.init(args=["cap", *ros_args])
    node = rclpy.create_node(NODE_NAME)
    spinner = Spinner(node)
    session = None
    try:
        params = declare(node, PARAMETERS)
        cell = cell_from_parameters(node, robot)
        model = load_model(llm or params["llm"] or None,
                           cache=not (no_cache or params["no_cache"]))
        agent = Agent(node, lambda gate: Session(settings, model, cell=cell,
                                                 rehearse=params["rehearse"], confirm=gate),
                      declare_topics(node), confirm=confirm or params["confirm"],
                      confirm_timeout=params["confirm_timeout"])
        session = agent.session
        agent.start()
        publish_diagnostics(node, cell.arm)
        node.get_logger().info("cap ros agent: ready for /cap/command and /cap/command_action")
        spinner.thread.join()  # until rclpy shuts down (SIGINT, SIGTERM)
    except KeyboardInterrupt:
        pass
    finally:
        if session is not None:
            session.stop()
        spinner.close()
        if session is not None:
            session.close()
        rclpy.try_shutdown()
