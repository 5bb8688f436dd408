"""Tasks with objects that are not blocks or bowls, and their benchmark trials with a scripted
vision model naming the objects from pixels."""
import numpy as np
import pytest

from cap.bench.tabletop import TrialSpec, run_trial, summarize
from sim.tasks import ALL_CATEGORIES, CATEGORIES, OBJECT_CATEGORIES


def test_object_tasks_stand_apart_from_the_22_and_keep_their_seeds():
    assert len(CATEGORIES) == 22 and set(OBJECT_CATEGORIES).isdisjoint(CATEGORIES)
    assert list(ALL_CATEGORIES)[:22] == list(CATEGORIES)
    assert all(task.paper_rate is None for task in OBJECT_CATEGORIES.values())


@pytest.mark.parametrize("name", list(OBJECT_CATEGORIES))
def test_an_object_task_names_its_objects(name):
    """(Its check failing untouched is tested with the 22's: tests/sim/test_tasks.py.)"""
    for seed in range(5):
        instance = OBJECT_CATEGORIES[name].instance(np.random.default_rng(seed))
        assert any(noun in instance.instruction for noun in instance.scene.objects)


@pytest.mark.render
@pytest.mark.parametrize("name, trial, model", [("objects/in_bowl", 0, "qwen3-vl-8b"),
                                                ("objects/to_corner", 1, "Molmo-7B-D-0924")])
def test_a_trial_with_a_scripted_vision_model_succeeds_and_is_summarized(name, trial, model):
    result = run_trial(TrialSpec(name, trial, 3, None, f"vlm:{model}", {"noise": 1.0}))
    assert result["success"], result
    assert result["vision_requests"] >= 1 and 0 < result["look_seconds"] < 5
    report = summarize([result], [name])
    assert report["tasks"][name]["paper_rate"] is None
    assert report["tasks"][name]["look_ms_median"] == pytest.approx(1000 * result["look_seconds"])
