"""How vision-language models say where things are in an image, and what to ask them.

Each convention turns a request for named objects into a prompt and the model's reply into
answers in the image's own pixels: Qwen2.5-VL gives pixel coordinates of the image as it
resized it (sides rounded to multiples of 28), Qwen3-VL boxes `[x1, y1, x2, y2]` normalised to
0-1000, Gemini `box_2d: [ymin, xmin, ymax, xmax]` and points `[y, x]` normalised to 0-1000,
Molmo `<point x=".." y="..">` tags in percent of the image. A reply that is not in the
convention's form is an error that says what came back.
"""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Callable

EVERYTHING = "every object on the table"  # what a look that names everything asks for


class GroundingError(ValueError):
    """The model's reply is not in the form its convention gives."""


@dataclass(frozen=True)
class Answer:
    """Where the model says one named thing is, in the image's pixels: a box or a point."""

    label: str
    box: tuple[float, float, float, float] | None = None  # u0, v0, u1, v1
    point: tuple[float, float] | None = None  # u, v

    @property
    def center(self) -> tuple[float, float]:
        if self.point is not None:
            return self.point
        u0, v0, u1, v1 = self.box
        return ((u0 + u1) / 2, (v0 + v1) / 2)


@dataclass(frozen=True)
class Convention:
    name: str
    prompt: Callable[[list[str]], str]
    parse: Callable[[str, int, int], list[Answer]]  # reply, image width, height


def _json_prompt(box: str, point: str, scale: str) -> Callable[[list[str]], str]:
    def prompt(names: list[str]) -> str:
        wanted = (f"each object on the table, labelled with the noun a person would use "
                  f"(\"mug\", \"rubber duck\", \"red block\")" if names == [EVERYTHING] else
                  f"each of these objects: {json.dumps(names)}, labelled with the name "
                  f"as given")
        return (f"Locate {wanted}. Answer with JSON only: a list of objects "
                f"{{\"label\": NAME, {box}}} (or {{\"label\": NAME, {point}}}), {scale}. Leave "
                "out a name you cannot see in the image; never guess.")
    return prompt


def _json_items(reply: str) -> list[dict]:
    """The JSON list in a reply (models often wrap it in a ```json fence)."""
    text = re.sub(r"^```(?:json)?|```$", "", reply.strip(), flags=re.MULTILINE).strip()
    try:
        items = json.loads(text)
    except json.JSONDecodeError:
        raise GroundingError(f"the vision model's reply is not JSON: {reply[:200]!r}") from None
    items = [items] if isinstance(items, dict) else items
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise GroundingError(f"the vision model's reply is not a list of objects: {reply[:200]!r}")
    return items


def _numbers(item: dict, key: str, count: int) -> list[float] | None:
    value = item.get(key)
    if value is None:
        return None
    if not (isinstance(value, list) and len(value) == count
            and all(isinstance(v, (int, float)) and math.isfinite(v) for v in value)):
        raise GroundingError(f"{key} must be {count} numbers, got {value!r}")
    return [float(v) for v in value]


def _json_parser(box_key: str, point_key: str, to_pixels: Callable, y_first: bool):
    def parse(reply: str, width: int, height: int) -> list[Answer]:
        sx, sy = to_pixels(width, height)
        answers = []
        for item in _json_items(reply):
            label = str(item.get("label", "")).strip()
            box, point = _numbers(item, box_key, 4), _numbers(item, point_key, 2)
            if y_first:
                box = box and [box[1], box[0], box[3], box[2]]
                point = point and [point[1], point[0]]
            if box is not None:
                answers.append(Answer(label, box=(box[0] * sx, box[1] * sy, box[2] * sx,
                                                  box[3] * sy)))
            elif point is not None:
                answers.append(Answer(label, point=(point[0] * sx, point[1] * sy)))
            else:
                raise GroundingError(f"an object in the reply has neither {box_key} nor "
                                     f"{point_key}: {item!r}")
        return answers
    return parse


def smart_resize(width: int, height: int, factor: int = 28, min_pixels: int = 56 * 56,
                 max_pixels: int = 28 * 28 * 1280) -> tuple[int, int]:
    """The size Qwen2.5-VL's processor resizes an image to: sides rounded to multiples of
    `factor`, the area kept between the pixel bounds."""
    w, h = max(factor, round(width / factor) * factor), max(factor, round(height / factor) * factor)
    if w * h > max_pixels:
        beta = math.sqrt(width * height / max_pixels)
        w, h = (math.floor(v / beta / factor) * factor for v in (width, height))
    elif w * h < min_pixels:
        beta = math.sqrt(min_pixels / (width * height))
        w, h = (math.ceil(v * beta / factor) * factor for v in (width, height))
    return w, h


def _resized(width: int, height: int) -> tuple[float, float]:
    w, h = smart_resize(width, height)
    return width / w, height / h


def _per_mille(width: int, height: int) -> tuple[float, float]:
    return width / 1000, height / 1000


MOLMO_POINT = re.compile(r"<point\s+x=\"([\d.]+)\"\s+y=\"([\d.]+)\"(?:\s+alt=\"([^\"]*)\")?>"
                         r"([^<]*)</point>")


def _molmo_prompt(names: list[str]) -> str:
    if names == [EVERYTHING]:
        return ("Point to each object on the table, one <point> per object, each with the "
                "noun a person would use for it as its text.")
    return (f"Point to each of these objects: {json.dumps(names)}, one <point> per object "
            "found, its text the name as given. Leave out a name you cannot see.")


def _molmo_parse(reply: str, width: int, height: int) -> list[Answer]:
    """`<point x="61.5" y="40.6" alt="mug">mug</point>`: percent of the image's sides."""
    answers = []
    for x, y, alt, text in MOLMO_POINT.findall(reply):
        if not (0 <= float(x) <= 100 and 0 <= float(y) <= 100):
            raise GroundingError(f"a Molmo point lies outside the image: x={x}, y={y}")
        answers.append(Answer((text or alt).strip(), point=(float(x) * width / 100,
                                                            float(y) * height / 100)))
    if not answers and "<point" in reply:
        raise GroundingError(f"unreadable <point> tags in the reply: {reply[:200]!r}")
    return answers


CONVENTIONS: dict[str, Convention] = {c.name: c for c in (
    Convention("qwen2.5", _json_prompt('"bbox_2d": [x1, y1, x2, y2]', '"point_2d": [x, y]',
                                       "in pixels of the image"),
               _json_parser("bbox_2d", "point_2d", _resized, y_first=False)),
    Convention("qwen3", _json_prompt('"bbox_2d": [x1, y1, x2, y2]', '"point_2d": [x, y]',
                                     "coordinates normalised to 0-1000"),
               _json_parser("bbox_2d", "point_2d", _per_mille, y_first=False)),
    Convention("gemini", _json_prompt('"box_2d": [ymin, xmin, ymax, xmax]', '"point": [y, x]',
                                      "coordinates normalised to 0-1000"),
               _json_parser("box_2d", "point", _per_mille, y_first=True)),
    Convention("molmo", _molmo_prompt, _molmo_parse),
)}
BY_MODEL_NAME = (("qwen2.5", "qwen2.5"), ("qwen2_5", "qwen2.5"), ("qwen25", "qwen2.5"),
                 ("qwen3", "qwen3"), ("gemini", "gemini"), ("molmo", "molmo"))


def convention_for(model: str, flag: str | None = None) -> Convention:
    """The convention a flag names, else the one the model's name implies; ValueError when
    neither says (the flag is then needed)."""
    if flag:
        if flag not in CONVENTIONS:
            raise ValueError(f"unknown grounding convention {flag!r}; known: "
                             f"{', '.join(CONVENTIONS)}")
        return CONVENTIONS[flag]
    key = model.lower().replace("-", "").replace(" ", "")
    for fragment, name in BY_MODEL_NAME:
        if fragment.replace("-", "") in key:
            return CONVENTIONS[name]
    raise ValueError(f"cannot tell how model {model!r} gives coordinates; name the convention "
                     f"with --grounding ({', '.join(CONVENTIONS)})")
