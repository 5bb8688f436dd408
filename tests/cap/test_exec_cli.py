"""`cap exec` and `cap run` end to end, as subprocesses, checked against ground truth."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest

POLICY = """
import numpy as np
names = get_obj_names()
put_first_on_second('red block', 'blue bowl')
put_first_on_second('green block', denormalize_xy([0.8, 0.2]))
print('moved', len(names))
say(f'done with {len(names)} objects')
"""


def cap(*args, timeout=120):
    result = subprocess.run([sys.executable, "-m", "cap", *args], capture_output=True,
                            text=True, timeout=timeout)
    return result.returncode, result.stdout, result.stderr


@pytest.mark.slow
def test_exec_runs_a_policy_file_and_prints_one_json_object(tmp_path):
    program = tmp_path / "policy.py"
    program.write_text(POLICY)
    code, out, err = cap("exec", str(program), "--blocks", "red,green", "--bowls", "blue",
                         "--seed", "4", "--json")
    assert code == 0, err
    report = json.loads(out)  # exactly one JSON object: json.loads rejects trailing data
    assert report["ok"] is True and report["error"] is None
    objects = report["objects"]
    assert set(report["objects_before"]) == {"red block", "green block", "blue bowl"}
    assert np.linalg.norm(np.subtract(objects["red block"][:2], objects["blue bowl"][:2])) < 0.04
    assert np.allclose(objects["green block"][:2], [0.15, -0.132], atol=0.02)
    assert report["said"] == ["done with 3 objects"]
    assert report["printed"] == ["moved 3\n"]
    assert report["places"]["top left corner"] == [-0.25, 0.22]
    assert report["programs"][0]["code"] == POLICY


@pytest.mark.slow
def test_exec_reports_a_refused_program_without_a_traceback(tmp_path):
    program = tmp_path / "bad.py"
    program.write_text("import os\nos.system('touch /tmp/pwned')")
    code, out, err = cap("exec", str(program), "--blocks", "red", "--json")
    report = json.loads(out)
    assert code == 1 and report["ok"] is False
    assert report["error_kind"] == "check" and "import of 'os' is not allowed" in report["error"]
    assert "Traceback" not in err


@pytest.mark.slow
def test_run_with_the_retrieval_baseline(tmp_path):
    code, out, err = cap("run", "put the red block in the blue bowl", "--blocks", "red,yellow",
                         "--bowls", "blue", "--seed", "2", "--json")
    assert code == 0, err
    report = json.loads(out)
    assert report["llm"]["baseline"] is True and "retrieval" in err
    objects = report["objects"]
    assert np.linalg.norm(np.subtract(objects["red block"][:2], objects["blue bowl"][:2])) < 0.04
    assert report["programs"][0]["lmp"] == "tabletop_ui"


def test_a_ros2_robot_that_is_not_there_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("ROS_DOMAIN_ID", str(200 + os.getpid() % 30))  # nobody is here
    monkeypatch.setenv("ROS_LOCALHOST_ONLY", "1")
    code, out, err = cap("run", "hi", "--robot", "ros2")
    assert code != 0 and "no /joint_states within" in err and "cap ros sim" in err
