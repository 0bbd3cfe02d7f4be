"""The corpus's cases of what npmlp writes or reads beside its outputs, and of sizes: links,
FIFOs and devices beside ``--out DIR`` and at ``-o``, a user's folder given as ``--out``,
damaged checkpoints, networks and class counts too large; see ``hostile_corpus.py``."""

from __future__ import annotations

import json
import os
import re
import stat
from pathlib import Path

import numpy as np

from hostile_bytes import Case, esc, folder, npy_header, write_zip

TRAIN = ["train", "--data", "iris", "-H", "4", "--epochs", "1", "--quiet"]
ODD = "not a file npmlp wrote; npmlp neither follows nor removes it: remove it yourself or give another --out"
START_OVER = (
    r"; the run cannot continue from it: start it over without --resume \(that replaces the "
    r"checkpoint\)"
)


def _victim(d: Path) -> Path:
    v = d / "victim"
    v.mkdir()
    (v / "keep.txt").write_text("keep me\n")
    return v


def out_cases(root: Path) -> list:
    """Links and special files beside --out DIR, and a user's folder given as DIR."""
    cases = []

    def case(name, what, make, expect, resume=False):
        d = folder(root, name)
        odd = make(d)
        argv = (
            ["train", "--resume", str(d / "run")] if resume else [*TRAIN, "--out", str(d / "run")]
        )
        cases.append(Case(name, what, argv, f"{esc(odd)}: {expect}"))

    def link(target_name, hidden):
        def make(d):
            target = _victim(d) if target_name == "victim" else d / target_name
            if target_name != "victim":
                target.write_text("precious\n")
            (d / hidden).symlink_to(target)
            return d / hidden

        return make

    is_link = "is a symbolic link, " + re.escape(ODD)
    case(
        "out_ckpt_link",
        ".run.ckpt links to a folder of the user's",
        link("victim", ".run.ckpt"),
        expect=is_link,
    )
    case(
        "out_lock_link",
        ".run.lock links to a file of the user's",
        link("precious.txt", ".run.lock"),
        expect=is_link,
    )
    case(
        "out_stale_tmp_link",
        ".run.tmp-99 links to a folder of the user's",
        link("victim", ".run.tmp-99"),
        expect=is_link,
    )

    def fifo_at(rel):
        def make(d):
            (d / rel).parent.mkdir(parents=True, exist_ok=True)
            os.mkfifo(d / rel)
            return d / rel

        return make

    is_fifo = "is a FIFO, device or socket, " + re.escape(ODD)
    case("out_lock_fifo", ".run.lock is a FIFO", fifo_at(".run.lock"), expect=is_fifo)
    case(
        "resume_ckpt_fifo",
        "--resume: .run.ckpt/checkpoint.npz is a FIFO",
        fifo_at(".run.ckpt/checkpoint.npz"),
        is_fifo,
        resume=True,
    )
    case(
        "resume_ckpt_link",
        "--resume: .run.ckpt links to a folder",
        link("victim", ".run.ckpt"),
        is_link,
        resume=True,
    )

    user = "holds {}, not from 'npmlp train'; the run replaces the whole folder, so give a new or empty folder or a past run's"

    def users_folder(d):
        (d / "run").mkdir()
        (d / "run" / "report.html").write_text("<p>my notes</p>")
        (d / "run" / "photo.png").write_bytes(b"\x89PNG my photo")
        return d / "run"

    run = users_folder(folder(root, "out_user_folder"))
    cases.append(
        Case(
            "out_user_folder",
            "--out: a report.html and a picture, no run.json",
            [*TRAIN, "--out", str(run)],
            f"--out {esc(run)} " + re.escape(user.format("photo.png, report.html")),
        )
    )

    def fifo_manifest(d):
        (d / "run").mkdir()
        (d / "run" / "model.npz").write_bytes(b"mine")
        os.mkfifo(d / "run" / "run.json")
        return d / "run"

    run = fifo_manifest(folder(root, "out_run_json_fifo"))
    cases.append(
        Case(
            "out_run_json_fifo",
            "--out: a folder whose run.json is a FIFO",
            [*TRAIN, "--out", str(run)],
            f"--out {esc(run)} " + re.escape(user.format("run.json")),
        )
    )
    return cases


def target_cases(root: Path, good_model: Path) -> list:
    """``-o``/``--out`` of export and graph onto a FIFO or a device node."""
    cases = []
    special = r": is a FIFO, device or socket, not a file npmlp may replace; give the name of a regular file"

    def fifo(d, name):
        os.mkfifo(d / name)
        return d / name

    d = folder(root, "export_o_fifo")
    p = fifo(d, "m.onnx")
    cases.append(
        Case(
            "export_o_fifo",
            "export -o a FIFO",
            ["export", str(good_model), "-o", str(p)],
            esc(p) + special,
        )
    )
    if os.geteuid() == 0:  # a character device like /dev/null (1, 3), made in the case's folder
        d = folder(root, "export_o_chardev")
        p = d / "null"
        os.mknod(p, stat.S_IFCHR | 0o666, os.makedev(1, 3))
        cases.append(
            Case(
                "export_o_chardev",
                "export -o a character device (1, 3)",
                ["export", str(good_model), "-o", str(p)],
                esc(p) + special,
            )
        )
    d = folder(root, "graph_out_fifo")
    p = fifo(d, "g.png")
    graph = ["graph", "-D", "4", "-H", "3", "-L", "3", "-C", "2", "--out", str(p)]
    cases.append(Case("graph_out_fifo", "graph --out a FIFO", graph, esc(p) + special))
    return cases


def size_cases(root: Path) -> list:
    folder(root, "train_H_1e8")
    d = folder(root, "csv_40000_labels")
    rows = np.random.default_rng(0).normal(size=(40_000, 2))
    csv = d / "ids.csv"
    csv.write_text(
        "a,b,label\n" + "".join(f"{a:.3f},{b:.3f},id{i}\n" for i, (a, b) in enumerate(rows))
    )
    return [
        Case(
            "train_H_1e8",
            "train -H 100000000 (800 million parameters)",
            [*TRAIN[:3], "-H", "100000000", "--epochs", "1", "--quiet"],
            r"the network D=4 H=100000000 L=3 C=3 \(800,000,003 parameters, with its gradients "
            r"and optimiser state\) needs 20\.9 GB, more than the [0-9.]+ [MK]B this machine has "
            r"free; choose fewer or narrower hidden layers",
        ),
        Case(
            "graph_L_3001",
            "graph -L 3001",
            [
                "graph",
                "-D",
                "4",
                "-H",
                "3",
                "-L",
                "3001",
                "-C",
                "2",
                "--out",
                str(folder(root, "graph_L_3001") / "g.png"),
            ],
            r"L=3001: npmlp graph draws networks of at most L=41 \(its picture grows with L\); "
            r"'npmlp summary' lists every shape of a deeper one",
        ),
        Case(
            "csv_40000_labels",
            "a CSV of 40,000 rows, each its own label",
            ["train", "--data", str(csv), "--quiet"],
            rf"{esc(csv)}: 40000 classes for 40000 rows, fewer than 2 rows per class: too few to "
            r"learn or test any class; is the label column an identifier\? \(choose it with --label\)",
        ),
    ]


# ------------------------------------------------------------------------------ checkpoints
def good_checkpoint(shared: Path) -> Path:
    """A real checkpoint: a run on a small CSV stopped after its first epoch."""
    import signal

    from npmlp.core.interrupt import Signals
    from npmlp.data import load_dataset
    from npmlp.jobs.job import RunSettings, default_config
    from npmlp.jobs.runner import run_job

    csv = shared / "rows.csv"
    X = np.random.default_rng(0).normal(size=(60, 3))
    csv.write_text("a,b,c,y\n" + "".join(f"{a},{b},{c},{int(a > 0)}\n" for a, b, c in X))
    settings = RunSettings(
        data=str(csv), hidden=8, seed=3, config=default_config(epochs=5, batch_size=16)
    )
    from npmlp.callbacks import LambdaCallback

    with Signals() as signals:

        def stop(loop, record):
            signals.received = signal.SIGINT

        stop = LambdaCallback(on_epoch_end=stop)
        run_job(
            settings, load_dataset(str(csv)), shared / "ckrun", callbacks=[stop], signals=signals
        )
    return shared / ".ckrun.ckpt" / "checkpoint.npz"


def _arrays(path: Path) -> tuple[dict, dict]:
    with np.load(path, allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    return arrays, json.loads(arrays.pop("state.json").tobytes())


def _write(dst: Path, arrays: dict, meta) -> None:
    text = meta if isinstance(meta, str) else json.dumps(meta)
    np.savez(dst, **arrays, **{"state.json": np.frombuffer(text.encode(), np.uint8)})


def checkpoint_cases(root: Path, good: Path) -> list:
    cases = []

    def case(name, what, change, expect):
        d = folder(root, name)
        ckpt = d / ".run.ckpt" / "checkpoint.npz"
        ckpt.parent.mkdir()
        arrays, meta = _arrays(good)
        change(arrays, meta, ckpt)
        if not ckpt.exists():
            _write(ckpt, arrays, meta)
        cases.append(
            Case(
                name,
                what,
                ["train", "--resume", str(d / "run")],
                rf"{esc(ckpt)}: not a usable npmlp checkpoint \({expect}\)" + START_OVER,
            )
        )

    def terabytes(arrays, meta, ckpt):
        members = [(f"{k}.npy", _npy(v), "stored") for k, v in arrays.items() if k != "params/W1"]
        members.append(("params/W1.npy", npy_header("<f4", (10**12,)) + bytes(64), "stored"))
        members.append(
            ("state.json.npy", _npy(np.frombuffer(json.dumps(meta).encode(), np.uint8)), "stored")
        )
        write_zip(ckpt, members)

    case(
        "ckpt_member_terabytes",
        "a member's header claims 3.6 TB",
        terabytes,
        r"member 'params/W1': declares an array of shape \(1000000000000,\) \(3\.6 TB\), more than npmlp reads whole \(4\.0 GB\)",
    )
    case(
        "ckpt_epoch_text",
        'epoch "1" (text)',
        lambda a, m, p: m.__setitem__("epoch", "1"),
        r'epoch "1" is not an integer >= 0',
    )
    case(
        "ckpt_batch_minus_1",
        "batch index -1",
        lambda a, m, p: m.__setitem__("batch", -1),
        r"batch -1 is not an integer >= 0",
    )

    def mt19937(a, m, p):
        m["rng"] = np.random.MT19937(0).state
        m["rng"]["state"]["key"] = m["rng"]["state"]["key"].tolist()

    case(
        "ckpt_rng_mt19937",
        "the state of another generator (MT19937)",
        mt19937,
        r"rng .* is not a PCG64 generator's state",
    )
    case(
        "ckpt_rng_state_text",
        "the PCG64 state as text",
        lambda a, m, p: m["rng"]["state"].__setitem__("state", "12"),
        r"rng .* is not a PCG64 generator's state",
    )
    case(
        "ckpt_width_1e9",
        "settings say H=1000000000",
        lambda a, m, p: m["settings"]["run"].__setitem__("hidden", 10**9),
        r"its network D=3 H=1000000000 L=3 C=2 needs 156\.5 GB, more than the [0-9.]+ [MK]B this machine has free; free memory or start over",
    )
    case(
        "ckpt_width_mismatch",
        "settings say H=9, the weights H=8",
        lambda a, m, p: m["settings"]["run"].__setitem__("hidden", 9),
        r"member 'params/W1' is float32\(3, 8\), not what its run has",
    )
    case(
        "ckpt_nan_weight",
        "a NaN weight",
        lambda a, m, p: a["params/W1"].__setitem__((0, 0), np.nan),
        r"params/W1 holds NaN or infinite values",
    )
    deep = (
        '{"format": "npmlp-checkpoint", "version": 2, "x": ' + "[" * 100_000 + "]" * 100_000 + "}"
    )
    case(
        "ckpt_deep_json",
        "state.json nested 100,000 deep",
        lambda a, m, p: _write(p, a, deep),
        r"state\.json is nested too deeply",
    )
    case(
        "ckpt_history_text",
        "history records as text",
        lambda a, m, p: m["callbacks"]["History"].__setitem__("records", "x"),
        r"the history is not \{records: \[\.\.\.\], best_epoch, stopped_early, best_value\}",
    )
    case(
        "ckpt_unknown_member",
        "an extra member 'evil'",
        lambda a, m, p: a.__setitem__("evil", np.zeros(3)),
        r"unknown member 'evil'",
    )
    case(
        "ckpt_dtype_text",
        'settings dtype "float16"',
        lambda a, m, p: m["settings"]["run"].__setitem__("dtype", "float16"),
        r'settings dtype "float16" is not float32 or float64',
    )
    return cases


def _npy(a) -> bytes:
    import io

    buf = io.BytesIO()
    np.save(buf, a)
    return buf.getvalue()
