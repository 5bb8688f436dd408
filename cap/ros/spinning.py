"""Spinning rclpy executors on background threads, and stopping them without noise."""
from __future__ import annotations

import threading


def start_spinning(executor) -> threading.Thread:
    def spin() -> None:
        from rclpy.executors import ExternalShutdownException
        try:
            executor.spin()
        except ExternalShutdownException:  # rclpy was shut down: the process is ending
            pass

    thread = threading.Thread(target=spin, name="rclpy-spin", daemon=True)
    thread.start()
    return thread


def stop_spinning(executor, thread: threading.Thread) -> None:
    executor.shutdown(timeout_sec=2)
    thread.join(timeout=5)
