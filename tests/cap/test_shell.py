"""`cap shell` driven through a real pseudo-terminal."""
import os
import sys

import pexpect
import pytest

pytestmark = pytest.mark.slow


@pytest.fixture
def shell(tmp_path):
    child = pexpect.spawn(sys.executable, ["-m", "cap", "shell", "--blocks", "red,green",
                                           "--bowls", "blue", "--seed", "2", "--no-video",
                                           "--perception", "oracle"],
                          cwd=str(tmp_path), encoding="utf-8", timeout=90,
                          env={**os.environ, "NO_COLOR": "1"})
    child.expect("cap> ")
    yield child
    child.close(force=True)


def test_command_undo_code_and_quit(shell):
    shell.sendline("put the red block in the blue bowl")
    shell.expect("put_first_on_second\\('red block', 'blue bowl'\\)")
    shell.expect("ok ")
    shell.expect("cap> ")
    shell.sendline(":objects")
    shell.expect("red block")
    shell.expect("cap> ")
    shell.sendline(":undo")
    shell.expect("restored the world")
    shell.expect("cap> ")
    shell.sendline(":code")
    shell.expect("a line with only")
    shell.sendline("say(f'{len(get_obj_names())} objects')")
    shell.sendline(".")
    shell.expect("robot: 3 objects")
    shell.expect("cap> ")
    shell.sendline(":quit")
    shell.expect(pexpect.EOF)


def test_ctrl_c_during_a_motion_stops_it_and_the_session_survives(shell):
    """Ctrl-C once the program has said it moves (said messages are shown as they are said;
    on a loaded machine a fixed wait sent it while the shell still read the program). The
    simulator moves faster than real time: 200 motions (the limit) took 5 s, so each turn
    also computes a while, and the program outlasts a loaded machine's reaction."""
    shell.sendline(":code")
    shell.expect("a line with only")
    shell.sendline("say('moving')")
    shell.sendline("while True:")
    shell.sendline("    goto_pos([0.15, 0.1, 0.25])")
    shell.sendline("    goto_pos([-0.15, -0.1, 0.25])")
    shell.sendline("    sum(range(3_000_000))")
    shell.sendline(".")
    shell.expect("robot: moving")
    shell.sendintr()
    shell.expect("stopped")
    shell.expect("cap> ")
    shell.sendline(":code")
    shell.expect("a line with only")
    shell.sendline("say('still here')")
    shell.sendline(".")
    shell.expect("robot: still here")
    shell.sendline(":quit")
    shell.expect(pexpect.EOF)
