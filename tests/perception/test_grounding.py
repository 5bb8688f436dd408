"""The coordinate conventions of vision-language models, and answers matched to pixels."""
import json

import numpy as np
import pytest

from perception.detector import Detection
from perception.grounded import locate
from perception.grounding import (
    CONVENTIONS, EVERYTHING, Answer, GroundingError, convention_for, smart_resize)

W, H = 320, 240


def test_each_convention_reads_its_own_coordinates_into_image_pixels():
    box = (100.0, 60.0, 140.0, 90.0)  # u0 v0 u1 v1 in the 320 x 240 image
    rw, rh = smart_resize(W, H)
    replies = {
        "qwen2.5": json.dumps([{"label": "mug", "bbox_2d": [100 * rw / W, 60 * rh / H,
                                                            140 * rw / W, 90 * rh / H]}]),
        "qwen3": "```json\n" + json.dumps([{"label": "mug", "bbox_2d": [312.5, 250, 437.5,
                                                                      375]}]) + "\n```",
        "gemini": json.dumps([{"label": "mug", "box_2d": [250, 312.5, 375, 437.5]}]),
    }
    for name, reply in replies.items():
        (answer,) = CONVENTIONS[name].parse(reply, W, H)
        assert answer.label == "mug" and answer.box == pytest.approx(box), name
    (point,) = CONVENTIONS["molmo"].parse('<point x="37.5" y="31.25" alt="mug">mug</point>', W, H)
    assert point.point == pytest.approx((120.0, 75.0)) and point.label == "mug"
    (gemini_point,) = CONVENTIONS["gemini"].parse('[{"label": "mug", "point": [312.5, 375]}]',
                                                  W, H)
    assert gemini_point.point == pytest.approx((120.0, 75.0))


def test_qwen25_coordinates_are_those_of_the_image_resized_to_multiples_of_28():
    assert smart_resize(320, 240) == (308, 252)
    assert smart_resize(1280, 720) == (1288, 728)
    w, h = smart_resize(4000, 3000)
    assert w % 28 == 0 and h % 28 == 0 and w * h <= 28 * 28 * 1280


def test_convention_is_chosen_by_flag_else_by_model_name():
    assert convention_for("Qwen/Qwen2.5-VL-7B-Instruct").name == "qwen2.5"
    assert convention_for("qwen3-vl-8b-instruct").name == "qwen3"
    assert convention_for("gemini-2.5-flash").name == "gemini"
    assert convention_for("allenai/Molmo-7B-D-0924").name == "molmo"
    assert convention_for("my-finetune", "qwen3").name == "qwen3"
    with pytest.raises(ValueError, match="--grounding"):
        convention_for("llava-1.6")
    with pytest.raises(ValueError, match="unknown grounding convention 'yolo'"):
        convention_for("qwen3-vl", "yolo")


@pytest.mark.parametrize("reply, words", [
    ("I see a mug on the left.", "not JSON"),
    ('{"answer": 3}', "neither bbox_2d nor point_2d"),
    ('[{"label": "mug", "bbox_2d": [1, 2, "x", 4]}]', "4 numbers"),
    ('[{"label": "mug", "bbox_2d": [1, 2, NaN, 4]}]', "4 numbers"),
])
def test_a_reply_not_in_the_conventions_form_is_an_error_that_quotes_it(reply, words):
    with pytest.raises(GroundingError, match=words):
        CONVENTIONS["qwen3"].parse(reply, W, H)


def test_molmo_points_outside_the_image_are_refused():
    with pytest.raises(GroundingError, match="outside the image"):
        CONVENTIONS["molmo"].parse('<point x="140" y="20" alt="mug">mug</point>', W, H)


def test_prompts_name_what_is_asked_and_say_not_to_guess():
    for convention in CONVENTIONS.values():
        assert '["rubber duck"]' in convention.prompt(["rubber duck"])
        assert "never guess" in convention.prompt(["mug"]) or \
            "Leave out" in convention.prompt(["mug"])
        assert "each object on the table" in convention.prompt([EVERYTHING])


def _detection(mask: np.ndarray) -> Detection:
    return Detection("object", "red", np.zeros(3), 0.0, np.ones(3), (1, 0, 0),
                     int(mask.sum()), mask=mask)


def test_answers_land_on_the_pixels_of_an_object_or_nowhere():
    mug = np.zeros((H, W), bool)
    mug[50:80, 100:130] = True
    duck = np.zeros((H, W), bool)
    duck[150:170, 200:220] = True
    seen = {"white object": _detection(mug), "yellow object": _detection(duck)}
    assert locate(Answer("mug", point=(115, 60)), seen) == "white object"
    assert locate(Answer("mug", point=(131.5, 60)), seen) == "white object"  # at its edge
    assert locate(Answer("mug", point=(160, 120)), seen) is None  # bare table
    assert locate(Answer("duck", box=(198, 148, 223, 172)), seen) == "yellow object"
    assert locate(Answer("duck", box=(0, 0, 320, 240)), seen) is None  # covers all: no match
    assert locate(Answer("duck", box=(10, 10, 40, 40)), seen) is None
