"""The README's Python examples name what the packages export: every import in them resolves."""
import ast
import importlib
import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


def python_blocks(text: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", text, flags=re.S)


def imports(block: str) -> list[tuple[str, str]]:
    """(module, name) of each `from MODULE import NAME` and (module, "") of each `import MODULE`."""
    found = []
    for node in ast.walk(ast.parse(block)):
        if isinstance(node, ast.ImportFrom):
            found += [(node.module, alias.name) for alias in node.names]
        elif isinstance(node, ast.Import):
            found += [(alias.name, "") for alias in node.names]
    return found


def test_the_readme_python_examples_import_what_exists():
    pytest.importorskip("torch")
    blocks = python_blocks(README.read_text(encoding="utf-8"))
    assert len(blocks) >= 3
    named = [pair for block in blocks for pair in imports(block)]
    assert ("brush.edit", "Editor") in named and ("classifier.recognizer", "load_recognizer") in named
    for module, name in named:
        loaded = importlib.import_module(module)
        assert not name or hasattr(loaded, name), f"README imports {name} from {module}, which has none"


def test_only_python_blocks_are_read_and_every_imported_name_is_listed():
    text = "x\n```python\nfrom os import path, nothing_here\nimport json\n```\n```\nfrom shell import thing\n```\n"
    blocks = python_blocks(text)
    assert len(blocks) == 1 and imports(blocks[0]) == [("os", "path"), ("os", "nothing_here"), ("json", "")]


# Options the README quotes from other tools (DTRB's and MOSTEL's scripts, torchrun), not ours.
FOREIGN_OPTIONS = {"--batch_ratio", "--gt_path", "--target_path", "--nproc-per-node", "--standalone"}


def command_lines(text: str) -> list[str]:
    """Every line of the non-Python code blocks, and every inline code span that starts with one
    of our programs (or torchrun, which runs them)."""
    lines = []
    for i, part in enumerate(text.split("```")):
        if i % 2:
            lines += [] if part.startswith("python") else part.splitlines()[1:]
        else:
            spans = part.split("`")[1::2]
            lines += [span for span in spans if re.match(r"(fontsynth|brush|torchrun) ", span)]
    return lines


def unknown_in(lines: list[str], programs: dict) -> list[str]:
    """The invocations that name a command or an option the program has not."""
    problems = []
    for line in lines:
        line = line.split("#")[0]
        for call in re.finditer(r"\b(fontsynth|brush)\s+([a-z][\w-]*)(?:\s+([a-z][\w-]*))?([^&|;]*)", line):
            program, name, sub, rest = call.groups()
            command = programs[program].commands.get(name)
            if command is None:
                problems.append(f"{program} {name}: no such command")
                continue
            if hasattr(command, "commands"):
                command = command.commands.get(sub)
                if command is None:
                    problems.append(f"{program} {name} {sub}: no such command")
                    continue
            elif sub:
                rest = f" {sub}{rest}"
            options = {o for p in command.params for o in (*p.opts, *p.secondary_opts)}
            problems += [f"{program} {name}: no option {o}" for o in re.findall(r"(?<![\w-])(--?[a-zA-Z][\w-]*)", rest)
                         if o not in options]
    return problems


def programs() -> dict:
    pytest.importorskip("torch")  # the model commands join the CLI only with the train extra
    import typer

    from brush.cli import app as brush_app
    from fontsynth.cli import app as fontsynth_app
    return {"fontsynth": typer.main.get_command(fontsynth_app), "brush": typer.main.get_command(brush_app)}


def every_option(command) -> set[str]:
    found = {o for p in command.params for o in (*p.opts, *p.secondary_opts)}
    for sub in getattr(command, "commands", {}).values():
        found |= every_option(sub)
    return found


def test_every_command_and_option_the_readme_shows_exists():
    text = README.read_text(encoding="utf-8")
    known = programs()
    lines = command_lines(text)
    assert len(lines) >= 50 and any("brush stylize" in line for line in lines)
    assert unknown_in(lines, known) == []
    options = every_option(known["fontsynth"]) | every_option(known["brush"]) | FOREIGN_OPTIONS
    assert sorted(set(re.findall(r"(?<![\w-])(--[a-z][\w-]*)", text)) - options) == []


def test_a_stale_command_or_option_is_caught():
    known = programs()
    text = "Run `fontsynth render --fonts f --nope 3` then\n```\nbrush edit a.png --text x\nfontsynth fonts scann d\nfontsynth vanish\n```\n"
    assert unknown_in(command_lines(text), known) == [
        "fontsynth render: no option --nope", "fontsynth fonts scann: no such command", "fontsynth vanish: no such command"]
