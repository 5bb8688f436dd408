"""Prompt files (prompts/*.toml): per-LMP settings, system text and few-shot examples."""
from __future__ import annotations

import string
import tomllib
from dataclasses import dataclass
from pathlib import Path

PROMPT_DIR = Path(__file__).resolve().parent.parent / "prompts"


@dataclass(frozen=True)
class Example:
    query: str
    code: str
    context: str = ""
    check: str = ""  # an expression the tests evaluate after running the example
    scene: str = ""  # objects for the test scene when there is no context


@dataclass(frozen=True)
class Prompt:
    name: str
    version: int
    system: str
    examples: tuple[Example, ...]
    return_var: str = ""
    session_memory: bool = False
    exec_context: bool = False
    temperature: float = 0.0
    max_tokens: int = 512

    def user_message(self, query: str, context: str = "") -> str:
        """The final user message: the context, then the query verbatim."""
        return f"{context}\n# {query}" if context else f"# {query}"

    def messages(self) -> list[dict[str, str]]:
        """The unchanging part of every request: system text, then the examples as chat turns."""
        messages = [{"role": "system", "content": self.system}]
        for example in self.examples:
            messages.append({"role": "user",
                             "content": self.user_message(example.query, example.context)})
            messages.append({"role": "assistant", "content": example.code})
        return messages


def _render(template: str, fields: dict[str, str], source: str) -> str:
    """Fill {fields} strictly: a field the prompt names but nobody provides is an error."""
    names = {name for _, name, _, _ in string.Formatter().parse(template) if name}
    missing = names - set(fields)
    if missing:
        raise KeyError(f"{source}: no value for prompt field(s) {sorted(missing)}")
    return template.format(**fields)


def load_prompt(name: str, directory: Path = PROMPT_DIR) -> Prompt:
    path = directory / f"{name}.toml"
    if not path.exists():
        raise FileNotFoundError(f"no prompt file {path}")
    data = tomllib.loads(path.read_text())
    fields = {part.stem: part.read_text().strip() for part in directory.glob("*.md")}
    examples = tuple(Example(**e) for e in data.pop("examples", []))
    data["system"] = _render(data["system"], fields, str(path))
    return Prompt(examples=examples, **data)


def load_all(directory: Path = PROMPT_DIR) -> dict[str, Prompt]:
    return {p.stem: load_prompt(p.stem, directory) for p in sorted(directory.glob("*.toml"))}
