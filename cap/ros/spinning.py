"""The one executor of a process, spun on a thread of its own and stopped without noise."""
from __future__ import annotations

import threading


class Spinner:
    """`node` spun by a single-threaded executor on a daemon thread: every callback of the
    process runs there in turn, so none may block (a long wait is a coroutine)."""

    def __init__(self, node) -> None:
        from rclpy.executors import SingleThreadedExecutor

        self.executor = SingleThreadedExecutor(context=node.context)
        self.executor.add_node(node)
        self.thread = threading.Thread(target=self._spin, name="rclpy-spin", daemon=True)
        self.thread.start()

    def _spin(self) -> None:
        from rclpy.executors import ExternalShutdownException
        try:
            self.executor.spin()
        except ExternalShutdownException:  # rclpy was shut down: the process is ending
            pass

    def close(self) -> None:
        self.executor.shutdown(timeout_sec=2)
        self.thread.join(timeout=5)
