"""`cap shell`: an interactive session on the simulated table.

Commands go to the LMP engine; lines starting with ':' control the session. Ctrl-C during a
command stops the robot and returns to the prompt.
"""
from __future__ import annotations

import os
import readline
import sys
import time
from typing import Callable

from cap.errors import CapError
from cap.config import cap_home
from cap.session import Session
from cap.speech.ask import Clarification
from cap.speech.recognize import Transcript

HELP = """commands are sent to the robot; and these:
  :code     type a policy program (end with a line holding only '.'); runs in the sandbox
  :undo     put the world back as it was before the last command
  :reset    a fresh scene (same objects, same seed)
  :video [P]  save the session's video so far (to P, .mp4)
  :objects  what the robot sees
  :hear F   a spoken command from a recording (WAV), as if said (--voice)
  :help     this text
  :quit     leave"""


def highlight(code: str) -> str:
    """Python in terminal colours (not where NO_COLOR is set, the common convention)."""
    if os.environ.get("NO_COLOR"):
        return code
    try:
        from pygments import highlight as render
        from pygments.formatters import TerminalFormatter
        from pygments.lexers import PythonLexer
    except ImportError:
        return code
    return render(code, PythonLexer(), TerminalFormatter()).rstrip()


class Shell:
    """`listen(path)`, when given, transcribes one spoken command: from the microphone, or from
    a recording (`--voice`); `speak` says the questions asked about it aloud (`--tts`)."""

    def __init__(self, session: Session, out=sys.stdout,
                 listen: Callable[[str | None], Transcript] | None = None,
                 speak: Callable[[str], None] | None = None) -> None:
        self.session, self.out, self.listen = session, out, listen
        self.speak = speak or (lambda message: None)
        session.subscribe(on_wait=self.waiting,
                          on_said=lambda message: self.say(f"robot: {message}"))
        self.history = cap_home() / "shell_history"
        self.history.parent.mkdir(parents=True, exist_ok=True)
        if self.history.exists():
            readline.read_history_file(self.history)

    def say(self, *parts) -> None:
        print(*parts, file=self.out, flush=True)

    def loop(self) -> None:
        self.say(f"cap shell: {len(self.session.object_names())} objects on the table. "
                 ":help for help, :quit to leave.")
        if self.listen:
            self.say("voice: press Enter on an empty line, then speak")
        while True:
            try:
                line = input("cap> ").strip()
            except EOFError:
                break
            except KeyboardInterrupt:
                self.say("")
                continue
            if line in (":quit", ":q", ":exit"):
                break
            if not line and self.listen:
                self.voice()
            elif line:
                self.handle(line)
        readline.write_history_file(self.history)

    def handle(self, line: str) -> None:
        name, _, argument = line.partition(" ")
        actions = {":help": lambda: self.say(HELP), ":undo": self.undo_last,
                   ":reset": self.reset, ":code": self.code, ":objects": self.objects,
                   ":video": lambda: self.save_video(argument.strip()),
                   ":hear": lambda: self.voice(argument.strip())}
        if name in actions:
            actions[name]()
        elif line.startswith(":"):
            self.say(f"unknown command {name}; :help lists them")
        else:
            self.run(lambda: self.session.command(line))

    def run(self, action) -> None:
        try:
            outcome = action()
        except KeyboardInterrupt:  # between worker messages: the worker handles the rest
            self.session.stop()
            self.say("stopped; the robot is holding")
            return
        for program in outcome.programs:
            self.say(f"--- {program['lmp']}: {program['query']}".rstrip(": "))
            self.say(highlight(program["code"]) if program["code"] else
                     f"(no program: {program['error']})\n{program['reply']}")
        tokens = outcome.llm["prompt_tokens"]
        self.say(f"{'ok' if outcome.ok else 'failed: ' + str(outcome.error)}  "
                 f"({outcome.seconds:.1f} s, {outcome.llm['calls']} model calls, "
                 f"{'unknown' if tokens is None else tokens} prompt tokens)")

    def waiting(self, call: dict) -> None:
        self.say(f"  ... {call['text']}")

    def voice(self, recording: str | None = None) -> None:
        """Run a spoken command (from the microphone, or a recording), asking first about any
        object name the recogniser was unsure of."""
        if not self.listen:
            self.say("spoken commands need --voice")
            return
        transcript = self.hear(recording)
        command = self.clarify(Clarification(transcript)) if transcript else None
        if command:
            self.handle(command)

    def hear(self, recording: str | None = None) -> Transcript | None:
        """One spoken command, echoed so the speaker sees what was understood."""
        self.say("listening..." if recording is None else f"hearing {recording}")
        try:
            transcript = self.listen(recording)
        except (CapError, ValueError, RuntimeError) as error:
            self.say(f"did not catch that: {error}")
            return None
        self.say(f"heard: {transcript.text}")
        return transcript

    def clarify(self, clarification: Clarification) -> str | None:
        """Put the clarification's questions (shown, and said with --tts) and take the answers,
        typed, or spoken after Enter on an empty line; the command to run, or None."""
        asked = False
        while question := clarification.question:
            asked = True
            self.say(f"robot: {question.text} (type or speak your answer; 'neither' drops it)")
            self.speak(question.text)
            try:
                reply = input("answer> ").strip()
            except (EOFError, KeyboardInterrupt):
                reply = "cancel"
            if not reply or reply.startswith(":hear"):
                heard = self.hear(reply.partition(" ")[2].strip() or None)
                reply = heard.text if heard else ""
            self.say(clarification.answer(reply))
        if asked and clarification.command:
            self.say(f"running: {clarification.command}")
        return clarification.command

    def code(self) -> None:
        self.say("type the program; a line with only '.' runs it")
        lines = []
        while (line := input("... ")) != ".":
            lines.append(line)
        self.run(lambda: self.session.exec_program("\n".join(lines), label="code"))

    def undo_last(self) -> None:
        try:
            self.session.undo()
        except CapError as error:
            self.say(f":undo: {error}")
            return
        self.say("restored the world from before the last command")

    def reset(self) -> None:
        try:
            self.session.reset()
        except CapError as error:
            self.say(f":reset: {error}")
            return
        self.say(f"fresh scene: {', '.join(self.session.object_names())}")

    def objects(self) -> None:
        for name, info in self.session.objects().items():
            self.say(f"  {name:16s} at {[round(float(v), 3) for v in info.position]}")

    def save_video(self, path: str) -> None:
        path = path or f"runs/shell-{time.strftime('%Y%m%d-%H%M%S')}.mp4"
        try:
            saved = self.session.save_video(path)
        except (CapError, ValueError) as error:
            self.say(f"{error}; start the shell without --no-video")
            return
        self.say(f"saved the video so far to {saved}")
