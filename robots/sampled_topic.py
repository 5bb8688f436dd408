"""A topic read when wanted: its subscription lives on a node no executor spins, so a fast
topic (joint states at 200-1000 Hz, camera images) wakes nobody between reads.

rclpy spends about half a millisecond of CPU per message it delivers to a callback; at a
driver's rates that alone would keep the agent busy while idle. Here DDS keeps the newest
`depth` messages and `take()` returns them; `wait_any()` blocks on a wait set of its own.

A process's sampled topics share its DDS participant, and with it the queue and the thread
that receive everything. Topics that flood (a camera's images, tens of MB/s) get a
participant of their own (`OwnParticipant`), and states read as their newest sample are read
best effort (`newest_only`): on a busy 2-core machine `cap ros agent` once went a second
without a new joint state while the simulator sent one every 5 ms (a third process heard
them all).
"""
from __future__ import annotations

import threading


def newest_only():
    """The QoS for a state read as its newest sample (joint states, speed scaling): keep one,
    best effort, as MoveIt reads /joint_states. A reliable reader delivers in order, so one
    sample lost on the way (a full receive queue) holds back every later one until the
    writer answers for it; a best-effort one just takes the next."""
    from rclpy.qos import HistoryPolicy, QoSProfile, ReliabilityPolicy
    return QoSProfile(depth=1, history=HistoryPolicy.KEEP_LAST,
                      reliability=ReliabilityPolicy.BEST_EFFORT)


def sampling_node(node, purpose: str):
    """A node beside `node` (same context) for sampled topics; nothing spins it."""
    import rclpy
    return rclpy.create_node(f"{node.get_name()}_{purpose}", context=node.context,
                             start_parameter_services=False)


class OwnParticipant:
    """A node for sampled topics in a context of its own, on `node`'s domain: its own DDS
    participant, so what it receives shares no queue or thread with `node`'s. Nothing spins
    it; `close()` ends the context."""

    def __init__(self, node, purpose: str) -> None:
        import rclpy
        self.context = rclpy.Context()
        rclpy.init(args=[], context=self.context, domain_id=node.context.get_domain_id())
        self.node = rclpy.create_node(f"{node.get_name()}_{purpose}", context=self.context,
                                      start_parameter_services=False)

    def close(self) -> None:
        import rclpy
        self.node.destroy_node()
        rclpy.try_shutdown(context=self.context)


class SampledTopic:
    """`message_type` on `topic`, the newest `qos` keeps taken on demand."""

    def __init__(self, sampler, message_type, topic: str, qos) -> None:
        self.type, self.context = message_type, sampler.context
        self.subscription = sampler.create_subscription(message_type, topic, lambda _: None,
                                                        qos)
        self._taking = threading.Lock()

    def take(self) -> list:
        """Every message DDS holds for this subscription, oldest first (from any thread)."""
        taken, handle = [], self.subscription.handle
        with self._taking, handle:
            while (message := handle.take_message(self.type, False)) is not None:
                taken.append(message[0])
        return taken

    def newest(self, default=None):
        """The newest message DDS holds, or `default` when it holds none."""
        return (self.take() or [default])[-1]


def wait_any(topics: list[SampledTopic], timeout: float) -> bool:
    """Block until one of `topics` (of one context) holds a message (or `timeout` seconds
    pass); whether one does. Call it from one thread at a time, and never for a topic another
    thread takes."""
    from rclpy.impl.implementation_singleton import rclpy_implementation as _rclpy

    wait_set = _rclpy.WaitSet(len(topics), 0, 0, 0, 0, 0, topics[0].context.handle)
    wait_set.clear_entities()
    for topic in topics:
        wait_set.add_subscription(topic.subscription.handle)
    wait_set.wait(int(timeout * 1e9))
    return bool(wait_set.get_ready_entities("subscription"))
