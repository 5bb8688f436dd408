"""Reading a reply as models write it: whole programs only, steps in order, alternatives
refused (cap/replies.py, cap/steps.py)."""
import pytest

from cap.errors import GenerationError
from cap.replies import TruncatedReply, extract_code

STEPS_BY_NAMES = """To stack the blocks, first collect them:

```python
blocks = [name for name in get_obj_names() if 'block' in name]
say(f'I found {len(blocks)} blocks')
```

Now stack each one on the previous:

```python
for lower, upper in zip(blocks, blocks[1:]):
    put_first_on_second(upper, lower)
```"""

NUMBERED_STEPS = """1. Tell the user what is happening:
   ```python
   say('Moving the red block to the blue bowl.')
   ```
2. Move it:
   ```python
   put_first_on_second('red block', 'blue bowl')
   ```"""

STEP_HEADINGS = """**Step 1: put the red block in the bowl**
```python
put_first_on_second('red block', 'blue bowl')
```
**Step 2: put the green block on top of it**
```python
put_first_on_second('green block', 'red block')
```"""

RECAP = """Step 1:
```python
target = get_obj_pos('blue bowl')
```
Step 2:
```python
put_first_on_second('red block', target)
```
The complete program:
```python
target = get_obj_pos('blue bowl')
put_first_on_second('red block', target)
```"""

OPTIONS = """Option 1:
```python
put_first_on_second('red block', 'blue bowl')
```
Option 2, which checks first:
```python
if 'red block' in objects:
    put_first_on_second('red block', 'blue bowl')
```"""

LOOPS_REDONE = """```python
for name in objects:
    if name.endswith('block'):
        put_first_on_second(name, 'blue bowl')
```
A shorter way:
```python
for block in [o for o in objects if 'block' in o]:
    put_first_on_second(block, 'blue bowl')
```"""

UNRELATED_BLOCKS = """```python
say('hello')
```
```python
goto_pos([0.1, 0.1, 0.2])
```"""


def test_a_closing_fence_on_the_last_line_of_code_closes_the_block():
    assert extract_code('```python\nsay("hello")```') == 'say("hello")'
    assert extract_code("Here you go:\n```python\nx = 1\nsay(str(x))```\nThat says 1.") == \
        "x = 1\nsay(str(x))"
    with pytest.raises(TruncatedReply):  # a block that never closes was still cut off
        extract_code("```python\nsay('hel")


@pytest.mark.parametrize("reply, program", [
    (STEPS_BY_NAMES, "blocks = [name for name in get_obj_names() if 'block' in name]\n"
                     "say(f'I found {len(blocks)} blocks')\n\n"
                     "for lower, upper in zip(blocks, blocks[1:]):\n"
                     "    put_first_on_second(upper, lower)"),
    (NUMBERED_STEPS, "say('Moving the red block to the blue bowl.')\n\n"
                     "put_first_on_second('red block', 'blue bowl')"),
    (STEP_HEADINGS, "put_first_on_second('red block', 'blue bowl')\n\n"
                    "put_first_on_second('green block', 'red block')"),
    (RECAP, "target = get_obj_pos('blue bowl')\nput_first_on_second('red block', target)"),
])
def test_consecutive_steps_are_one_program_in_order(reply, program):
    assert extract_code(reply) == program


@pytest.mark.parametrize("reply", [OPTIONS, LOOPS_REDONE, UNRELATED_BLOCKS])
def test_blocks_that_redo_the_work_or_say_nothing_of_order_are_refused(reply):
    with pytest.raises(GenerationError, match="alternative programs"):
        extract_code(reply)


def test_an_unparsable_unfenced_reply_keeps_every_line_of_code():
    """The gemma-3-270m reply of issue 30: the act and the junk after it on one line. The
    program is kept whole (the checks then refuse its syntax error), never cut to the read."""
    reply = ("red_block_pos = get_obj_pos('blue bowl')[:2]\n"
             "put_first_on_second(red_block_pos, 'red block', red_block_pos)ElementChild\n"
             "ElementChild\nElementChild")
    assert extract_code(reply) == reply.rsplit("\nElementChild\nElementChild")[0]


@pytest.mark.parametrize("reply, program", [
    ("Sure! Here is the code:\nput_first_on_second('red block', 'blue bowl')\n\n"
     "This picks up the red block (the one on the left) and drops it.",
     "put_first_on_second('red block', 'blue bowl')"),
    ("Steps:\n1) find it\n2) move it\n# move it\nput_first_on_second(\n    'red block',\n"
     "    'blue bowl')\nDone.",
     "# move it\nput_first_on_second(\n    'red block',\n    'blue bowl')"),
    ("for b in ['red block']:\n    put_first_on_second(b, 'blue bowl')\nExplanation: it "
     "loops over the blocks.", "for b in ['red block']:\n    put_first_on_second(b, 'blue bowl')"),
])
def test_prose_around_unfenced_code_is_dropped(reply, program):
    assert extract_code(reply) == program


def test_prose_inside_unfenced_code_is_kept_for_the_checks_to_refuse():
    reply = ("x = get_obj_pos('red block')\nthen move it to the bowl\n"
             "put_first_on_second('red block', x)")
    assert extract_code(reply) == reply
