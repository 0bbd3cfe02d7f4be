"""``npmlp train --out DIR`` as one unit: whole-folder swap, lock, recovery, signals, --resume."""

import contextlib
import json
import os
import re
import signal
import subprocess

import numpy as np
import pytest

import npmlp
from npmlp import NpmlpError
from npmlp.callbacks import LambdaCallback
from npmlp.cli import main
from npmlp.core.interrupt import Signals
from npmlp.core.rundir import RunFolder, check_run
from npmlp.data import load_dataset
from npmlp.jobs.job import RunSettings, default_config
from npmlp.jobs.runner import JobOptions, read_checkpoint, run_job

DIGITS = ["--data", "digits", "-H", "16", "--epochs", "6", "--quiet", "--no-pictures"]


def run(capsys, *args):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def weights(folder):
    with np.load(folder / "model.npz", allow_pickle=False) as z:
        return {k: z[k] for k in z.files if k[0] in "Wb" and k[1:].isdigit()}


def assert_same_weights(a, b):
    wa, wb = weights(a), weights(b)
    assert list(wa) == list(wb)
    for k in wa:
        assert wa[k].dtype == wb[k].dtype
        np.testing.assert_array_equal(wa[k], wb[k], err_msg=k)


def history_without_seconds(folder):
    rows = (folder / "history.csv").read_text().splitlines()
    col = rows[0].split(",").index("seconds")
    return [[v for i, v in enumerate(r.split(",")) if i != col] for r in rows]


def test_a_run_replaces_the_previous_run_whole(capsys, tmp_path):
    out = tmp_path / "run"
    code, _, _ = run(
        capsys, "train", "--data", "moons", "-H", "8", "--epochs", "3", "--quiet", "--out", out
    )
    assert code == 0 and "boundary.png" in os.listdir(out)
    moons_id = check_run(out)["run_id"]
    code, _, _ = run(capsys, "train", *DIGITS, "--out", out)
    assert code == 0
    assert sorted(os.listdir(out)) == [
        "checkpoint.npz",
        "history.csv",
        "metrics.json",
        "model.npz",
        "run.json",
    ]
    manifest = check_run(out)
    assert manifest["run_id"] != moons_id and manifest["interrupted"] is False
    assert json.loads((out / "metrics.json").read_text())["run_id"] == manifest["run_id"]
    assert os.listdir(tmp_path) == ["run"]  # no lock, staging folder or checkpoint left


def test_check_run_finds_a_mix_of_two_runs(capsys, tmp_path):
    out = tmp_path / "run"
    assert run(capsys, "train", *DIGITS, "--out", out)[0] == 0
    (out / "boundary.png").write_bytes(b"an older run's picture")
    with pytest.raises(NpmlpError, match=r"holds \['boundary.png', 'checkpoint.npz', 'history"):
        check_run(out)
    (out / "boundary.png").unlink()
    (out / "history.csv").write_text("epoch\n1\n")
    with pytest.raises(NpmlpError, match=r"history.csv: not the file its run.json lists"):
        check_run(out)


def test_a_second_run_into_a_folder_being_written_is_refused(capsys, tmp_path):
    out = tmp_path / "run"
    with RunFolder(out).locked(new_run=True):
        code, _, err = run(capsys, "train", *DIGITS, "--out", out)
    assert code == 2
    assert re.fullmatch(
        rf"npmlp: error: --out {re.escape(str(out))} is being written by another 'npmlp train' "
        rf"\(pid {os.getpid()}, started \d{{4}}-\d\d-\d\d \d\d:\d\d:\d\d\); wait for it to "
        r"finish or give another --out\n",
        err,
    )
    assert os.listdir(tmp_path) == []


def test_a_lock_left_by_a_killed_run_is_taken_over(capsys, tmp_path):
    out = tmp_path / "run"
    (tmp_path / ".run.lock").write_text('{"pid": 999999999, "started": "2020-01-01 00:00:00"}')
    (tmp_path / ".run.tmp-999999999").mkdir()  # its staging folder, half written
    (tmp_path / ".run.tmp-999999999" / "model.npz").write_bytes(b"half")
    code, _, _ = run(capsys, "train", *DIGITS, "--out", out)
    assert code == 0 and os.listdir(tmp_path) == ["run"]
    check_run(out)


def test_blocked_holds_a_signal_back_even_when_another_thread_takes_it():
    """A signal sent to the process may land on any thread that does not mask it (OpenBLAS's
    workers); Python then runs the handler in the main thread, mask or not. Inside
    ``blocked()`` it must still wait for the block's end."""
    import threading
    import time

    from npmlp.core.interrupt import Interrupted

    done = threading.Event()
    other = threading.Thread(target=done.wait)  # started before the block: signals unmasked
    other.start()
    reached = []
    try:
        with Signals() as signals:
            with pytest.raises(Interrupted) as caught:
                with signals.blocked():
                    signal.pthread_kill(other.ident, signal.SIGTERM)
                    time.sleep(0.05)  # the handler runs in here, between two bytecodes
                    reached.append("end of block")
            assert reached == ["end of block"] and caught.value.signum == signal.SIGTERM
    finally:
        done.set()
        other.join()


@pytest.mark.parametrize("fault", ["signal", "error"])
def test_a_signal_or_an_error_while_the_lock_is_taken_or_let_go_leaves_no_lock(
    monkeypatch, tmp_path, fault
):
    """The lock file is created and taken, then its holder written: a SIGTERM in between
    waits for the lock to be recorded (then it is let go on the way out); an error there
    lets it go as well. Leaving the folder, a signal waits until the lock is gone."""
    from npmlp.core.interrupt import Interrupted

    folder = RunFolder(tmp_path / "run")
    real = os.ftruncate

    def ftruncate(fd, n):  # called while the lock is taken, before the holder is written
        if fault == "signal":
            os.kill(os.getpid(), signal.SIGTERM)
            return real(fd, n)
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "ftruncate", ftruncate)
    with Signals() as signals:
        with pytest.raises(Interrupted if fault == "signal" else OSError):
            with folder.locked(new_run=True, blocked=signals.blocked):
                raise AssertionError("not reached: the fault ends the block first")
    assert os.listdir(tmp_path) == []
    monkeypatch.setattr(os, "ftruncate", real)
    with Signals() as signals:
        with pytest.raises(Interrupted):
            with folder.locked(new_run=True, blocked=signals.blocked):
                assert sorted(os.listdir(tmp_path)) == [".run.ckpt", ".run.lock"]
                folder.new_stage()  # a staging folder, then a signal as the block ends:
                monkeypatch.setattr(  # it lands while the folder is being tidied
                    folder,
                    "_release",
                    lambda real=folder._release: os.kill(os.getpid(), signal.SIGTERM) or real(),
                )
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("staged_whole", [True, False])
def test_a_swap_cut_between_its_two_renames_is_finished_or_undone(capsys, tmp_path, staged_whole):
    """Without renameat2 a run renames DIR aside, then the new folder in: a kill in between
    leaves no DIR. The next run into DIR puts back the whole new run, or else the old one."""
    old, new = tmp_path / ".run.old-77", tmp_path / ".run.tmp-77"
    assert run(capsys, "train", *DIGITS, "--seed", "1", "--out", old)[0] == 0
    assert run(capsys, "train", *DIGITS, "--seed", "2", "--out", new)[0] == 0
    if not staged_whole:
        (new / "run.json").unlink()  # killed before its manifest: not a whole run
    expected = check_run(new if staged_whole else old)["run_id"]
    out = tmp_path / "run"
    with RunFolder(out).locked(new_run=False):
        assert check_run(out)["run_id"] == expected
    assert os.listdir(tmp_path) == ["run"]


def test_the_swap_without_renameat2(capsys, tmp_path, monkeypatch):
    monkeypatch.setattr("npmlp.core.rundir._exchange", lambda a, b: False)
    out = tmp_path / "run"
    assert run(capsys, "train", *DIGITS, "--seed", "1", "--out", out)[0] == 0
    first = check_run(out)["run_id"]
    assert run(capsys, "train", *DIGITS, "--seed", "2", "--out", out)[0] == 0
    assert check_run(out)["run_id"] != first and os.listdir(tmp_path) == ["run"]


def _settings(data="moons", **config):
    cfg = default_config(epochs=12, batch_size=32, **config)
    return RunSettings(data=data, hidden=8, seed=3, config=cfg)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_saves_and_resume_ends_bit_identical_with_the_pictures(capsys, tmp_path, sig):
    """A real signal to this process at epoch 5 (moons: health and boundary frames resume
    too); then ``npmlp train --resume DIR`` ends as the run left alone, to the GIF."""
    settings = _settings()
    ds = load_dataset(settings.data)
    run_job(settings, ds, tmp_path / "alone")
    out = tmp_path / "run"

    def send_at_epoch_5(loop, record):
        if record["epoch"] == 5:
            os.kill(os.getpid(), sig)

    send = LambdaCallback(on_epoch_end=send_at_epoch_5)
    with Signals() as signals:
        stopped = run_job(settings, ds, out, callbacks=[send], signals=signals)
    name = signal.Signals(sig).name
    assert stopped.signal == name and stopped.saved == (5, 0)  # the rest of epoch 5's record
    manifest = check_run(out)
    assert manifest["interrupted"] is True and manifest["checkpoint"] == {"epoch": 5, "batch": 0}
    assert json.loads((out / "metrics.json").read_text())["interrupted"] is True
    assert len(history_without_seconds(out)) == 1 + 5
    _, _, state = read_checkpoint(out)
    assert (state.epoch, state.batch) == (5, 0)
    assert sorted(state.callbacks["boundary"]) == ["epochs", "frames"]
    assert sorted(state.callbacks["health"]) == ["W1", "W3"]
    assert sorted(state.callbacks) == ["EarlyStopping", "History", "boundary", "health"]
    code, _, err = run(capsys, "train", "--resume", out, "--quiet")
    assert (code, err) == (0, "")
    assert_same_weights(out, tmp_path / "alone")
    assert history_without_seconds(out) == history_without_seconds(tmp_path / "alone")
    for picture in ("boundary.gif", "health.png", "curves.png"):
        assert (out / picture).read_bytes() == (tmp_path / "alone" / picture).read_bytes()
    assert check_run(out)["interrupted"] is False
    assert sorted(os.listdir(tmp_path)) == ["alone", "run"]  # the checkpoint is gone


def test_resume_refusals(capsys, tmp_path):
    out = tmp_path / "run"
    code, _, err = run(capsys, "train", "--resume", out)
    assert (code, err) == (
        2,
        f"npmlp: error: --resume {out}: no checkpoint ({tmp_path / '.run.ckpt' / 'checkpoint.npz'}) "
        f"and no finished run's checkpoint.npz; a run into --out {out} leaves one when it is "
        "stopped or when it finishes\n",
    )
    csv = tmp_path / "rows.csv"
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3))
    csv.write_text("a,b,c,y\n" + "".join(f"{a},{b},{c},{int(a > 0)}\n" for a, b, c in X))
    settings = _settings(data=str(csv))
    with Signals() as signals:

        def stop(loop, record):
            signals.received = signal.SIGINT  # as the handler does

        stop = LambdaCallback(on_epoch_end=stop)
        run_job(settings, load_dataset(str(csv)), out, callbacks=[stop], signals=signals)
    csv.write_text(csv.read_text() + "0,0,0,1\n")  # one more row
    code, _, err = run(capsys, "train", "--resume", out)
    assert (code, err) == (
        2,
        f"npmlp: error: --resume: the data {csv} has changed since the checkpoint; the run can "
        "only continue on the same rows\n",
    )


def test_a_finished_run_extended_with_epochs_ends_as_the_longer_run(capsys, tmp_path):
    """3 epochs, then ``--resume DIR --epochs 6``: the weights of a straight 6-epoch run, bit for
    bit (constant schedule, no early stopping); the history goes on from epoch 4."""
    common = [*DIGITS[:4], "--early-stopping", "off", "--schedule", "constant", "--no-pictures"]
    assert (
        run(capsys, "train", *common, "--epochs", "6", "--out", tmp_path / "six", "--quiet")[0] == 0
    )
    out = tmp_path / "three"
    assert run(capsys, "train", *common, "--epochs", "3", "--out", out, "--quiet")[0] == 0
    assert "checkpoint.npz" in check_run(out)["files"]
    code, _, err = run(capsys, "train", "--resume", out, "--epochs", "6", "--quiet")
    assert (code, err) == (0, "")
    assert_same_weights(out, tmp_path / "six")
    assert history_without_seconds(out) == history_without_seconds(tmp_path / "six")
    assert npmlp.load(out / "model.npz").metadata["training"]["epochs"] == 6
    # the original command's options again, with their values: accepted; a change: refused
    code, _, err = run(capsys, "train", *common, "--epochs", "7", "--resume", out, "--quiet")
    assert (code, err) == (0, "") and len(history_without_seconds(out)) == 1 + 7
    code, _, err = run(capsys, "train", *common, "--lr", "0.5", "-H", "32", "--resume", out)
    assert (code, err) == (
        2,
        "npmlp: error: --resume continues the run with its own settings; --hidden, --lr differ "
        "from the checkpoint's (drop them, or start a new run without --resume; --epochs N "
        "extends the run)\n",
    )
    code, _, err = run(capsys, "train", "--resume", out, "--epochs", "5")
    assert (code, err) == (
        2,
        "npmlp: error: --epochs 5: the run has done 7 epochs already; give --epochs 7 or more\n",
    )


def test_an_interrupted_run_without_out_exits_130_and_writes_nothing(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    real = Signals.deferred

    def deferred(self):  # a Ctrl-C as soon as training starts
        self.received = signal.SIGINT
        return real(self)

    monkeypatch.setattr(Signals, "deferred", deferred)
    code, out, err = run(capsys, "train", *DIGITS[:-2])
    assert code == 130
    assert err.endswith("npmlp: interrupted by SIGINT after 0 epochs\n")
    assert os.listdir(tmp_path) == []


def test_an_interrupted_lbfgs_run_resumes_from_its_first_weights_to_the_same_end(capsys, tmp_path):
    """iris is too small for a validation split, so ``auto`` runs L-BFGS, whose state lives in
    scipy: the checkpoint holds the first weights, and the resumed run starts over from them
    and ends as the run left alone."""
    settings = RunSettings(data="iris", hidden=16, seed=1, config=default_config(epochs=30))
    ds = load_dataset("iris")
    alone = run_job(settings, ds, tmp_path / "alone")
    assert alone.result.metrics["optimizer"] == "lbfgs"
    out = tmp_path / "run"

    def interrupt_at_5(loop, record):
        if record["epoch"] == 5:
            os.kill(os.getpid(), signal.SIGINT)

    send = LambdaCallback(on_epoch_end=interrupt_at_5)
    with Signals() as signals:
        stopped = run_job(settings, ds, out, callbacks=[send], signals=signals)
    assert stopped.signal == "SIGINT" and stopped.saved == (0, 0)
    assert check_run(out)["checkpoint"] == {"epoch": 0, "batch": 0}
    assert len(history_without_seconds(out)) == 1 + 5
    code, _, err = run(capsys, "train", "--resume", out, "--quiet")
    assert (code, err) == (0, "")
    assert_same_weights(out, tmp_path / "alone")
    assert history_without_seconds(out) == history_without_seconds(tmp_path / "alone")
    assert (out / "health.png").read_bytes() == (tmp_path / "alone" / "health.png").read_bytes()
    assert sorted(os.listdir(tmp_path)) == ["alone", "run"]


def test_stale_staging_folders_with_a_fifo_or_a_link_neither_hang_nor_feed_the_next_run(
    capsys, tmp_path
):
    (tmp_path / ".run.tmp-98").mkdir()
    os.mkfifo(tmp_path / ".run.tmp-98" / "run.json")  # read, it would block forever
    (tmp_path / ".run.tmp-99").mkdir()
    (tmp_path / ".run.tmp-99" / "run.json").symlink_to("/dev/zero")  # read, without end
    (tmp_path / ".run.ckpt").mkdir()
    (tmp_path / ".run.ckpt" / "notes.txt").write_text("mine")  # not npmlp's: kept
    (tmp_path / ".run.ckpt" / ".checkpoint.npz.x1.tmp").write_bytes(b"cut short")  # npmlp's
    out = tmp_path / "run"
    assert run(capsys, "train", *DIGITS, "--out", out) == (0, "", "")
    assert sorted(os.listdir(tmp_path)) == [".run.ckpt", "run"]
    assert os.listdir(tmp_path / ".run.ckpt") == ["notes.txt"]
    assert check_run(out)["interrupted"] is False


def test_a_users_folder_is_never_taken_for_a_run(capsys, tmp_path):
    out = tmp_path / "run"
    out.mkdir()
    (out / "report.html").write_text("my report")
    (out / "plot.png").write_bytes(b"my picture")
    code, _, err = run(capsys, "train", *DIGITS, "--out", out)
    assert (code, err) == (
        2,
        f"npmlp: error: --out {out} holds plot.png, report.html, not from 'npmlp train'; the "
        "run replaces the whole folder, so give a new or empty folder or a past run's\n",
    )
    (out / "run.json").write_text('{"format": "npmlp-run", "files": {}}')  # lists none of them
    assert run(capsys, "train", *DIGITS, "--out", out)[0] == 2
    assert sorted(os.listdir(out)) == ["plot.png", "report.html", "run.json"]


@pytest.fixture
def small_disk(tmp_path):
    """A 1 MB tmpfs (root only; skipped elsewhere)."""
    disk = tmp_path / "disk"
    disk.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(disk)])
    if mounted.returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    yield disk
    subprocess.run(["umount", str(disk)], check=True)


def test_a_full_disk_names_the_file_and_resume_continues(capsys, small_disk):
    settings = _settings(data="digits")  # no picture frames in the checkpoint: it stays small
    out = small_disk / "run"
    filler = small_disk / "filler"

    def fill_the_disk(loop, record):
        if record["epoch"] == 2:  # a checkpoint exists by now: take every byte left
            with open(filler, "wb", buffering=0) as f, contextlib.suppress(OSError):
                while True:
                    f.write(bytes(4096))

    ds = load_dataset(settings.data)
    with pytest.raises(NpmlpError) as e:
        run_job(
            settings,
            ds,
            out,
            options=JobOptions(pictures=False, checkpoint_every=0.0),
            callbacks=[LambdaCallback(on_epoch_end=fill_the_disk)],
        )
    ckpt = small_disk / ".run.ckpt" / "checkpoint.npz"
    assert str(e.value) == (
        f"{ckpt}: No space left on device; free some space, then continue with "
        f"'npmlp train --resume {out}' (its last checkpoint is kept)"
    )
    assert sorted(os.listdir(small_disk)) == [".run.ckpt", "filler"]
    assert os.listdir(small_disk / ".run.ckpt") == ["checkpoint.npz"]
    filler.unlink()
    resumed = run(capsys, "train", "--resume", out, "--quiet")
    assert resumed == (0, "", "")
    assert check_run(out)["epochs"] == 12 and sorted(os.listdir(small_disk)) == ["run"]
