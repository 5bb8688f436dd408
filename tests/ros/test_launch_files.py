"""Every launch file starts executables that exist, with arguments cap accepts and
parameters its nodes declare. (`launch` itself is not installable here: the files are
read as Python syntax trees, the way `ros2 launch` would call them.)"""
from __future__ import annotations

import ast
import shutil
import sys
from pathlib import Path

import pytest
import yaml

from cap.cli import build_parser
from cap.ros.agent import PARAMETERS
from cap.ros.bringup import ARM_PARAMETERS, CELL_PARAMETERS
from cap.ros.messages import Topics

LAUNCH = Path(__file__).resolve().parents[2] / "launch"
TOPICS = {f"topics.{name}" for name in vars(Topics())}
DECLARED = {"cap_sim": TOPICS | {"robot", "urdf"},
            "cap_agent": TOPICS | set(PARAMETERS) | set(CELL_PARAMETERS) | set(ARM_PARAMETERS)}
NODE_OF = {("ros", "sim"): "cap_sim", ("ros", "agent"): "cap_agent"}


def calls(tree: ast.AST, name: str) -> list[ast.Call]:
    return [node for node in ast.walk(tree) if isinstance(node, ast.Call)
            and getattr(node.func, "id", getattr(node.func, "attr", None)) == name]


def keyword(call: ast.Call, name: str) -> ast.AST | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def resolve(node: ast.AST, defaults: dict[str, str]) -> str:
    """A string, a LaunchConfiguration (its declared default) or str(PARAMS / "file")."""
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "LaunchConfiguration":
        return defaults[node.args[0].value]
    if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "str":
        return resolve(node.args[0], defaults)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
        return str(Path(resolve(node.left, defaults)) / resolve(node.right, defaults))
    if isinstance(node, ast.Name) and node.id == "PARAMS":
        return "PARAMS"
    raise AssertionError(f"cannot read {ast.dump(node)}")


def flatten(tree: dict, prefix: str = "") -> set[str]:
    names = set()
    for key, value in tree.items():
        names |= flatten(value, f"{prefix}{key}.") if isinstance(value, dict) else {prefix + key}
    return names


def params_path(text: str, launch_file: Path) -> Path:
    """Resolve PARAMS = Path(__file__).resolve().parent / "params" [/ "file.yaml"]."""
    module = ast.parse(launch_file.read_text())
    assigned = next(n.value for n in ast.walk(module) if isinstance(n, ast.Assign)
                    and getattr(n.targets[0], "id", "") == "PARAMS")

    def evaluate(node: ast.AST) -> Path:
        if isinstance(node, ast.BinOp):
            return evaluate(node.left) / node.right.value
        return launch_file.parent  # Path(__file__).resolve().parent

    return Path(text.replace("PARAMS", str(evaluate(assigned))))


@pytest.mark.parametrize("launch_file", sorted(LAUNCH.glob("*.launch.py")), ids=lambda p: p.name)
def test_launch_file_starts_real_commands_with_declared_parameters(launch_file):
    tree = ast.parse(launch_file.read_text())
    assert calls(tree, "generate_launch_description") == [] and any(
        isinstance(n, ast.FunctionDef) and n.name == "generate_launch_description"
        for n in tree.body)
    defaults = {call.args[0].value: resolve(keyword(call, "default_value"), {})
                for call in calls(tree, "DeclareLaunchArgument")}
    processes = calls(tree, "ExecuteProcess")
    assert processes, "no processes started"
    for process in processes:
        cmd = [resolve(part, defaults) for part in keyword(process, "cmd").elts]
        executable = cmd[0]
        assert shutil.which(executable) or (Path(sys.executable).parent / executable).exists()
        ros_args = cmd[cmd.index("--ros-args"):]
        args = build_parser().parse_args(cmd[1:cmd.index("--ros-args")])  # exits on a bad flag
        node = NODE_OF[(args.command, args.node)]
        files = [ros_args[i + 1] for i, a in enumerate(ros_args) if a == "--params-file"]
        assert files, "no parameter file"
        for text in files:
            path = params_path(text, launch_file)
            assert path.exists(), path
            params = yaml.safe_load(path.read_text())
            assert node in params, f"{path.name} has no section for {node}"
            unknown = flatten(params[node]["ros__parameters"]) - DECLARED[node]
            assert not unknown, f"{path.name}: {node} declares no {sorted(unknown)}"


@pytest.mark.parametrize("params_file", sorted((LAUNCH / "params").glob("*.yaml")),
                         ids=lambda p: p.name)
def test_every_parameter_file_names_only_declared_parameters(params_file):
    params = yaml.safe_load(params_file.read_text())
    for node, section in params.items():
        unknown = flatten(section["ros__parameters"]) - DECLARED[node]
        assert not unknown, f"{node}: {sorted(unknown)}"


def test_the_ur_runs_on_the_scaled_controller_its_driver_starts():
    """ur_robot_driver (Humble to Kilted) starts scaled_joint_trajectory_controller, the one
    the pendant's speed slider scales; the launch file asks for it and the parameters name
    its action."""
    tree = ast.parse((LAUNCH / "hardware.launch.py").read_text())
    (ur,) = [call for call in calls(tree, "driver") if call.args[0].value == "ur_robot_driver"]
    arguments = {k.value: getattr(v, "value", None)
                 for k, v in zip(ur.args[3].keys, ur.args[3].values)}
    controller = arguments["initial_joint_controller"]
    topics = yaml.safe_load((LAUNCH / "params" / "ur.yaml").read_text())[
        "cap_agent"]["ros__parameters"]["topics"]
    assert controller == "scaled_joint_trajectory_controller"
    assert topics["arm_action"] == f"/{controller}/follow_joint_trajectory"
