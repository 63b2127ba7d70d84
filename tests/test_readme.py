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


def test_the_import_check_sees_a_missing_name():
    assert imports("from os import path, nothing_here\nimport json") == [("os", "path"), ("os", "nothing_here"), ("json", "")]
    assert not hasattr(importlib.import_module("os"), "nothing_here")
