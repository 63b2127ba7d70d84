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


def test_results_printed_under_a_bar_on_a_terminal_stay_on_a_piped_stdout():
    """stderr a terminal, stdout a pipe (`recognize *.png --json > out.jsonl`): rich's live bar
    took the lines printed meanwhile into its console, stderr, and the file stayed empty."""
    import os
    import pty
    import subprocess
    import sys
    import threading

    script = ("from fontsynth.progress import progress_bar\n"
              "with progress_bar('reading', 3, 'images') as advance:\n"
              "    for k in range(3):\n"
              "        print(f'result {k}', flush=True)\n"
              "        advance(1)\n")
    leader, follower = pty.openpty()
    seen = bytearray()

    def drain():
        try:
            while chunk := os.read(leader, 65536):
                seen.extend(chunk)
        except OSError:  # the terminal closed
            pass

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    done = subprocess.run([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=follower, timeout=60)
    os.close(follower)
    reader.join(5)
    os.close(leader)
    assert done.returncode == 0 and done.stdout.decode().splitlines() == ["result 0", "result 1", "result 2"]
    assert b"3/3" in seen and b"result" not in seen
