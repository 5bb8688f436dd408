"""Ending the server processes tests start."""
import subprocess


def terminate(process: subprocess.Popen) -> None:
    """SIGTERM, then a kill if it has not ended within 10 s."""
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
