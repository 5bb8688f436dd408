"""The spoken-command grammar, built from the tabletop vocabulary.

One small phrase-structure grammar describes tabletop commands: clauses joined by "and" or
"then"; moves, shifts by a distance, stacks, shapes, sorting, questions; noun phrases from
determiners, colours (the perception palette), kinds, ordinals and relations; the named
places of the workspace and the scene's own object names. The grammar is sampled into a
corpus (with the commands the prompts and the task suite already hold) for a trigram language
model: as a finite-state JSGF search it expands past 15 GB
(noun phrases nest), and the n-gram model also accepts orders of these words the rules never
produced (a held-out command is rarely exactly in any grammar).
"""
from __future__ import annotations

import functools
import random
import re
from typing import Iterable

from perception.palette import PALETTE
from robots.workspace import PLACES_NORMALIZED

GRAMMAR_VERSION = 2  # bump when RULES change: cached language models are keyed by it
DIGITS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]

# name -> alternatives; a token "<rule>" expands a rule, "<rule>?" may be left out.
RULES: dict[str, list[str]] = {
    "utterance": ["<polite>? <clause>", "<polite>? <clause> <joiner> <clause>",
                  "<polite>? <clause> <joiner> <clause> <joiner> <clause>", "<clause> please"],
    "polite": ["please", "can you", "could you", "now", "okay", "robot", "next", "go ahead and",
               "i want you to", "hey robot"],
    "joiner": ["and", "then", "and then", "after that", "and also"],
    "clause": ["<move>", "<move>", "<move>", "<shift>", "<stack>", "<shape>", "<sort>",
               "<question>", "<question>", "<pick>", "<other>"],
    "move": ["<put> <things> <relation> <thing>", "<put> <things> <relation> <thing>",
             "<put> <things> <at> <place>", "<put> <things> <at> <place>",
             "<put> <things> between <thing> and <thing>",
             "<put> <things> <side_relation> <thing>",
             "<put> <things> in the middle of <things>", "<put> <things> <at> <place> <of> <thing>",
             "<put> <things> <back_to> <where>", "<put> <things> in <thing> <with> <attribute>",
             "<put> <things> <near> <thing> <with> <attribute>", "swap <thing> and <thing>",
             "swap the positions of <thing> and <thing>", "<put> <things> <side>"],
    "shift": ["<put> <things> <amount> <direction>", "<put> <things> <direction>",
              "<put> <things> <amount> <direction> <of> <thing>",
              "<put> <things> <amount> <away_from> <thing>",
              "<put> <things> <a_bit> <direction>", "<put> <things> <direction> <a_bit>",
              "rotate <things> <amount> degrees <rotation>",
              "<put> <things> <a_bit> <closer> <thing>"],
    "stack": ["stack <things>", "stack <things> <on> <thing>", "stack <things> <at> <place>",
              "stack <things> <side_relation> <thing>", "unstack <things>",
              "<make> <a> <structure> <of_with> <things>",
              "<make> <a> <structure> <of_with> <things> <at> <place>",
              "<make> <a> <structure> <at> <place>", "<put> <things> on top of each other",
              "put <things> on top of <thing>", "<make> <number> <structures>"],
    "shape": ["<arrange> <things> in <a> <pattern>", "<arrange> <things> in <a> <pattern> <at> <place>",
              "<arrange> <things> in <a> <pattern> <around> <thing>",
              "<arrange> <things> in <a> <pattern> <side>",
              "<arrange> <things> <along> <place>", "spread <things> <spread_out>",
              "spread out <things>", "<gather> <things> <at> <place>", "<gather> <things>",
              "line up <things> <side>", "line up <things> <along> <place>",
              "<arrange> <things> <evenly> <along> <place>", "<arrange> <things> <in_order>"],
    "sort": ["sort <things> <by> <attribute>", "sort <things> into <things>",
             "<put> <things> in <things> <with> <attribute>",
             "<put> <things> in <things> of the same color",
             "<put> <things> in the <match> <bowls>", "group <things> <by> <attribute>",
             "separate <things> <by> <attribute>", "<put> each <kind> in <things> <with> <attribute>",
             "<put> <things> in a <kind> of a different color"],
    "question": ["how many <kinds> are <there_where>", "how many <kinds> <do_you_see>",
                 "which <kind> is <superlative> <thing>", "which <kinds> are <where_q>",
                 "what color is <thing>", "what colors are <things>", "where is <thing>",
                 "is there <a> <thing_core> <where_q>", "are there any <kinds> <where_q>",
                 "is <thing> <relation> <thing>", "what is <relation> <thing>",
                 "what is <superlative> <thing>", "how far is <thing> from <thing>",
                 "what do you see", "which <kinds> <do_you_see>",
                 "what is the <superlative> <kind> <to> <thing>", "which <kind> is <the_ordinal>"],
    "pick": ["pick up <thing>", "pick up <thing> and put it <relation> <thing>",
             "pick <thing> up", "lift <thing>", "grab <thing>", "hold <thing>",
             "drop <thing> <relation> <thing>", "put it down", "put it <relation> <thing>",
             "put it <at> <place>", "let go", "bring <thing> <to> <thing>",
             "give me <thing>", "take <thing> out of <thing>", "empty <thing>",
             "take <things> out of <things>"],
    "other": ["undo that", "undo", "undo the last command", "reset", "reset the table",
              "stop", "go home", "go back home", "do that again", "try again",
              "do the same <with> <things>", "do the same for <things>", "clear the table",
              "put everything back", "put <things> back where they were", "point at <thing>",
              "touch <thing>", "wait", "say hello", "tell me what you see",
              "tell me <where_what> <thing> is", "say the <attribute> of <thing>",
              "move <things> out of the way"],
    # verbs and small words
    "put": ["put", "put", "place", "move", "move", "set", "bring", "drop", "slide", "push",
            "take", "shift"],
    "arrange": ["put", "arrange", "place", "move", "lay out", "set", "line up", "form", "make"],
    "make": ["make", "build", "form", "create", "stack"],
    "gather": ["gather", "group", "collect", "bring together", "put together", "push together",
               "move together"],
    "spread_out": ["out", "apart", "around the table", "across the table", "evenly", "out evenly"],
    "a": ["a", "an", "one"],
    "at": ["at", "in", "on", "to", "into", "onto", "to the", "at the", "in the", "on the",
           "over to", "over to the", "near", "near the", "by the", "toward", "towards"],
    "on": ["on", "onto", "on top of"],
    "of": ["of", "from"],
    "of_with": ["of", "with", "out of", "from", "using"],
    "to": ["to", "from"],
    "back_to": ["back to", "back in", "back on", "back into"],
    "where": ["where <pronoun> <was_were>", "<place>", "<thing>", "its original position",
              "their original positions", "the start", "where it started"],
    "was_were": ["was", "were", "came from", "started"],
    "near": ["near", "next to", "by", "close to", "beside"],
    "around": ["around", "surrounding", "about", "centered on", "centered at"],
    "along": ["along", "along the", "on the", "across", "across the", "down the"],
    "evenly": ["evenly", "evenly spaced", "spaced out", "equally spaced", "in a row"],
    "in_order": ["in order", "in order of color", "by color", "from left to right",
                 "from right to left", "in rainbow order", "alphabetically", "by size"],
    "by": ["by", "according to", "based on"],
    "with": ["with", "that has", "that have", "of", "with the"],
    "match": ["matching", "corresponding", "same colored", "right"],
    "bowls": ["bowl", "bowls"],
    "there_where": ["there", "on the table", "in <thing>", "<relation> <thing>", "left",
                    "there on the table", "in the bowls", "<at> <place>", "not in a bowl",
                    "not in bowls", "in bowls"],
    "where_q": ["on the table", "in <thing>", "<relation> <thing>", "<at> <place>", "there",
                "left", "in a bowl", "in bowls", "<side>"],
    "do_you_see": ["do you see", "can you see", "are there", "are on the table", "are left",
                   "do i have", "are in the bowls"],
    "where_what": ["where", "what", "what color", "how far"],
    "superlative": ["closest to", "nearest to", "farthest from", "furthest from", "the closest to",
                    "the farthest from", "next to", "to the left of", "to the right of",
                    "on top of", "under", "in", "the biggest", "the smallest", "the leftmost",
                    "the rightmost", "the highest"],
    "the_ordinal": ["the <ordinal> one", "on the left", "on the right", "on top", "at the bottom",
                    "highest", "the closest", "the farthest"],
    "relation": ["in", "into", "on", "onto", "on top of", "next to", "beside", "near", "behind",
                 "in front of", "above", "below", "under", "to the left of", "to the right of",
                 "left of", "right of", "close to", "far from", "away from", "to", "inside",
                 "in between", "across from", "opposite", "opposite to", "around", "at",
                 "over", "toward", "towards", "closest to", "farthest from", "in the same spot as",
                 "on the other side of", "below and to the left of", "above and to the right of",
                 "diagonally from", "in line with"],
    "side_relation": ["to the left of", "to the right of", "above", "below", "in front of",
                      "behind", "on the left of", "on the right of", "on the left side of",
                      "on the right side of", "on top of", "at the top of", "at the bottom of",
                      "in the middle of", "at the corner of", "to the side of", "on each side of",
                      "on either side of", "on both sides of"],
    "away_from": ["away from", "from", "closer to", "toward", "towards", "to the left of",
                  "to the right of", "above", "below", "behind", "in front of"],
    "closer": ["closer to", "toward", "towards", "away from", "further from", "farther from"],
    "side": ["on the <lr> side", "on the <lr>", "to the <lr>", "at the <lr>", "<lr>",
             "on the <lr> half", "on the <lr> edge", "in the <lr> half"],
    "lr": ["left", "right", "top", "bottom", "front", "back", "far", "near", "upper", "lower"],
    "direction": ["to the left", "to the right", "left", "right", "up", "down", "forward",
                  "backward", "forwards", "backwards", "to the top", "to the bottom",
                  "towards the top", "towards the bottom", "toward the front", "toward the back",
                  "north", "south", "east", "west", "upward", "downward", "diagonally",
                  "to the top left", "to the top right", "to the bottom left",
                  "to the bottom right", "up and to the left", "down and to the right",
                  "further left", "further right", "back", "away", "closer", "farther",
                  "higher", "lower", "more", "the other way", "in the opposite direction"],
    "rotation": ["clockwise", "counterclockwise", "counter clockwise", "to the left",
                 "to the right", "around <thing>", "about <thing>", "around the middle"],
    "a_bit": ["a bit", "a little", "a little bit", "slightly", "a lot", "a bit more",
              "a little more", "much more", "further", "some more", "a tiny bit"],
    "amount": ["<number> <unit>", "<number> <unit>", "<number> <unit>", "<number> point <digit> <unit>",
               "half a <unit_one>", "a <unit_one>", "a quarter of a <unit_one>",
               "<number> <unit> further", "<number> block widths", "one block width",
               "<number> times as far", "<number> percent", "twice as far", "a few <unit>"],
    "unit": ["centimeters", "centimeters", "centimetres", "meters", "millimeters", "inches",
             "units", "degrees", "cm", "mm", "steps", "blocks"],
    "unit_one": ["centimeter", "meter", "inch", "millimeter", "block", "step"],
    "number": ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
               "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
               "eighteen", "nineteen", "twenty", "twenty five", "thirty", "thirty five", "forty",
               "forty five", "fifty", "sixty", "seventy", "eighty", "ninety", "a hundred",
               "one hundred", "a hundred and eighty", "zero", "half", "point five", "a few",
               "a couple of", "some"],
    "digit": DIGITS,
    "attribute": ["color", "colors", "colour", "colours", "size", "shape", "kind", "type",
                  "matching color", "matching colors", "the same color", "the same colour",
                  "the matching color", "a different color", "matching colours", "position",
                  "height", "distance"],
    "structure": ["tower", "stack", "pyramid", "pile", "wall", "bridge", "line", "row",
                  "column", "circle", "square", "triangle", "stack of blocks", "tall tower"],
    "structures": ["towers", "stacks", "piles", "lines", "rows", "columns", "groups", "pairs"],
    "pattern": ["line", "straight line", "horizontal line", "vertical line", "diagonal line",
                "row", "column", "circle", "square", "triangle", "ring", "grid", "zigzag",
                "cross", "star", "pyramid", "rectangle", "diamond", "semicircle", "arc",
                "v shape", "letter l", "letter t", "rainbow", "spiral", "pentagon", "hexagon",
                "cluster", "pile", "group", "clockwise circle", "line from left to right",
                "line from top to bottom", "big circle", "small circle", "tight circle"],
    # noun phrases
    "things": ["<thing>", "<thing>", "<thing>", "<thing> and <thing>", "<many> <kinds>",
               "<many> <kinds>", "<many> <describer> <kinds>", "<many> <color> <kinds>",
               "<many> <kinds> <qualifier>", "<number> <kinds>", "<number> <color> <kinds>",
               "<thing>, <thing> and <thing>", "them", "them all", "all of them", "everything",
               "both of them", "the rest", "the others", "the other <kinds>", "all the objects",
               "the remaining <kinds>", "<many> <kinds> <except> <thing>",
               "<many> <kinds> that are not in <thing>"],
    "many": ["all the", "the", "all of the", "every", "both", "the two", "the three",
             "the other", "the rest of the", "some of the", "any", "a few", "two of the",
             "three of the", "half of the", "each of the", "all", "these", "those"],
    "except": ["except", "except for", "but not", "other than", "apart from", "besides"],
    "qualifier": ["that are <relation> <thing>", "that are <side>", "<side>",
                  "<relation> <thing>", "in <thing>", "on the table", "not in a bowl",
                  "that are not in a bowl", "with <attribute>", "that are <color>",
                  "of the same color", "that are on top of <thing>", "on the <lr>"],
    "thing": ["<the> <thing_core>", "<the> <thing_core>", "<the> <thing_core>", "<the> <thing_core>",
              "<the> <describer> <thing_core>", "<the> <ordinal> <kind>",
              "<the> <thing_core> <qualifier>", "<the> <kind> <superlative> <thing>",
              "it", "that", "this", "that one", "this one", "the other one", "the last one",
              "one", "each other", "<the> <place>", "<the> <name>", "<the> <name>",
              "the one <relation> <thing>", "<the> <kind> on the <lr>",
              "its <color> <kind>", "the same <kind>", "the table", "the middle",
              "the table's <place>", "my hand", "your gripper"],
    "the": ["the", "the", "the", "a", "an", "one", "that", "this", "any", "another", "each",
            "every", "some", "its", "the same"],
    "thing_core": ["<color> <kind>", "<color> <kind>", "<color> <kind>", "<kind>",
                   "<color> one", "<color> <kind> <digit>", "<kind> <digit>"],
    "kind": ["block", "block", "bowl", "bowl", "cube", "object", "thing", "item", "box",
             "plate", "container", "cup", "one", "square", "ball"],
    "kinds": ["blocks", "blocks", "bowls", "bowls", "cubes", "objects", "things", "items",
              "ones", "boxes", "plates", "containers", "cups", "squares", "colors"],
    "describer": ["big", "small", "large", "little", "empty", "same colored", "matching",
                  "other", "remaining", "closest", "nearest", "farthest", "middle", "top",
                  "bottom", "left", "right", "upper", "lower", "lonely", "only", "last",
                  "first", "second", "third", "leftmost", "rightmost", "biggest", "smallest",
                  "highest", "lowest", "warm colored", "cool colored", "dark", "light",
                  "bright", "different colored", "odd", "extra", "single", "same", "outer",
                  "inner"],
    "ordinal": ["first", "second", "third", "fourth", "fifth", "last", "next", "previous",
                "leftmost", "rightmost", "topmost", "bottommost", "middle", "other", "final"],
    "color": sorted(PALETTE) + ["grey", "violet", "magenta", "black", "white", "light blue",
                                "dark green", "gold", "tan", "turquoise"],
    "pronoun": ["it", "they", "he", "she", "everything", "the blocks", "that"],
    "place": list(PLACES_NORMALIZED) + [
        "top left", "top right", "bottom left", "bottom right", "middle of the table",
        "center", "center of the table", "centre", "left", "right", "top", "bottom",
        "front", "back", "corner", "corners", "nearest corner", "closest corner",
        "farthest corner", "opposite corner", "empty corner", "same corner", "other corner",
        "edge", "edge of the table", "left edge", "right edge", "top edge", "bottom edge",
        "left half", "right half", "top half", "bottom half", "middle of the left side",
        "middle of the right side", "middle of the top side", "middle of the bottom side",
        "each corner", "all four corners", "four corners", "diagonal", "main diagonal",
        "upper left corner", "upper right corner", "lower left corner", "lower right corner",
        "top middle", "bottom middle", "left middle", "right middle", "side", "sides",
        "origin", "start", "other side of the table", "empty space", "free space",
        "robot", "camera"],
    "name": ["<color> <kind>"],
}


def spoken(name: str) -> str:
    """An object name as said aloud: "red block 2" -> "red block two"."""
    return " ".join(DIGITS[int(word)] if word.isdigit() and int(word) < 10 else word
                    for word in name.replace("_", " ").lower().split())


def rules(object_names: Iterable[str] = ()) -> dict[str, list[str]]:
    """RULES with the scene's object names added as names."""
    names = [spoken(name) for name in object_names]
    return {**RULES, "name": RULES["name"] + names} if names else RULES


def sample(rng: random.Random, object_names: Iterable[str] = ()) -> str:
    """One random sentence of the grammar (noun phrases stop nesting after a few levels)."""
    return _expand(rng, rules(object_names), "utterance", 0)


def _expand(rng: random.Random, table: dict[str, list[str]], rule: str, depth: int) -> str:
    choices = table[rule]
    if depth > 4:  # past this depth prefer alternatives without rule references
        choices = [c for c in choices if "<" not in c] or choices
    words = []
    for token in rng.choice(choices).replace(",", "").split():
        if token.startswith("<"):
            name = token.strip("<>?")
            if token.endswith("?") and rng.random() < 0.7:
                continue
            words.append(_expand(rng, table, name, depth + 1))
        else:
            words.append(token)
    return " ".join(words)


@functools.lru_cache(maxsize=1)
def known_commands(per_category: int = 40) -> tuple[str, ...]:
    """Commands people are known to give: the tabletop prompt's example queries and the
    instructions of the benchmark's 22 task categories (sampled; once per process)."""
    import numpy as np

    from cap.prompts import load_all
    from sim.tasks import CATEGORIES

    rng = np.random.default_rng(0)
    commands = [example.query for example in load_all()["tabletop_ui"].examples]
    for task in CATEGORIES.values():
        commands += [task.instance(rng).instruction for _ in range(per_category)]
    cleaned = {" ".join(re.sub(r"[^a-z0-9 ]", " ", c.lower().replace("colour", "color")).split())
               for c in commands}
    return tuple(sorted(cleaned))


def corpus(object_names: Iterable[str] = (), size: int = 20_000) -> list[str]:
    """Training sentences for the language model: grammar samples, and the known commands
    weighted to about half as many."""
    rng, table = random.Random(0), rules(object_names)
    known = known_commands()
    return ([_expand(rng, table, "utterance", 0) for _ in range(size)]
            + list(known) * max(1, size // (2 * len(known))))


def vocabulary(object_names: Iterable[str] = ()) -> set[str]:
    """Every word the grammar can produce."""
    return {word for alternatives in rules(object_names).values() for phrase in alternatives
            for word in phrase.replace(",", "").split() if "<" not in word}
