"""`--perception vlm:MODEL` end to end: a real HTTP vision server (scripted from the
simulator's ground truth) in each coordinate convention, answers matched to depth regions."""
from dataclasses import replace

import numpy as np
import pytest

from cap.config import SessionConfig
from cap.llm.scripted_vision import ScriptedVision
from cap.session import Session
from sim.scene import SceneSpec
from sim.tabletop import Tabletop
from tests.vlm_server import serve_table

pytestmark = pytest.mark.render
SPEC = SceneSpec.from_lists(("red",), ("blue",), ("mug", "duck", "ball"), seed=3)
MODELS = ("Qwen2.5-VL-7B-Instruct", "qwen3-vl-8b", "gemini-2.5-flash", "Molmo-7B-D-0924")


def run(program: str, model: str, monkeypatch, spec=SPEC, **options):
    """The program's outcome under vlm perception, and the vision server's requests."""
    cell = Tabletop(spec)
    server = serve_table(cell, **options)
    monkeypatch.setenv("CAP_VLM_BASE_URL", server.base_url)
    try:
        with Session(SessionConfig(spec, perception=f"vlm:{model}"), None, cell=cell) as session:
            outcome = session.exec_program(program, label="test")
            truth = cell.scene.positions()  # after the program
    finally:
        server.close()
    return outcome, server.requests, truth


@pytest.mark.parametrize("model", MODELS)
def test_the_model_names_objects_and_finds_one_by_another_name(model, monkeypatch):
    outcome, requests, truth = run("say(sorted(get_obj_names()))\nsay(get_obj_pos('cup'))",
                                   model, monkeypatch)
    assert outcome.ok, outcome.error
    assert outcome.said[0] == str(sorted(["ball", "blue bowl", "mug", "red block",
                                          "rubber duck"]))
    found = np.array([float(v) for v in outcome.said[1].strip("[]").split()])
    assert np.linalg.norm(found[:2] - truth["mug"][:2]) < 0.01
    assert requests[0]["messages"][0]["content"][0]["image_url"]["url"].startswith(
        "data:image/png;base64,")


def test_a_name_the_model_does_not_find_is_not_found_never_a_guess(monkeypatch):
    outcome, requests, _ = run("say(is_obj_visible('spoon'))\nget_obj_pos('spoon')",
                               "qwen3-vl", monkeypatch)
    assert outcome.said == ["False"]
    assert "no object named 'spoon'" in outcome.error
    assert "does not see a 'spoon'" in outcome.error
    assert len(requests) == 1  # the same image and question: the cached reply


def test_an_answer_over_bare_table_is_refused(monkeypatch):
    class Liar:  # says the mug is where nothing stands
        name, aliases, box, point = "mug", ("cup",), (2.0, 2.0, 12.0, 12.0), (7.0, 7.0)

    cell = Tabletop(SPEC)
    server = ScriptedVision(lambda: [Liar()])
    monkeypatch.setenv("CAP_VLM_BASE_URL", server.base_url)
    try:
        with Session(SessionConfig(SPEC, perception="vlm:qwen3-vl"), None, cell=cell) as session:
            outcome = session.exec_program("get_obj_pos('mug')", label="test")
    finally:
        server.close()
    assert not outcome.ok
    assert "where nothing stands on the table (no depth there); refused" in outcome.error


def test_the_model_is_asked_only_when_a_program_asks(monkeypatch):
    outcome, requests, _ = run("put_first_on_second('red block', 'blue bowl')\n"
                               "say(get_obj_pos('red block'))", "qwen3-vl", monkeypatch)
    assert outcome.ok, outcome.error
    assert requests == []  # blocks and bowls carry their names; nothing needed the model


def test_a_missed_object_is_not_found_and_an_unreadable_reply_says_so(monkeypatch):
    outcome, _, _ = run("get_obj_pos('mug')", "qwen3-vl", monkeypatch, miss=1.0)
    assert "does not see a 'mug'" in outcome.error
    cell = Tabletop(SPEC)
    server = ScriptedVision(lambda: [], size=(320, 240))
    monkeypatch.setenv("CAP_VLM_BASE_URL", server.base_url)
    try:  # a model whose name implies no convention, told one that its replies do not follow
        config = SessionConfig(SPEC, perception="vlm:molmo-7b", grounding="qwen3")
        with Session(config, None, cell=cell) as session:
            outcome = session.exec_program("get_obj_pos('mug')", label="test")
    finally:
        server.close()
    assert "not JSON" in outcome.error


def test_every_known_perception_has_a_factory():
    from cap.config import PERCEPTIONS
    from cap.perceivers import PERCEIVERS
    assert set(PERCEIVERS) == set(PERCEPTIONS)


@pytest.mark.parametrize("model", ["Qwen2.5-VL-7B-Instruct", "Molmo-7B-D-0924"])
def test_an_object_the_model_names_is_picked_placed_and_verified(model, monkeypatch):
    outcome, requests, truth = run("put_first_on_second('cup', 'blue bowl')\n"
                                   "say(get_obj_names())", model, monkeypatch)
    assert outcome.ok, outcome.error
    assert "cup" in outcome.said[0]
    assert np.linalg.norm(truth["mug"][:2] - truth["blue bowl"][:2]) < 0.05
    assert len(requests) == 2  # 'cup' once; the rest named once by get_obj_names


@pytest.mark.parametrize("model", ["qwen3-vl-8b", "gemini-2.5-flash"])
def test_a_box_over_part_of_touching_objects_finds_each_apart(model, monkeypatch):
    spec = SceneSpec.from_lists((), (), ("mug", "ball"), seed=5)
    cell = Tabletop(spec)
    heights = {name: p[2] for name, p in cell.scene.positions().items()}
    cell.scene.place("mug", [0.0, 0.05, heights["mug"]])
    cell.scene.place("ball", [0.05, 0.05, heights["ball"]])  # touching: one depth region
    server = serve_table(cell)
    monkeypatch.setenv("CAP_VLM_BASE_URL", server.base_url)
    try:
        with Session(SessionConfig(spec, perception=f"vlm:{model}"), None, cell=cell) as session:
            outcome = session.exec_program("say(get_obj_pos('ball'))\nsay(get_obj_pos('mug'))",
                                           label="test")
            truth = cell.scene.positions()
    finally:
        server.close()
    assert outcome.ok, outcome.error
    for said, name in zip(outcome.said, ("ball", "mug")):
        found = np.array([float(v) for v in said.strip("[]").split()])
        assert np.linalg.norm(found[:2] - truth[name][:2]) < 0.012, name


def test_cuts_belong_to_named_objects_and_go_with_them(monkeypatch):
    """A model that names one object twice made two cuts of it; the detector kept cutting
    with the first after the object was moved and after a new scene (and removing a cut
    the detector no longer held raised ValueError). Each object keeps one cut, and a moved or
    forgotten object's cut is gone."""
    from cap.perceivers import make_perceiver
    from sim.image_truth import objects_in_image

    spec = SceneSpec.from_lists((), (), ("mug", "ball"), seed=5)
    cell = Tabletop(spec)
    heights = {name: p[2] for name, p in cell.scene.positions().items()}
    cell.scene.place("mug", [0.0, 0.05, heights["mug"]])
    cell.scene.place("ball", [0.05, 0.05, heights["ball"]])  # touching: one depth region
    cell.world.run(0.3)

    def twice():  # the ball answered twice, its boxes a little apart
        seen = objects_in_image(cell.scene, cell.camera)
        return seen + [replace(o, box=tuple(np.add(o.box, [2, 1, 2, 1])))
                       for o in seen if o.name == "ball"]

    server = ScriptedVision(twice, (cell.camera.config.width, cell.camera.config.height))
    monkeypatch.setenv("CAP_VLM_BASE_URL", server.base_url)
    try:
        perceiver = make_perceiver("vlm:qwen3-vl-8b", cell)
        detector = perceiver.pixels.detector
        names = perceiver.names()
        assert perceiver.cuts and detector.cuts == list(perceiver.cuts.values())
        assert {"ball", "mug"} <= set(names)  # the cut-out ball is named too
        ball = perceiver.look()["ball"]
        perceiver.expect("ball", ball.position + [0.0, -0.15, 0.0])
        assert detector.cuts == list(perceiver.cuts.values())
        assert "ball" not in perceiver.cuts
        perceiver.forget()
        assert detector.cuts == [] and perceiver.cuts == {}
        perceiver.forget()  # twice: nothing left to take away, no error
    finally:
        server.close()
        cell.close()
