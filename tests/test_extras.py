import pytest
from typer.testing import CliRunner

from brush.cli import app as brush_app
from fontsynth.errors import UserError
from fontsynth.extras import require


def test_missing_extra_names_the_install_command():
    with pytest.raises(UserError, match=r'pip install -e "\.\[train\]"'):
        require("surely_not_a_module_xyz", "train", "training")


@pytest.mark.parametrize("args", [["train", "--out", "r"], ["edit", "x.png", "--text", "a", "-m", "r", "-o", "o.png"],
                                  ["eval", "r", "--data", "d"], ["stylize", "--content", "a", "--style", "b", "-o", "o.png"]])
def test_brush_commands_without_torch_name_the_install_command(args, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "torch", None)  # import torch now raises ImportError
    result = CliRunner().invoke(brush_app, args)
    assert result.exit_code == 2
    assert result.output.startswith("error: ") and 'pip install -e ".[train]"' in result.output
