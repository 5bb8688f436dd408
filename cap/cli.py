"""The `cap` command line. With --json, stdout carries exactly one JSON object."""
from __future__ import annotations

import argparse
import json
import os
import signal
import sys
from pathlib import Path

from cap import config
from cap.errors import CapError, error_kind
from cap.llm.base import ChatModel


def log(*parts) -> None:
    print(*parts, file=sys.stderr, flush=True)


def model_for(args) -> ChatModel:
    """The model the flags name (--llm, --no-cache, --llm-timeout, --llm-retries); the
    baseline says so on stderr."""
    from cap.llm.registry import BASELINE_BANNER, load_model

    settings = config.ModelSettings.from_environment(args.llm_timeout, args.llm_retries)
    model = load_model(args.llm, cache=not args.no_cache, settings=settings)
    if model.is_baseline:
        log(BASELINE_BANNER)
    return model


def perception_spec(text: str) -> str:
    try:
        config.check_perception(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    return text


def colors(text: str | None) -> tuple[str, ...] | None:
    return None if text is None else tuple(c.strip() for c in text.split(",") if c.strip())


def add_scene_flags(parser: argparse.ArgumentParser, model: bool = True,
                    robots: tuple[str, ...] | None = None) -> None:
    from robots.arm_models import ARM_MODELS

    robots = robots or ("sim", "ros2", *ARM_MODELS)  # ros2: the parameters' robot (panda)
    parser.add_argument("--blocks", help="block colours, e.g. red,green")
    parser.add_argument("--bowls", help="bowl colours, e.g. blue")
    parser.add_argument("--objects", help="other objects by name, e.g. 'mug,duck,red block' "
                        "(mug, rubber duck, teddy bear, ball, tray, toy)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--perception", type=perception_spec, default="pixels",
                        help="pixels: objects from camera images (default); vlm[:MODEL]: "
                        "their names from a vision-language model on the endpoint; oracle: "
                        "simulator ground truth")
    parser.add_argument("--grounding", choices=("qwen2.5", "qwen3", "gemini", "molmo"),
                        help="how the vision model gives coordinates (default: by its name)")
    parser.add_argument("--robot", choices=robots, default=robots[0],
                        help="the simulator, or a ROS 2 robot by its arm's parameter set (its "
                        "joint and link names, home pose)" if "sim" in robots else
                        "the arm's parameter set (its joint and link names, home pose)")
    parser.add_argument("--params", metavar="FILE", help="a ROS 2 robot's parameter file "
                        "(its cap_agent section: topics, arm, camera, limits)")
    parser.add_argument("--video", help="write an mp4 (or gif) of the session here")
    parser.add_argument("--gui", action="store_true", help="show the PyBullet window")
    parser.add_argument("--confirm", action="store_true",
                        help="ask before a program moves a real robot (ros2)")
    parser.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    parser.add_argument("--tts", nargs="?", const="espeak", metavar="BACKEND",
                        help="speak said messages: espeak (default) or openai[:MODEL]")
    parser.add_argument("--tts-out", metavar="DIR",
                        help="write the spoken messages as WAV files here instead of playing them")
    parser.add_argument("--time-limit", type=float, default=300.0,
                        help="wall seconds a command may take, the model's replies included")
    if model:
        parser.add_argument("--llm", help="openai:MODEL, ollama:MODEL, scripted:FILE or retrieval")
        add_model_flags(parser)


def add_model_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--no-cache", action="store_true",
                        help="bypass the response cache and the skill library")
    parser.add_argument("--no-skills", action="store_true",
                        help="neither use nor fill the skill library of generated functions")
    parser.add_argument("--llm-timeout", type=float, metavar="SECONDS",
                        help="seconds one model request may take (default $CAP_LLM_TIMEOUT "
                             "or 60)")
    parser.add_argument("--llm-retries", type=int, metavar="N",
                        help="tries again after a failure in passing: no connection, HTTP 429 "
                             "or 5xx (default $CAP_LLM_RETRIES or 2)")


def add_speech_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--speech", default=None, metavar="BACKEND",
                        help="whisper-local[:MODEL] (offline, the default when faster-whisper "
                             "is installed), pocketsphinx (offline) or whisper[:MODEL] (an "
                             "OpenAI-compatible endpoint); $CAP_SPEECH sets the default")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cap", description="Code as Policies for robot arms.")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run commands in one session")
    run.add_argument("commands", nargs="+")
    add_scene_flags(run)
    execute = sub.add_parser("exec", help="run a policy program file")
    execute.add_argument("file")
    add_scene_flags(execute)
    demo = sub.add_parser("demo", help="a short tour on the simulated table, with a video")
    demo.add_argument("--llm")
    add_model_flags(demo)
    demo.add_argument("--json", action="store_true")
    demo.add_argument("--out", default="runs")
    bench = sub.add_parser("bench", help="benchmarks")
    bench_sub = bench.add_subparsers(dest="bench", required=True)
    pickplace = bench_sub.add_parser("pickplace", help="random pick-and-place trials")
    pickplace.add_argument("--trials", type=int, default=100)
    pickplace.add_argument("--seed", type=int, default=0)
    pickplace.add_argument("--perception", choices=("pixels", "oracle"), default="oracle")
    pickplace.add_argument("--json", action="store_true")
    tabletop = bench_sub.add_parser("tabletop", help="the 22-category task suite")
    tabletop.add_argument("--tasks", nargs="*", help="categories (default: the 22; the object "
                          "tasks objects/in_bowl, objects/to_corner, objects/two_bowls "
                          "when named)")
    tabletop.add_argument("--trials", type=int, default=10)
    tabletop.add_argument("--seed", type=int, default=0)
    source = tabletop.add_mutually_exclusive_group()
    source.add_argument("--llm", help="a model writes the programs (default: retrieval)")
    source.add_argument("--oracle", action="store_true", help="run the reference programs")
    tabletop.add_argument("--workers", type=int, default=1)
    tabletop.add_argument("--ray", metavar="ADDRESS",
                          help="run trials as Ray tasks: 'auto' or a cluster address")
    tabletop.add_argument("--perception", type=perception_spec, default="pixels",
                          help="pixels: what a user runs; vlm:MODEL: names from a vision "
                               "model; oracle: simulator ground truth, an ablation")
    tabletop.add_argument("--scripted-vision", nargs=2, type=float, metavar=("NOISE", "MISS"),
                          help="serve each trial a scripted vision model (pixel noise, chance "
                               "of a miss) for --perception vlm:MODEL")
    tabletop.add_argument("--out", default="runs")
    tabletop.add_argument("--json", action="store_true")
    codegen = bench_sub.add_parser("codegen", help="robot code-generation problems")
    codegen.add_argument("--llm", help="openai:MODEL, ollama:MODEL or retrieval")
    add_model_flags(codegen)
    codegen.add_argument("--mode", choices=("flat", "hierarchical"), default="hierarchical")
    codegen.add_argument("--json", action="store_true")
    perception = bench_sub.add_parser("perception", help="the pixel detector vs ground truth")
    perception.add_argument("--scenes", type=int, default=100)
    perception.add_argument("--seed", type=int, default=0)
    perception.add_argument("--json", action="store_true")
    shell = sub.add_parser("shell", help="an interactive session")
    add_scene_flags(shell)
    shell.add_argument("--no-video", action="store_true", help="do not record the session")
    shell.add_argument("--voice", action="store_true",
                       help="speak commands: press Enter on an empty line, then talk")
    add_speech_flag(shell)
    serve = sub.add_parser("serve", help="the web page: live view, commands, Stop")
    add_scene_flags(serve)
    add_speech_flag(serve)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000, help="0: one the OS picks (printed)")
    serve.add_argument("--token", help="required from browsers (default: generated when the "
                                       "host is not local)")
    mcp = sub.add_parser("mcp", help="the session as MCP tools for agents (stdio, or --http)")
    add_scene_flags(mcp)
    mcp.add_argument("--http", action="store_true",
                     help="streamable HTTP at /mcp instead of stdin/stdout")
    mcp.add_argument("--host", default="127.0.0.1", help="with --http")
    mcp.add_argument("--port", type=int, default=8001, help="with --http; 0: one the OS picks "
                     "(printed)")
    mcp.add_argument("--token", help="required from HTTP clients as 'Authorization: Bearer "
                                     "TOKEN' (default: generated when the host is not local)")
    mcp.add_argument("--no-confirm", action="store_true",
                     help="on a robot, run programs without approve(id) (default: ask)")
    mcp.add_argument("--approval-seconds", type=float, default=120.0,
                     help="a program not approved within this time is refused")
    ros = sub.add_parser("ros", help="ROS 2 nodes (topics as parameters: --ros-args -p ...)")
    ros_sub = ros.add_subparsers(dest="node", required=True)
    ros_sim = ros_sub.add_parser("sim", help="the simulated table as a ROS 2 robot")
    ros_sim.add_argument("--blocks", help="block colours, e.g. red,green")
    ros_sim.add_argument("--bowls", help="bowl colours, e.g. blue")
    ros_sim.add_argument("--seed", type=int, default=0)
    ros_agent = ros_sub.add_parser("agent", help="commands on /cap/command to the robot")
    from robots.arm_models import ARM_MODELS
    add_scene_flags(ros_agent, robots=tuple(ARM_MODELS))
    transcribe = sub.add_parser("transcribe", help="a spoken command (WAV) as text")
    transcribe.add_argument("file")
    transcribe.add_argument("--objects", help="the scene's object names, comma separated")
    transcribe.add_argument("--json", action="store_true")
    add_speech_flag(transcribe)
    skills = sub.add_parser("skills", help="the library of generated functions")
    skills.add_argument("action", choices=("list", "show", "clear"))
    skills.add_argument("name", nargs="?")
    skills.add_argument("--json", action="store_true")
    return parser


def session_config(args, video: str | None = None) -> config.SessionConfig:
    """The scene flags as session settings."""
    from cap.sandbox.controller import Limits
    from sim.scene import SceneSpec

    spec = SceneSpec.from_lists(colors(args.blocks), colors(args.bowls), colors(args.objects),
                                args.seed)
    limits = Limits(wall_seconds=args.time_limit, cpu_seconds=min(60.0, args.time_limit))
    skills = not (getattr(args, "no_cache", False) or getattr(args, "no_skills", False))
    return config.SessionConfig(spec, perception=args.perception, grounding=args.grounding,
                                gui=args.gui,
                                video=video or args.video, limits=limits,
                                use_skill_library=skills,
                                tts=args.tts or ("espeak" if args.tts_out else None),
                                tts_out=args.tts_out)


def open_session(args, model, video: str | None = None, confirm=None, rehearse: bool = False):
    """The session the flags ask for: the simulator (rehearsed too with `rehearse`), or a ROS 2
    robot whose programs are rehearsed on a simulated twin first. `confirm(code)` approves each
    program (default with `--confirm`: shown, and a typed yes)."""
    from cap.session import Session

    settings = session_config(args, video=video)
    confirm = confirm or (typed_confirmation if args.confirm else None)
    if args.robot != "sim":
        from cap.ros.bringup import open_cell
        cell = open_cell("panda" if args.robot == "ros2" else args.robot, args.params,
                         args.ros_args)
        return Session(settings, model, cell=cell, rehearse=True, confirm=confirm)
    return Session(settings, model, rehearse=rehearse, confirm=confirm)


def typed_confirmation(code: str) -> bool:
    log(f"--- the program (rehearsed) ---\n{code}")
    try:
        answer = input("run it on the robot? type yes: ") if sys.stdin.isatty() else \
            sys.stdin.readline()
    except EOFError:
        return False
    return answer.strip().lower() in ("y", "yes")


def cmd_run(args) -> dict:
    with open_session(args, model_for(args)) as session:
        session.subscribe(on_wait=show_wait)
        outcome = None
        try:
            for command in args.commands:
                log(f"> {command}")
                outcome = session.command(command)
                show(outcome)
                if not outcome.ok:
                    break
        except KeyboardInterrupt as interrupt:  # a signal outside a model call or program
            outcome = stopped(interrupt)
        return session.report(outcome)


def cmd_exec(args) -> dict:
    code = Path(args.file).read_text()
    model = model_for(args) if config.llm_configured(args.llm) else None
    with open_session(args, model) as session:
        session.subscribe(on_wait=show_wait)
        try:
            outcome = session.exec_program(code, label=Path(args.file).name)
            show(outcome)
        except KeyboardInterrupt as interrupt:
            outcome = stopped(interrupt)
        return session.report(outcome)


def stopped(interrupt: KeyboardInterrupt):
    from cap.errors import OperatorStop
    from cap.session import Outcome

    outcome = Outcome()
    outcome.fail(OperatorStop(f"stopped by {interrupt or 'Ctrl-C'}; the robot is holding"))
    log(f"error (stopped): {outcome.error}")
    return outcome


def show(outcome) -> None:
    for program in outcome.programs:
        log(f"--- {program['lmp']}: {program['query']}")
        log(program["code"] or f"(no program: {program['error']})\n{program['reply']}")
    log("ok" if outcome.ok else f"error ({outcome.error_kind}): {outcome.error}")


def show_wait(call: dict) -> None:
    log(f"  ... {call['text']}")


def cmd_bench(args) -> dict:
    if args.bench == "tabletop":
        return bench_tabletop_cli(args)
    if args.bench == "codegen":
        from cap.bench.codegen import bench_codegen

        result = bench_codegen(model_for(args), args.mode)
        log(f"codegen ({args.mode}): " + ", ".join(
            f"{c} {100 * r:.0f} %" for c, r in result["pass_rate"].items())
            + f"; overall {100 * result['overall']:.0f} % of {result['problems']}")
        return result
    if args.bench == "perception":
        from cap.bench.perception import bench_perception

        result = bench_perception(args.scenes, args.seed)
        log(f"perception: precision {result['precision']:.3f}, recall {result['recall']:.3f}, "
            f"position error p95 {result['position_error_cm']['p95']:.2f} cm, "
            f"{result['ms_per_frame']:.1f} ms per frame (rendering "
            f"{result['render_ms_per_frame']:.1f} ms)")
        return result
    from cap.bench.pickplace import bench_pickplace

    result = bench_pickplace(args.trials, args.seed, args.perception)
    log(f"pick-and-place: {result['success']}/{result['trials']} "
        f"({100 * result['rate']:.1f} %), median {result['seconds_per_pick_place']['median']:.3f}"
        f" s per pick-and-place ({result['real_time_factor']:.0f}x real time), "
        f"{result['seconds_per_trial']:.3f} s per trial with scene set-up, "
        f"failures {result['failures']}")
    return result


def bench_tabletop_cli(args) -> dict:
    from cap.bench.tabletop import bench_tabletop
    from sim.tasks import ALL_CATEGORIES, CATEGORIES

    categories = args.tasks or list(CATEGORIES)
    unknown = [c for c in categories if c not in ALL_CATEGORIES]
    if unknown:
        raise ValueError(f"unknown categories {unknown}; known: {', '.join(ALL_CATEGORIES)}")
    if args.scripted_vision and not args.perception.startswith("vlm:"):
        raise ValueError("--scripted-vision answers a vision model: use --perception vlm:MODEL")
    vision = dict(zip(("noise", "miss"), args.scripted_vision)) if args.scripted_vision \
        else None
    llm = None if args.oracle else config.llm_spec(args.llm)
    if llm == config.BASELINE:
        from cap.llm.registry import BASELINE_BANNER
        log(BASELINE_BANNER)
    report = bench_tabletop(categories, args.trials, args.seed, llm, args.workers,
                            args.perception, Path(args.out), args.ray, vision)
    for name, task in report["tasks"].items():
        low, high = task["ci95"]
        paper = "" if task["paper_rate"] is None else f"paper {100 * task['paper_rate']:.0f} %"
        log(f"{name:28s} {task['successes']:3d}/{task['trials']:<3d} {100 * task['rate']:5.1f} % "
            f"[{100 * low:.0f}, {100 * high:.0f}]  {paper}  {task['failures'] or ''}")
    log(f"overall {100 * report['overall']['rate']:.1f} % from {args.perception}, "
        f"{report['overall']['wrongly_reported']} wrongly reported successes, "
        f"{report['seconds']:.0f} s; {report['files']['json']}")
    return report


def cmd_skills(args) -> dict:
    from cap.skills import SkillLibrary

    library = SkillLibrary(config.cap_home() / "skills.sqlite")
    if args.action == "clear":
        return {"cleared": library.clear()}
    skills = [s for s in library.list() if args.name in (None, s["name"])]
    for skill in skills:
        log(skill["code"] if args.action == "show" else skill["signature"])
    return {"skills": skills}


def cmd_shell(args) -> dict:
    import tempfile

    from cap.shell import Shell

    video = None if args.no_video else args.video or str(
        Path(tempfile.mkdtemp(prefix="cap-shell-")) / "session.mp4")
    with open_session(args, model_for(args), video=video) as session:
        listen = voice_listener(args.speech, session.object_names()) if args.voice else None
        asker = question_speaker(args)
        try:
            Shell(session, listen=listen, speak=asker.say if asker else None).loop()
        finally:
            if asker:
                asker.close()
        report = session.report()
    return {"ok": True, "commands": report["commands"], "said": report["said"]}


def voice_listener(speech: str, object_names: list[str]):
    """One spoken command from the microphone (or a recording's path), transcribed."""
    from cap.speech.microphone import record
    from cap.speech.recognize import make_recognizer

    recognizer = make_recognizer(speech, object_names)
    return lambda recording=None: recognizer.transcribe(recording or record())


def question_speaker(args):
    """Says the shell's questions with --tts (its own voice; with --tts-out, WAVs in asked/)."""
    if not (args.voice and (args.tts or args.tts_out)):
        return None
    from cap.speech.tts import Speaker

    return Speaker(args.tts or "espeak", Path(args.tts_out) / "asked" if args.tts_out else None)


def cmd_transcribe(args) -> dict:
    from cap.speech.ask import transcript_report
    from cap.speech.recognize import make_recognizer

    recognizer = make_recognizer(args.speech, (colors(args.objects) or ()))
    transcript = recognizer.transcribe(args.file)
    log(transcript.text)
    return {"ok": True, **transcript_report(transcript)}


def cmd_serve(args) -> dict:
    import secrets

    from cap.web.app import LOCAL_HOSTS, create_app, highlight_html
    from cap.hub import Hub
    from cap.web.server import listen, run

    token = args.token or (None if args.host in LOCAL_HOSTS else secrets.token_urlsafe(16))
    sock = listen(args.host, args.port)  # --port 0: the OS picks one, printed below
    model = model_for(args)
    hub = Hub(lambda: open_session(args, model), highlight_html)
    recognizer = None
    try:
        from cap.speech.recognize import make_recognizer
        recognizer = make_recognizer(args.speech, hub.object_names)
    except CapError as error:
        log(f"cap serve: no spoken commands ({error})")
    host = f"[{args.host}]" if ":" in args.host else args.host
    log(f"cap serve: open http://{host}:{sock.getsockname()[1]}/"
        + (f"?token={token}" if token else ""))
    try:
        run(create_app(hub, token, recognizer), sock)
    finally:
        hub.close()
    return {"ok": True}


def cmd_mcp(args) -> dict:
    import secrets

    from cap.mcp.serve import Options, serve
    from cap.web.app import LOCAL_HOSTS

    if args.json and not args.http:
        raise ValueError("cap mcp: stdout carries MCP messages; --json needs --http")
    if args.confirm and args.no_confirm:
        raise ValueError("cap mcp: --confirm or --no-confirm, not both")
    confirm = args.confirm or (args.robot != "sim" and not args.no_confirm)
    token = args.token or (None if not args.http or args.host in LOCAL_HOSTS
                           else secrets.token_urlsafe(16))
    model = model_for(args)
    serve(lambda gate: open_session(args, model, confirm=gate, rehearse=confirm),
          Options(args.http, args.host, args.port, token, confirm, args.approval_seconds), log)
    return {"ok": True}


def cmd_ros(args) -> dict:
    if args.node == "sim":
        from cap.ros.sim_node import main as run_sim
        from sim.scene import SceneSpec
        run_sim(SceneSpec(colors(args.blocks), colors(args.bowls), args.seed), args.ros_args)
    else:
        from cap.ros.agent import main as run_agent
        from cap.ros.bringup import ros_arguments
        run_agent(session_config(args), args.llm, args.no_cache, args.confirm, args.robot,
                  ros_arguments(args.params, args.ros_args))
    return {"ok": True}


def cmd_demo(args) -> dict:
    from cap.demo import run_demo

    return run_demo(model_for(args), Path(args.out))


COMMANDS = {"run": cmd_run, "exec": cmd_exec, "demo": cmd_demo, "bench": cmd_bench,
            "skills": cmd_skills, "shell": cmd_shell, "transcribe": cmd_transcribe,
            "serve": cmd_serve, "mcp": cmd_mcp, "ros": cmd_ros}


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    ros_args = argv[argv.index("--ros-args"):] if "--ros-args" in argv else []
    args = build_parser().parse_args(argv[:len(argv) - len(ros_args)])
    args.ros_args = ros_args
    from robots.errors import MotionError

    json_out = _claim_stdout() if getattr(args, "json", False) else None
    if json_out is not None:
        _stop_on_signals()
    try:
        result = COMMANDS[args.command](args)
    except KeyboardInterrupt as interrupt:
        result = {"ok": False, "error": f"stopped by {interrupt or 'Ctrl-C'}",
                  "error_kind": "stopped"}
    except (CapError, MotionError) as error:
        result = {"ok": False, "error": str(error), "error_kind": error_kind(error)}
        log(f"cap: {error}")
    except (ValueError, OSError) as error:  # bad flags, files that cannot be read
        result = {"ok": False, "error": str(error), "error_kind": "usage"}
        log(f"cap: {error}")
    if json_out is not None:
        json_out.write(json.dumps(result, default=_jsonable) + "\n")
        json_out.flush()
    return 0 if result.get("ok", True) else 1


class Signalled(KeyboardInterrupt):
    """SIGTERM (or SIGINT) arrived: stop as Ctrl-C does, so the JSON object still comes."""


def _stop_on_signals() -> None:
    """The first SIGTERM or SIGINT stops the command (the robot holds, a model request is
    abandoned) and the report is printed; later ones wait for that to finish."""
    def handle(number, frame) -> None:
        for other in (signal.SIGTERM, signal.SIGINT):
            signal.signal(other, signal.SIG_IGN)
        raise Signalled(signal.Signals(number).name)
    for number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(number, handle)


def _claim_stdout():
    """Keep the real stdout for the JSON object and send everything else (C libraries
    included) to stderr, so stdout carries exactly one JSON object."""
    sys.stdout.flush()
    json_out = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return json_out


def _jsonable(value):
    if hasattr(value, "tolist"):
        return value.tolist()
    return str(value)


if __name__ == "__main__":
    raise SystemExit(main())
