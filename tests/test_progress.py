"""The one progress bar: on stderr (stdout is for results, `--json` among them), counting what it is told."""

from fontsynth.progress import progress_bar, tracked


def test_the_bar_goes_to_stderr_and_stdout_stays_clean(capfd):
    with progress_bar("working", 10, "items") as advance:
        advance(4)
        advance(6)
    out, err = capfd.readouterr()
    assert out == ""
    assert "working" in err and "10/10" in err


def test_tracked_yields_every_batch_and_counts_its_items(capfd):
    batches = [[1, 2, 3], [4, 5], [6]]
    assert list(tracked(batches, "evaluating", 6, "images")) == batches
    out, err = capfd.readouterr()
    assert out == "" and "6/6" in err
    assert list(tracked(iter(batches), "quiet", 6, "images", enabled=False, size=lambda b: 1)) == batches
    assert capfd.readouterr() == ("", "")
