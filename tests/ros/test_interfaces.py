"""The control_msgs and tf2_msgs definitions in ros/ hash (RIHS01, REP 2011) to the same type
hashes as the published package, so cap's actions talk to a real ros2_control controller.

Compared with: a Jazzy build of control_msgs (5.x, feedback without `index`) whose generated
`follow_joint_trajectory__description.c` is public and `gripper_command__description.c`
(saahu27/aprs on GitHub); the hashes below are copied from them. The Kilted definition (6.3+, feedback with `index`) shares every other type
with it; there is no published Kilted build to check its feedback's hash against.
tf2_msgs/TFMessage is compared with the hash two public generated sources expect of it.
"""
from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest

pytest.importorskip("rosidl_generator_type_description")

from rosidl_adapter.action import convert_action_to_idl  # noqa: E402
from rosidl_adapter.msg import convert_msg_to_idl  # noqa: E402
from rosidl_generator_type_description import generate_type_hash  # noqa: E402

DEFINITIONS = Path(__file__).resolve().parents[2] / "ros" / "control_msgs"
SHARE = Path(sys.prefix) / "share"
PUBLISHED_JAZZY = {
    "FollowJointTrajectory": "738ebcb7a2d7cfa42f9f1001cc99ce3a4383d1cfe508015d9be8485e4b1c66f6",
    "FollowJointTrajectory_Goal":
        "8a9060704b269608f5a340934cc26e66869dd14bdac29e2e7fd9ec8b9882d205",
    "FollowJointTrajectory_Result":
        "8002e99ed2c14c6faa522f2a93c26d744c5982f254f9e98ff9c6f19789bdb220",
    "FollowJointTrajectory_Feedback":
        "3fd0aaecf71725121ae1ff7f01098a5e0da581e672be18a6b2c286cb43d96b49",
    "FollowJointTrajectory_SendGoal":
        "b13789dddc325a7a962825c45e28c77d37237ec129dd0c34dc5994562938c57f",
    "FollowJointTrajectory_GetResult":
        "e3ceb38e3e1867c8dc0f46014df26e90eb93422f27e9e97f936e07f94be4bc8b",
    "FollowJointTrajectory_FeedbackMessage":
        "80398fcb9674a79081a9906e2ccf0c804dd7cb15e22e362e606ee87186beab71",
    "JointTolerance": "c254f9cece0f3b733017b6990fd46d1326e25242d6b8844398c97d9a88e7d648",
    "JointComponentTolerance":
        "739ea7566931944d33830fa10f1bf5e7a7fbdc3172bce7a7eaac642bd6e3ffa4",
    "GripperCommand": "e17c0e644eccf14bea84a0a93e0977182872c2eb7873ca6694900059b46dbc84",
    "GripperCommand_Goal": "607d9f41eb241e1922e90f02125e87ae6bfb78f7f64a71dc92630263d01f8b6d",
    "GripperCommand_Result": "bf512d5aa6a0e4fe4d8be22b2ec4a1973c3d250fa1f65e47450322c25c45c0a0",
    "GripperCommand_Feedback":
        "8f7c520077bab528bb9161ee3b83c81eee1f8aecadb8922ce82c79d667a819c4",
}
PUBLISHED_MESSAGE = {  # control_msgs/msg/GripperCommand (the action's GripperCommand is above)
    "GripperCommand": "57eb8f326c9889ca8bb34ead82cc94cc09bf6bc5c3b6c09546dca3a00b589890"}
DEPENDENCIES = ("action_msgs", "builtin_interfaces", "geometry_msgs", "service_msgs",
                "std_msgs", "trajectory_msgs", "unique_identifier_msgs")


def type_hashes(distro: str, out: Path) -> dict[str, str]:
    """RIHS01 hashes of the definitions as `distro` builds them, by type name."""
    package = out / "control_msgs"
    for kind in ("msg", "action"):
        (package / kind).mkdir(parents=True)
    for path in (DEFINITIONS / "msg").glob("*.msg"):
        shutil.copy(path, package / "msg" / path.name)
    shutil.copy(DEFINITIONS / "action" / f"FollowJointTrajectory.{distro}.action",
                package / "action" / "FollowJointTrajectory.action")
    shutil.copy(DEFINITIONS / "action" / "GripperCommand.action", package / "action")
    idl = []
    for path in sorted(package.glob("*/*.*")):
        convert = convert_msg_to_idl if path.suffix == ".msg" else convert_action_to_idl
        kind = path.parent.name  # msg/X and action/X must not share a file
        converted = convert(package, "control_msgs", path.relative_to(package),
                            out / "idl" / kind)
        idl.append(f"{out / 'idl'}:{converted.relative_to(out / 'idl')}")
    arguments = out / "arguments.json"
    arguments.write_text(json.dumps({
        "package_name": "control_msgs", "output_dir": str(out / "json"), "idl_tuples": idl,
        "include_paths": [f"{name}:{SHARE / name}" for name in DEPENDENCIES]}))
    generate_type_hash(str(arguments))
    hashes = {}
    for path in (out / "json").glob("*/*.json"):
        for entry in json.loads(path.read_text())["type_hashes"]:
            if entry["type_name"].startswith("control_msgs/"):
                hashes[entry["type_name"].removeprefix("control_msgs/")] = entry["hash_string"]
    return hashes


def test_the_jazzy_definitions_hash_as_the_published_package(tmp_path):
    hashes = type_hashes("jazzy", tmp_path)
    for name, published in PUBLISHED_JAZZY.items():
        kind = "action" if name.startswith(("FollowJointTrajectory", "GripperCommand")) else "msg"
        assert hashes[f"{kind}/{name}"] == f"RIHS01_{published}", name
    for name, published in PUBLISHED_MESSAGE.items():
        assert hashes[f"msg/{name}"] == f"RIHS01_{published}", name


def test_kilted_changes_only_the_feedback_and_what_contains_it(tmp_path):
    kilted = type_hashes("kilted", tmp_path)
    jazzy = type_hashes("jazzy", tmp_path / "jazzy")
    changed = {name for name in jazzy if kilted[name] != jazzy[name]}
    assert changed == {"action/FollowJointTrajectory", "action/FollowJointTrajectory_Feedback",
                       "action/FollowJointTrajectory_FeedbackMessage"}


def test_the_built_tf_message_hashes_as_the_published_one():
    built = json.loads((SHARE / "tf2_msgs" / "msg" / "TFMessage.json").read_text())
    hashes = {entry["type_name"]: entry["hash_string"] for entry in built["type_hashes"]}
    assert hashes["tf2_msgs/msg/TFMessage"] == (
        "RIHS01_e369d0f05a23ae52508854b66f6aa0437f3449d652e8cbf22d5abe85d020f087")
