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
