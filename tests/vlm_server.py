"""The scripted vision model the tests talk to (it lives in cap: the benchmark uses it too),
and the simulator's ground truth it answers from."""
from cap.llm.scripted_vision import ScriptedVision
from sim.image_truth import objects_in_image


def serve_table(table, **options) -> ScriptedVision:
    """A scripted vision model answering about `table` as its perception camera sees it."""
    size = (table.camera.config.width, table.camera.config.height)
    return ScriptedVision(lambda: objects_in_image(table.scene, table.camera), size, **options)


__all__ = ["ScriptedVision", "serve_table"]
