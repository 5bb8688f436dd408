"""Objects that are not blocks or bowls: loaded from pybullet_data, named, placed, known to
ground truth, oracle perception and the task checks."""
import numpy as np
import pytest

from sim.catalog import CATALOG, model_named
from sim.scene import SceneError, SceneSpec, layout
from sim.tabletop import Tabletop
from sim.tasks.base import WORKSPACE, initial_truth

MIXED = SceneSpec.from_lists(None, None, ("mug", "duck", "teddy", "ball", "toy", "red block"),
                             seed=5)


@pytest.fixture(scope="module")
def table():
    table = Tabletop(MIXED)
    yield table
    table.close()


def test_objects_list_mixes_catalogue_objects_with_blocks_and_bowls():
    spec = SceneSpec.from_lists(("green",), None, ("mug", "Red Block", "blue bowl", "duck"))
    assert spec.blocks == ("green", "red") and spec.bowls == ("blue",)
    assert spec.objects == ("mug", "duck")


def test_an_unknown_object_is_refused_with_the_known_names():
    with pytest.raises(SceneError, match="unknown object 'spoon'.*rubber duck"):
        SceneSpec(objects=("spoon",))


def test_each_object_is_on_the_table_by_the_name_people_use(table):
    truth = table.scene.positions()
    assert set(truth) == {"mug", "rubber duck", "teddy bear", "ball", "toy", "red block"}
    for name, position in truth.items():
        size = table.scene.objects[name].size
        assert table.workspace.contains(position), name
        assert 0.0 < position[2] < size.max(), name  # resting, not falling or sunk
        assert 0.015 < size[:2].max() < 0.085, name  # scaled to the gripper and the table


def test_objects_do_not_overlap_and_the_layout_is_what_was_built(table):
    spots = {spot.name: spot for spot in layout(MIXED, WORKSPACE)}
    truth = table.scene.positions()
    for name, spot in spots.items():
        assert np.linalg.norm(truth[name][:2] - spot.xy) < 0.03, name
    names = list(truth)
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            assert np.linalg.norm(truth[a][:2] - truth[b][:2]) > 0.05, (a, b)


def test_repeated_objects_are_numbered_and_aliases_name_the_model():
    spots = layout(SceneSpec(objects=("mug", "cup", "mug"), seed=1), WORKSPACE)
    assert sorted(s.name for s in spots) == ["mug", "mug 2", "mug 3"]
    assert model_named("Rubber  Duck") is CATALOG["rubber duck"]


def test_oracle_perception_reports_catalogue_objects(table):
    seen = table.oracle().look()
    assert seen["mug"].kind == "mug" and seen["mug"].color == "red"
    assert seen["rubber duck"].color == "yellow"
    truth = table.scene.positions()
    for name, info in seen.items():
        assert np.allclose(info.position, truth[name])


def test_task_checks_see_objects_where_the_scene_puts_them(table):
    truth = initial_truth(MIXED)
    built = table.scene.positions()
    for name in built:
        assert np.linalg.norm(truth[name][:2] - built[name][:2]) < 0.03, name
        assert abs(truth[name][2] - built[name][2]) < 0.02, name


def test_a_teleported_object_is_centred_where_it_was_put(table):
    snap = table.snapshot()
    table.scene.place("mug", [0.1, -0.1, 0.1])
    assert np.allclose(table.scene.center("mug"), [0.1, -0.1, 0.1], atol=1e-6)
    table.restore(snap)
