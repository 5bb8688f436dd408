"""`cap ros sim`'s camera in a process of its own, as a real camera has its own driver.

PyBullet renders a frame in about 35 ms of CPU (over half a second on a busy machine), all of
it holding the interpreter: in the physics process the joint states would stop as long, and a
robot whose joint states stop is a lost robot. The camera process keeps its own copy of the
table, posed as the physics process tells it (the arm's joints, each finger's opening, each
object's position and yaw), and renders that; the physics process publishes the frame with
the stamp of the moment it shows.

    python -m cap.ros.sim_camera '{"spec": {...}, "robot": "panda", "urdf": ""}'

reads one pose per line on stdin (JSON) and answers each with a line of JSON (height, width,
intrinsics) followed by the colour (uint8 RGB) and depth (float32 metres) pixels.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from dataclasses import asdict

import numpy as np


class CameraProcess:
    """The camera copy of a scene, one frame rendered at a time. A thread of its own reads the
    frames, so the physics thread never waits for a frame's bytes."""

    def __init__(self, spec, robot: str = "panda", urdf: str = "") -> None:
        setup = json.dumps({"spec": asdict(spec), "robot": robot, "urdf": urdf})
        self.process = subprocess.Popen([sys.executable, "-m", "cap.ros.sim_camera", setup],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.pending = None  # the stamp of the pose being rendered
        self._finished = None  # a frame read, not yet taken
        self._lock = threading.Lock()
        threading.Thread(target=self._read_frames, name="camera-frames", daemon=True).start()

    def exchange(self, stamp, pose: dict):
        """(stamp, (rgb, depth, intrinsics)) of a frame finished since the last call, else
        None; `pose` (at `stamp`) is sent for the next frame whenever the camera is free."""
        with self._lock:
            frame, self._finished = self._finished, None
        finished = None
        if frame is not None:
            finished, self.pending = (self.pending, frame), None
        if self.pending is None:
            self.process.stdin.write((json.dumps(pose) + "\n").encode())
            self.process.stdin.flush()
            self.pending = stamp
        return finished

    def _read_frames(self) -> None:
        while (header := self.process.stdout.readline()):  # empty: the process ended
            frame = self._read(json.loads(header))
            with self._lock:
                self._finished = frame

    def _read(self, header: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        height, width = header["height"], header["width"]
        rgb = np.frombuffer(self.process.stdout.read(height * width * 3), np.uint8)
        depth = np.frombuffer(self.process.stdout.read(height * width * 4), np.float32)
        return (rgb.reshape(height, width, 3), depth.reshape(height, width),
                np.array(header["intrinsics"]))

    def close(self) -> None:
        try:
            self.process.stdin.close()
            self.process.wait(5)
        except (OSError, subprocess.TimeoutExpired):
            self.process.kill()


def serve(setup: dict, requests, answers) -> None:
    """Render the table posed as each request says, until the requests end."""
    from cap.ros.description import model_from_file
    from robots.arm_models import ARM_MODELS
    from sim.scene import SceneSpec
    from sim.tabletop import Tabletop

    spec = SceneSpec(**{k: tuple(v) if isinstance(v, list) else v
                        for k, v in setup["spec"].items()})
    arm = ARM_MODELS[setup["robot"]]
    table = Tabletop(spec, arm=model_from_file(arm, setup["urdf"]) if setup["urdf"] else arm)
    for line in requests:
        pose = json.loads(line)
        table.arm.reset(pose["arm"], pose["opening"])
        for name, (position, yaw) in pose["objects"].items():
            if name in table.scene.objects:
                table.scene.place(name, position, yaw)
        frame = table.camera.render()
        height, width = frame.depth.shape
        answers.write(json.dumps({"height": height, "width": width,
                                  "intrinsics": frame.intrinsics.tolist()}).encode() + b"\n")
        answers.write(np.ascontiguousarray(frame.rgb, np.uint8).tobytes())
        answers.write(np.ascontiguousarray(frame.depth, np.float32).tobytes())
        answers.flush()


if __name__ == "__main__":
    answers = os.fdopen(os.dup(1), "wb")  # the frames; anything a library prints goes to stderr
    os.dup2(2, 1)
    serve(json.loads(sys.argv[1]), sys.stdin, answers)
