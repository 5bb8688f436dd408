"""The skill library keeps only helpers that passed the checks and served a command that
succeeded; a helper from it that fails is forgotten and written again."""
import sqlite3

from cap.cli import build_parser, session_config
from cap.config import SessionConfig, cap_home
from cap.session import Session
from cap.skills import SkillLibrary
from sim.scene import SceneSpec

SCENE = SceneSpec(("red", "green", "yellow"), ("blue",), seed=8)
CIRCLE = ("pts = get_pts_on_circle(get_obj_pos('middle')[:2], 0.12, 3)\n"
          "for b, p in zip([o for o in objects if 'block' in o], pts):\n"
          "    put_first_on_second(b, p)")
BAD_HELPER = "def get_pts_on_circle(center, radius, n):\n    return center + n_per_side"
GOOD_HELPER = ("def get_pts_on_circle(center, radius, n):\n"
               "    angles = np.linspace(0, 2 * np.pi, n, endpoint=False)\n"
               "    return [center + radius * np.array([np.cos(a), np.sin(a)]) for a in angles]")
RAISING_HELPER = "def get_pts_on_circle(center, radius, n):\n    return [center] * (n // 0)"


def session_for(model, repairs=0, **options):
    return Session(SessionConfig(SCENE, perception="oracle", max_repairs=repairs, **options),
                   model)


def library():
    return SkillLibrary(cap_home() / "skills.sqlite")


def fgen_requests(server):
    return [r for r in server.requests if "def get_pts_on_circle(" in r["messages"][-1]["content"]]


def test_a_helper_that_fails_the_checks_never_reaches_the_library(llm_server, scripted_model):
    """Issue 30: one weak model's helper served every later session."""
    llm_server.on("# put the blocks in a circle", CIRCLE)
    llm_server.on("def get_pts_on_circle(", BAD_HELPER, times=1)
    with session_for(scripted_model) as weak:
        outcome = weak.command("put the blocks in a circle")
    assert "undefined name(s) 'n_per_side'" in outcome.error and library().list() == []
    llm_server.on("def get_pts_on_circle(", GOOD_HELPER)
    with session_for(scripted_model) as good:
        assert good.command("put the blocks in a circle").ok
    assert [s["code"] for s in library().list()] == [GOOD_HELPER]


def test_a_helper_is_kept_only_when_its_command_succeeded(llm_server, scripted_model):
    llm_server.on("# put the blocks in a circle", CIRCLE)
    llm_server.on("def get_pts_on_circle(", RAISING_HELPER)
    with session_for(scripted_model) as session:
        outcome = session.command("put the blocks in a circle")
    assert outcome.error_kind == "runtime" and library().list() == []


def test_a_failing_helper_from_the_library_is_named_forgotten_and_written_again(
        llm_server, scripted_model):
    library().put("get_pts_on_circle", "def get_pts_on_circle(arg0, arg1, arg2):", 1,
                  RAISING_HELPER)
    llm_server.on("# put the blocks in a circle", CIRCLE)
    llm_server.on("def get_pts_on_circle(", GOOD_HELPER)
    with session_for(scripted_model, repairs=1) as session:
        outcome = session.command("put the blocks in a circle")
    assert outcome.ok
    failed = [p for p in outcome.programs if p.get("library")]
    assert [p["code"] for p in failed] == [RAISING_HELPER]
    repair = fgen_requests(llm_server)[-1]["messages"]
    assert repair[-2]["content"] == RAISING_HELPER  # the failed helper, shown back
    assert "helper get_pts_on_circle() from the skill library" in repair[-1]["content"]
    assert [s["code"] for s in library().list()] == [GOOD_HELPER]


def test_the_error_says_the_failing_code_came_from_the_library(llm_server, scripted_model):
    library().put("get_pts_on_circle", "def get_pts_on_circle(arg0, arg1, arg2):", 1, BAD_HELPER)
    llm_server.on("# put the blocks in a circle", CIRCLE)
    with session_for(scripted_model) as session:
        outcome = session.command("put the blocks in a circle")
    assert outcome.error.startswith("line 2 of helper get_pts_on_circle() from the skill "
                                    "library: undefined name(s) 'n_per_side'")
    assert library().list() == []


def test_without_the_library_nothing_is_read_or_kept(llm_server, scripted_model):
    library().put("get_pts_on_circle", "def get_pts_on_circle(arg0, arg1, arg2):", 1, BAD_HELPER)
    llm_server.on("# put the blocks in a circle", CIRCLE)
    llm_server.on("def get_pts_on_circle(", GOOD_HELPER)
    with session_for(scripted_model, use_skill_library=False) as session:
        assert session.command("put the blocks in a circle").ok
    assert len(fgen_requests(llm_server)) == 1
    assert [s["code"] for s in library().list()] == [BAD_HELPER]


def test_no_cache_and_no_skills_turn_the_library_off():
    run = ["run", "x", "--llm", "openai:m"]
    assert session_config(build_parser().parse_args(run)).use_skill_library
    for flag in ("--no-cache", "--no-skills"):
        assert not session_config(build_parser().parse_args(run + [flag])).use_skill_library


def test_helpers_stored_before_verification_are_never_served(llm_server, scripted_model):
    path = cap_home() / "skills.sqlite"
    path.parent.mkdir(parents=True)
    with sqlite3.connect(path) as db:  # a library as the code before verification wrote it
        db.execute("CREATE TABLE skills (name TEXT, signature TEXT, version INT, code TEXT, "
                   "created REAL, PRIMARY KEY (name, signature, version))")
        db.execute("INSERT INTO skills VALUES ('get_pts_on_circle', "
                   "'def get_pts_on_circle(arg0, arg1, arg2):', 1, ?, 0)", (BAD_HELPER,))
    llm_server.on("# put the blocks in a circle", CIRCLE)
    llm_server.on("def get_pts_on_circle(", GOOD_HELPER)
    with session_for(scripted_model) as session:
        assert session.command("put the blocks in a circle").ok
    assert [(s["code"], s["verified"]) for s in library().list()] == [(GOOD_HELPER, True)]
