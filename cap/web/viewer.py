"""The live view to each browser: a frame is sent when there is a new one (nothing while the
table stands still), at most at the rate the viewer asked for, the same bytes to everyone."""
from __future__ import annotations

import asyncio

from starlette.websockets import WebSocket

from cap.hub import FRAME_PERIOD, Hub


class Feed:
    """New frames from the hub's thread, told to viewers on the event loop."""

    def __init__(self, hub: Hub, loop: asyncio.AbstractEventLoop) -> None:
        self.hub, self.version, self.changed = hub, 1, asyncio.Event()
        self.close = hub.on_frame(lambda: loop.call_soon_threadsafe(self._advance))

    def _advance(self) -> None:
        self.version += 1
        self.changed.set()
        self.changed = asyncio.Event()  # waiters of the set one wake; later ones wait anew

    async def newer_than(self, version: int) -> int:
        """The current version, once it differs from `version`."""
        while self.version == version:
            await self.changed.wait()
        return self.version


class Viewer:
    """One browser's view: its asked frame rate, and the loop that sends it frames."""

    def __init__(self) -> None:
        self.period = FRAME_PERIOD
        self.resumed = asyncio.Event()
        self.resumed.set()

    def set_rate(self, fps: float) -> None:
        """Frames per second; 0 pauses the view (a hidden tab)."""
        if fps == 0:
            self.resumed.clear()
            return
        self.period = max(FRAME_PERIOD, 1 / fps)
        self.resumed.set()

    async def run(self, websocket: WebSocket, feed: Feed) -> None:
        """Each new frame; on each new look, its image and then its objects (a "look"
        event), so the panel and the picture always agree."""
        version, look_event, loop = 0, None, asyncio.get_running_loop()
        while True:
            await self.resumed.wait()
            version = await feed.newer_than(version)
            frames, started = feed.hub.frames, loop.time()
            await websocket.send_bytes(frames.view)
            if frames.look_event is not look_event:
                look_event = frames.look_event
                if frames.look:
                    await websocket.send_bytes(frames.look)
                await websocket.send_text(look_event)
            await asyncio.sleep(self.period - (loop.time() - started))  # from this send's start
