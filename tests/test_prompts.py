"""Every example program in every prompt runs on a simulated scene and does what it says."""
import ast

import numpy as np
import pytest

from cap.api import PolicyAPI
from cap.executor import Namespace, run
from cap.llm.retrieval import Retrieval
from cap.prompts import load_all
from cap.config import SessionConfig
from cap.session import Session
from sim.scene import SceneSpec
from sim.tabletop import Tabletop

PROMPTS = load_all()
CASES = [(name, i) for name, prompt in PROMPTS.items() for i in range(len(prompt.examples))]
SHAPE = np.array([[0.0, 0.0], [0.1, 0.0], [0.1, 0.1], [0.0, 0.1]])


def scene_for(example) -> SceneSpec:
    text = example.context or example.scene or "objects = ['red block']"
    names = ast.literal_eval(text.split("=", 1)[1].strip())
    blocks = tuple(n.split()[0] for n in names if n.endswith("block"))
    bowls = tuple(n.split()[0] for n in names if n.endswith("bowl"))
    return SceneSpec(blocks, bowls, seed=1)


def checks_for(api: PolicyAPI, before: dict, tool_path: list, said_by_session: list) -> dict:

    def xy(name):
        return api.get_obj_pos(name)[:2]

    def near(a, b, tol=0.03):
        return bool(np.linalg.norm(xy(a) - xy(b)) < tol)

    def in_bowl(block, bowl):  # inside its wall, possibly on another block in it
        return near(block, bowl, 0.05) and api.get_obj_pos(block)[2] < 0.1

    def stacked(names):
        heights = [api.get_obj_pos(n)[2] for n in names]
        return all(near(a, b, 0.02) for a, b in zip(names, names[1:])) and \
            np.allclose(np.sort(heights), 0.02 + 0.04 * np.arange(len(names)), atol=0.01)

    def closest(names, ref):
        return min(names, key=lambda n: np.linalg.norm(np.array(before[n][:2]) - before[ref][:2]))

    def moved(name, delta):
        return bool(np.linalg.norm(xy(name) - np.array(before[name][:2]) - delta) < 0.02)

    def in_line(names, orientation):
        pts = np.array([xy(n) for n in names])
        axis = 0 if orientation == "vertical" else 1
        return bool(np.ptp(pts[:, axis]) < 0.03 and np.ptp(pts[:, 1 - axis]) > 0.1)

    def said(text):
        return any(text in s for s in said_by_session + api.said)

    def close(a, b):
        return bool(np.allclose(np.asarray(a, dtype=float), np.asarray(b, dtype=float), atol=1e-6))

    def circle(center, radius, n):
        angles = np.linspace(0, 2 * np.pi, n, endpoint=False)
        return np.asarray(center) + radius * np.stack([np.cos(angles), np.sin(angles)], axis=1)

    def traced(points, height):
        """The tool passed within 1.5 cm of every point, at the given height."""
        path = np.array(tool_path)
        return all(np.min(np.linalg.norm(path - [*p, height], axis=1)) < 0.015 for p in points)

    return dict(near=near, in_bowl=in_bowl, stacked=stacked, closest=closest, moved=moved,
                in_line=in_line, said=said, close=close, circle=circle, traced=traced, np=np,
                **api.functions())


@pytest.mark.slow
@pytest.mark.parametrize("prompt_name, index", CASES,
                         ids=[f"{n}-{i}" for n, i in CASES])
def test_prompt_example_does_what_it_says(prompt_name, index):
    prompt = PROMPTS[prompt_name]
    example = prompt.examples[index]
    assert example.check, f"{prompt_name} example {index} has no check"
    cell = Tabletop(scene_for(example))
    api = PolicyAPI(cell.arm, cell.oracle(), cell.workspace)  # the checks' view of the table
    said: list[str] = []
    with Session(SessionConfig(scene_for(example), perception="oracle"), Retrieval(),
                 cell=cell) as session:
        session.subscribe(on_said=said.append)
        before = {k: np.array(v) for k, v in session.ground_truth().items()}
        tool_path: list = []
        cell.watch(1 / 120, lambda: tool_path.append(cell.arm.ee_pose().position))
        scope = checks_for(api, before, tool_path, said)
        if prompt_name == "tabletop_ui":
            outcome = session.exec_program(example.code)
            assert outcome.ok, outcome.error
        else:
            namespace = Namespace(api.functions())
            namespace.set(shape_pts=SHAPE.copy())
            if prompt.exec_context and example.context:
                run(example.context, namespace)
            run(example.code, namespace)
            scope.update({k: v for k, v in namespace.variables.items()})
        cell.settle(0.3)
        assert eval(example.check, scope), f"check failed: {example.check}"  # noqa: S307


def test_every_prompt_puts_the_unchanging_part_first_and_the_query_last():
    for prompt in PROMPTS.values():
        messages = prompt.messages()
        assert messages[0]["role"] == "system" and "get_obj_pos" in messages[0]["content"]
        assert prompt.user_message("put the x in the y", "objects = []").endswith(
            "# put the x in the y")


def test_a_prompt_field_without_a_value_is_an_error(tmp_path):
    from cap.prompts import load_prompt
    (tmp_path / "policy_api.md").write_text("api")
    (tmp_path / "broken.toml").write_text('name = "broken"\nversion = 1\nsystem = "{nope}"\n')
    with pytest.raises(KeyError, match="nope"):
        load_prompt("broken", tmp_path)
