"""The code-generation benchmark: references pass, wrong answers fail, helpers need fgen."""
import pytest

from cap.bench.codegen import SCENE, bench_codegen, trial_program
from cap.bench.codegen_problems import CATEGORIES, PROBLEMS
from cap.config import SessionConfig
from cap.session import Session

pytestmark = pytest.mark.slow

# a helper the model leaves undefined: only hierarchical generation can supply it
WITH_HELPER = "def path_length(pts):\n    return float(sum(segment_lengths(pts)))"
HELPER = ("def segment_lengths(pts):\n"
          "    return np.linalg.norm(np.diff(np.asarray(pts), axis=0), axis=1)")


def test_forty_problems_in_four_categories_and_every_reference_passes_its_test():
    assert len(PROBLEMS) >= 40
    assert {p.category for p in PROBLEMS} == set(CATEGORIES)
    session = Session(SessionConfig(SCENE, perception="oracle"))
    failures = {p.name: session.exec_program(trial_program(p, p.reference)).error
                for p in PROBLEMS}
    session.close()
    assert {k: v for k, v in failures.items() if v} == {}


@pytest.mark.parametrize("mode, numpy_passes", [("flat", 1), ("hierarchical", 2)])
def test_pass_rates_count_right_and_wrong_answers(llm_server, scripted_model, mode,
                                                  numpy_passes):
    centroid = next(p for p in PROBLEMS if p.name == "centroid").reference
    llm_server.fallback = "I am not sure."
    llm_server.on("# def centroid(", centroid)
    llm_server.on("# def path_length(", WITH_HELPER)
    llm_server.on("# def segment_lengths(", HELPER)
    llm_server.on("# def wrap_angle(", "def wrap_angle(angle):\n    return angle")  # wrong
    result = bench_codegen(scripted_model, mode)
    assert result["pass_rate"]["numpy"] == numpy_passes / 10
    assert result["pass_rate"]["controllers"] == 0.0
    assert "wrap_angle" in result["failures"] and "centroid" not in result["failures"]
