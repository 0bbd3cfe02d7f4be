"""The hostile corpus: files made to hang npmlp's readers, blow up their memory or crash them,
each with the command that reads it and the one line npmlp must answer (``npmlp: error: ``
and the regex ``expect``), built by :func:`build` under one folder per case: the model files
and the downloads here, the data files (IDX, CSV, NumPy, synthetic) in ``hostile_data_cases.py``.

``tests/test_hostile.py`` runs every case with ``tests/hostile_run.py`` under a 512 MB
address-space cap: exit 2, exactly one line on stderr, in 5 s, no file left behind, at most
200 MB above the baseline of ``npmlp --version``. ``python tests/hostile_run.py`` prints the
table of what each case costs.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import numpy as np

from hostile_bytes import (
    NOT_REGULAR,
    REDO,
    Blob,
    Case,
    esc,
    folder,
    good_model,
    members_of,
    model_arrays,
    npy_bytes,
    npy_header,
    rewrite_model,
    rows_csv,
    write_zip,
)
from hostile_data_cases import idx_cases, numpy_cases, table_cases
from hostile_write_cases import (
    checkpoint_cases,
    good_checkpoint,
    out_cases,
    size_cases,
    target_cases,
)


def build(root: Path, url: str) -> list:
    """Write every case's files under ``root/<case name>/``; ``url`` is the hostile server."""
    shared = folder(root, "_shared")
    good = good_model(shared / "model.npz")
    rows = rows_csv(shared / "rows.csv")
    return [
        *_model_cases(root, good, rows),
        *idx_cases(root),
        *table_cases(root),
        *numpy_cases(root),
        *_download_cases(root, url),
        *out_cases(root),
        *target_cases(root, good),
        *size_cases(root),
        *checkpoint_cases(root, good_checkpoint(shared)),
    ]


def _model_cases(root: Path, good: Path, rows: Path) -> list:
    cases = []

    def case(name, what, expect, make):
        path = make(folder(root, name) / "model.npz")
        cases.append(Case(name, what, ["predict", str(path), str(rows)], f"{esc(path)}: {expect}"))

    def edit(change):
        return lambda p: rewrite_model(good, p, change)

    def arch(key, value):
        return edit(lambda a, m: m["architecture"].__setitem__(key, value))

    case(
        "model_H_3000000",
        "83 KB model whose metadata says H=3000000",
        r"is inconsistent \(W1 has shape \(64, 32\) and dtype float32, the metadata says "
        r"\(64, 3000000\) float32\)" + REDO,
        arch("H", 3_000_000),
    )
    case(
        "model_L_100001",
        "metadata says L=100001",
        r"is inconsistent \(the metadata implies 100005 arrays \(L=100001\), the file holds 7\)"
        + REDO,
        arch("L", 100_001),
    )

    def unused_member(p):
        members = members_of(model_arrays(good))
        junk = Blob(npy_header("<f8", (1 << 28,)), 2 << 30)
        return write_zip(p, [*members, ("junk.npy", junk, "deflated")])

    case(
        "model_unused_2GB_member",
        "a 2 GB zero member (2 MB on disk) the model does not use",
        r"is inconsistent \(holds arrays the format does not know: junk\)" + REDO,
        unused_member,
    )

    def huge_header(p):
        members = dict((n, (n, d, m)) for n, d, m in members_of(model_arrays(good)))
        members["W1.npy"] = ("W1.npy", npy_header("<f4", (10**12,)) + bytes(100), "stored")
        return write_zip(p, list(members.values()))

    case(
        "model_npy_shape_1e12",
        "a member's .npy header claims shape (10**12,)",
        r"is truncated or corrupted \(member 'W1': declares an array of shape \(1000000000000,\) "
        r"\(3\.6 TB\), more than npmlp reads whole \(4\.0 GB\)\)" + REDO,
        huge_header,
    )
    case(
        "model_metadata_strings",
        'metadata with "64" and "3" where D and L go',
        r"is inconsistent \(architecture D, H, L, C must be integers, got .*\)" + REDO,
        edit(lambda a, m: m["architecture"].update(D="64", L="3")),
    )
    deep = '{"format": "npmlp-model", "x": ' + "[" * 100_000 + "]" * 100_000 + "}"
    case(
        "model_metadata_deep_json",
        "metadata JSON nested 100,000 deep",
        r"has corrupted metadata \(JSON nested too deeply\)",
        edit(lambda a, m: a.__setitem__("metadata", np.array(deep))),
    )
    case(
        "model_metadata_2M_chars",
        "metadata text of 2 million characters",
        r"has corrupted metadata \(a <U2000000 array of shape \(\), not a JSON text\)",
        edit(lambda a, m: a.__setitem__("metadata", np.array(" " * 2_000_000))),
    )
    case(
        "model_seed_float",
        "metadata seed 1.5",
        r"is inconsistent \(seed 1\.5 is not an integer >= 0\)" + REDO,
        edit(lambda a, m: m.__setitem__("seed", 1.5)),
    )
    case(
        "model_split_strings",
        'metadata split {"test_fraction": "x", "seed": "y"}',
        r"is inconsistent \(split \{\"test_fraction\": \"x\", \"seed\": \"y\"\} is not "
        r"\{test_fraction in \[0, 1\), seed >= 0\}\)" + REDO,
        edit(lambda a, m: m.__setitem__("split", {"test_fraction": "x", "seed": "y"})),
    )
    case(
        "model_nan_weights",
        "a NaN weight",
        r"has NaN or infinite weights in W1; train it again",
        edit(lambda a, m: a["W1"].__setitem__((3, 4), np.nan)),
    )
    scaling = (
        r"has a NaN or infinite input shift, or a zero or non-finite input scale; train it again"
    )
    case(
        "model_nan_shift",
        "a NaN input shift",
        scaling,
        edit(lambda a, m: a["preprocessing_shift"].__setitem__(5, np.nan)),
    )
    case(
        "model_zero_scale",
        "a zero input scale",
        scaling,
        edit(lambda a, m: a["preprocessing_scale"].__setitem__(7, 0.0)),
    )
    case(
        "model_big_endian",
        "weights stored big-endian",
        r"is inconsistent \(W1 has shape \(64, 32\) and dtype >f4, the metadata says "
        r"\(64, 32\) float32\)" + REDO,
        edit(lambda a, m: a.__setitem__("W1", a["W1"].astype(">f4"))),
    )

    def short_member(p):
        members = dict((n, (n, d, m)) for n, d, m in members_of(model_arrays(good)))
        members["W1.npy"] = ("W1.npy", members["W1.npy"][1][:-100], "stored")
        return write_zip(p, list(members.values()))

    case(
        "model_member_short",
        "a member 100 bytes shorter than its header says",
        r"is truncated or corrupted \(member 'W1' declares shape \(64, 32\) of float32 "
        r"\(8192 bytes\) but holds 8092\)" + REDO,
        short_member,
    )

    def many_members(p):
        return write_zip(p, [(f"a{i}.npy", b"", "stored") for i in range(60_000)])

    case(
        "model_60000_members",
        "an archive of 60,000 members",
        r"is truncated or corrupted \(the archive declares 60000 members \(at most 4096\)\)" + REDO,
        many_members,
    )

    def bzip2(p):
        import zipfile

        with zipfile.ZipFile(p, "w", zipfile.ZIP_BZIP2) as z:
            for name, data, _ in members_of(model_arrays(good)):
                z.writestr(name, data)
        return p

    case(
        "model_bzip2_member",
        "members compressed with bzip2",
        r"is truncated or corrupted \(member 'W1\.npy' uses compression method 12 \(NumPy "
        r"writes stored or deflated members\)\)" + REDO,
        bzip2,
    )

    def consistent_bomb(p):
        meta = json.loads(str(model_arrays(good)["metadata"]))
        meta.update(architecture={"D": 64, "H": 3_000_000, "L": 3, "C": 10}, preprocessing=None)
        H = 3_000_000
        arrays = [
            ("W1.npy", Blob(npy_header("<f4", (64, H)), 64 * H * 4), "deflated"),
            ("b1.npy", Blob(npy_header("<f4", (1, H)), H * 4), "deflated"),
            ("W3.npy", Blob(npy_header("<f4", (H, 10)), H * 40), "deflated"),
            ("b3.npy", npy_bytes(np.zeros((1, 10), np.float32)), "stored"),
            ("classes.npy", npy_bytes(np.arange(10)), "stored"),
            ("metadata.npy", npy_bytes(np.array(json.dumps(meta))), "stored"),
        ]
        return write_zip(p, arrays)

    case(
        "model_consistent_900MB",
        "H=3000000 with matching 900 MB of zero weights (1 MB on disk)",
        r"needs 858\.3 MB for its weights, more memory than this machine has",
        consistent_bomb,
    )

    def pickled(p):
        arrays = model_arrays(good)
        arrays["W1"] = np.array([{"run": "code"}], dtype=object)
        np.savez(p, **arrays)
        return p

    case(
        "model_pickle_member",
        "an object (pickle) member",
        r"holds pickled objects, which npmlp refuses to load because they can run code; "
        r"re-save the model with npmlp",
        pickled,
    )

    def truncated(p):
        data = good.read_bytes()
        p.write_bytes(data[: len(data) // 2])
        return p

    case(
        "model_truncated",
        "half a model file",
        r"is truncated or corrupted \(BadZipFile: .*\)" + REDO,
        truncated,
    )

    def fifo(p):
        os.mkfifo(p)
        return p

    def dev_zero(p):
        p.symlink_to("/dev/zero")
        return p

    def sparse(p):
        with open(p, "wb") as f:
            f.truncate(1 << 40)
        return p

    case(
        "model_sparse_1TB",
        "a sparse 1 TB model file of NUL bytes",
        r"is not an npmlp model file \(not an \.npz archive\)",
        sparse,
    )
    case("model_fifo", "the model is a FIFO", NOT_REGULAR, fifo)
    case("model_dev_zero", "the model is a symlink to /dev/zero", NOT_REGULAR, dev_zero)
    d = folder(root, "predict_rows_fifo")
    os.mkfifo(d / "rows.csv")
    cases.append(
        Case(
            "predict_rows_fifo",
            "predict's rows are a FIFO",
            ["predict", str(good), str(d / "rows.csv")],
            f"{esc(d / 'rows.csv')}: {NOT_REGULAR}",
        )
    )
    return cases


def _download_cases(root: Path, url: str) -> list:
    cases = []
    image = "mnist/train-images-idx3-ubyte.gz"
    cannot = r"cannot download mnist \({}\); download .* by hand and put them in .* \(or set NPMLP_DATA to their folder\)"

    def case(name, what, mirror, expect, **kw):
        d = folder(root, name)
        (d / "cache" / "mnist").mkdir(parents=True, exist_ok=True)
        env = {"NPMLP_DATA": str(d / "cache"), "NPMLP_MIRROR": mirror}
        cases.append(Case(name, what, ["data", "info", "mnist"], expect, env=env, **kw))

    case(
        "download_endless",
        "a mirror that never stops sending",
        f"{url}/endless",
        rf"{esc(url)}/endless/{re.escape(image)}: the server sent more than the 9912422 bytes of "
        r"the published file; the download was deleted; try again later",
    )
    case(
        "download_liar",
        "a mirror announcing 6 GB",
        f"{url}/liar",
        rf"{esc(url)}/liar/{re.escape(image)}: the server announces 6442450944 bytes, more than "
        r"the 9912422 of the published file; nothing was downloaded; try again later",
    )
    case(
        "download_trickle",
        "one byte every 0.5 s (deadline set to 1 s)",
        f"{url}/trickle",
        cannot.format(rf"{esc(url)}/trickle/mnist/: the download took more than 1 s"),
        deadline=1.0,
    )
    case(
        "download_silent",
        "a mirror that never answers (deadline set to 1 s)",
        f"{url}/silent",
        cannot.format(rf"{esc(url)}/silent/mnist/: (timed out|the download took more than 1 s)"),
        deadline=1.0,
    )
    https_only = (
        r": npmlp downloads only https:// addresses \(plain http only from this machine\); "
        r"give an https mirror in NPMLP_MIRROR"
    )
    case(
        "download_plain_http",
        "NPMLP_MIRROR=http:// off this machine",
        "http://192.0.2.1",
        r"http://192\.0\.2\.1/mnist/" + https_only,
    )
    case(
        "download_redirect_to_http",
        "a redirect to http:// off this machine",
        f"{url}/redirect",
        r"http://192\.0\.2\.1/" + re.escape(image) + https_only,
    )
    d = folder(root, "download_cache_fifo")
    (d / "cache" / "mnist").mkdir(parents=True)
    fifo = d / "cache" / image
    os.mkfifo(fifo)
    env = {"NPMLP_DATA": str(d / "cache"), "NPMLP_MIRROR": f"{url}/endless"}
    cases.append(
        Case(
            "download_cache_fifo",
            "a FIFO in the download cache",
            ["data", "info", "mnist"],
            f"{esc(fifo)}: {NOT_REGULAR}; remove it",
            env=env,
        )
    )
    return cases
