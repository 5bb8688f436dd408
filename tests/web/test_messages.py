"""What a browser may send over the socket (cap/web/messages.py)."""
from __future__ import annotations

import json
import re

import pytest

from cap.web.messages import BadMessage, command_text, frame_rate, parse_message


@pytest.mark.parametrize("value, error", [
    (None, "must be a string"), ({"a": 1}, "must be a string"), (7, "must be a string"),
    ("\ud800", "not text (U+D800)"), ("red\x00block", "not text (U+0000)"),
    ("stack\u200b them", "not text (U+200B)"), ("  \n\t ", "empty command"),
    ("x" * 501, "longer than 500"),
])
def test_command_text_that_is_not_text_is_refused_with_the_reason(value, error):
    with pytest.raises(BadMessage, match=re.escape(error)):
        command_text(value)


def test_command_text_keeps_words_and_makes_whitespace_single_spaces():
    assert command_text(" put the\tred block\n in the bleu bowl ") == \
        "put the red block in the bleu bowl"
    assert command_text("stack the blocks ✓ é 中") == "stack the blocks ✓ é 中"


@pytest.mark.parametrize("text", [None, "not json", "[" * 20_000, "[1, 2]", '{"type": 7}',
                                  '{"type": "shutdown"}', json.dumps({"text": "hi"})])
def test_messages_the_page_never_sends_are_refused(text):
    with pytest.raises(BadMessage):
        parse_message(text)


@pytest.mark.parametrize("value", [True, -1, 11, "5", None, float("nan")])
def test_a_frame_rate_out_of_range_is_refused(value):
    with pytest.raises(BadMessage, match="fps"):
        frame_rate(value)


def test_a_frame_rate_in_range_is_kept():
    assert frame_rate(0) == 0.0 and frame_rate(2.5) == 2.5
