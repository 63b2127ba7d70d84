import pytest
from typer.testing import CliRunner

from brush.cli import app as brush_app
from fontsynth.errors import UserError
from fontsynth.extras import require


def test_missing_extra_names_the_install_command():
    with pytest.raises(UserError, match=r'pip install -e "\.\[train\]"'):
        require("surely_not_a_module_xyz", "train", "training")


@pytest.mark.parametrize("command", ["train", "edit"])
def test_brush_commands_say_clearly_they_are_not_available(command):
    result = CliRunner().invoke(brush_app, [command])
    assert result.exit_code == 2
    assert result.output.startswith("error: ") and ("not available" in result.output or "not installed" in result.output)
