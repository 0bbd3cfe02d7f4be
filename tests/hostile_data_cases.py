"""The hostile data files (IDX, CSV, NumPy) of the corpus; see ``hostile_corpus.py``."""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np

from hostile_bytes import (
    NOT_REGULAR,
    Blob,
    Case,
    esc,
    folder,
    idx_header,
    info_case,
    npy_bytes,
    npy_header,
    write_gzip,
    write_zip,
)


def idx_cases(root: Path) -> list:
    three_gb = 3 << 30
    p1 = write_gzip(
        folder(root, "idx_gz_3GB_zeros") / "x-images-idx3-ubyte.gz", Blob(b"", three_gb)
    )
    p2 = write_gzip(
        folder(root, "idx_gz_header_then_3GB") / "x-images-idx3-ubyte.gz",
        Blob(idx_header(8, (1, 28, 28)), 784 + three_gb),
    )
    n = 3_800_000
    p3 = write_gzip(
        folder(root, "idx_gz_declares_3GB") / "x-images-idx3-ubyte.gz",
        Blob(idx_header(8, (n, 28, 28)), n * 784),
    )
    p4 = folder(root, "idx_dev_zero") / "x-images-idx3-ubyte"
    p4.symlink_to("/dev/zero")
    d5 = folder(root, "idx_zero_rows")
    (d5 / "e-images-idx3-ubyte").write_bytes(idx_header(8, (0, 28, 28)))
    (d5 / "e-labels-idx1-ubyte").write_bytes(idx_header(8, (0,)))
    p6 = folder(root, "idx_header_beyond_file") / "f-images-idx3-ubyte"
    p6.write_bytes(idx_header(8, (60000, 28, 28)) + bytes(100))
    p7 = folder(root, "idx_fifo") / "q-images-idx3-ubyte"
    os.mkfifo(p7)
    truncated = "; the file is truncated or corrupted"
    return [
        info_case(
            "idx_gz_3GB_zeros",
            "2.9 MB gzip of 3 GB of zeros",
            p1,
            r"not an IDX file \(bad magic number 00000000\); expected 00 00, a type byte and a "
            r"dimension count",
        ),
        info_case(
            "idx_gz_header_then_3GB",
            "gzip: a 1-image header, then 3 GB of zeros",
            p2,
            r"IDX header says shape \(1, 28, 28\) of uint8 \(784 bytes of data\) but the file "
            r"holds more" + truncated,
        ),
        info_case(
            "idx_gz_declares_3GB",
            "2.9 MB gzip whose header declares (and holds) 3 GB",
            p3,
            r"needs 2\.8 GB of memory for an array of shape \(3800000, 28, 28\), more than this "
            r"machine can give",
        ),
        info_case("idx_dev_zero", "x-images-idx3-ubyte -> /dev/zero", p4, NOT_REGULAR),
        Case(
            "idx_zero_rows",
            "IDX images and labels with 0 rows",
            ["data", "info", str(d5 / "e-images-idx3-ubyte")],
            f"{esc(d5 / 'e-images-idx3-ubyte')}: " + r"the data is empty \(shape \(0, 784\)\)",
        ),
        info_case(
            "idx_header_beyond_file",
            "IDX header says 60000 images, the file holds 100 bytes",
            p6,
            r"IDX header says shape \(60000, 28, 28\) of uint8 \(47040000 bytes of data\) but the "
            r"file holds 100" + truncated,
        ),
        info_case("idx_fifo", "--data is a FIFO named like IDX", p7, NOT_REGULAR),
    ]


def table_cases(root: Path) -> list:
    cases = []
    p = folder(root, "csv_million_columns") / "wide.csv"
    with open(p, "w") as f:
        f.write(",".join(f"c{i}" for i in range(10**6)) + "\n")
        for _ in range(4):
            f.write(",".join(["0"] * 10**6) + "\n")
    cases.append(
        info_case(
            "csv_million_columns",
            "CSV header of 10^6 columns, 4 rows",
            p,
            r"line 1 has more than 100000 columns; npmlp reads at most 100000 \(save wide data "
            r"as \.npy instead\)",
        )
    )
    p = folder(root, "csv_empty_label") / "d.csv"
    p.write_text("a,b,label\n1,2,\n3,4,NA\n5,6,\n")
    cases.append(
        info_case(
            "csv_empty_label",
            "no label in any row (a row without one is left out)",
            p,
            r"no row has a label \(column 'label' is empty or missing in every row\); choose "
            r"the label column with --label",
        )
    )
    p = folder(root, "csv_line_20MB") / "d.csv"
    p.write_bytes(b"a,label\n" + b"1" * (20 << 20))
    cases.append(
        info_case(
            "csv_line_20MB",
            "a 20 MB line without a newline",
            p,
            r"line 2 is longer than 16 MB; npmlp reads CSV lines up to that length",
        )
    )
    p = folder(root, "csv_long_label") / "d.csv"
    p.write_text("a,label\n1," + "x" * 300 + "\n2,y\n")
    cases.append(
        info_case(
            "csv_long_label",
            "a label of 300 characters",
            p,
            r"line 2: the label \(column 'label'\) is longer than 256 characters",
        )
    )
    p = folder(root, "csv_70000_labels") / "d.csv"
    p.write_text("a,label\n" + "".join(f"1,k{i}\n" for i in range(70_000)))
    cases.append(
        info_case(
            "csv_70000_labels",
            "70,000 different labels",
            p,
            r"line 65538: the label \(column 'label'\): more than 65536 different labels; is "
            r"this column really a class label\? choose another with --label",
        )
    )
    p = folder(root, "csv_bad_utf8") / "d.csv"
    p.write_bytes(b"a,label\n" + b"1,x\n2,y\n" * 500 + b"3,\xff\xfe\n")
    cases.append(
        info_case(
            "csv_bad_utf8",
            "invalid UTF-8 on line 1002",
            p,
            r"not a text file \(not UTF-8\); give a CSV file",
        )
    )
    p = folder(root, "csv_huge_field") / "d.csv"
    p.write_text('a,label\n1,"' + "z" * 200_000 + '"\n')
    cases.append(
        info_case(
            "csv_huge_field",
            "a quoted field of 200,000 characters",
            p,
            r"malformed CSV \(field larger than field limit \(131072\)\)",
        )
    )
    p = folder(root, "csv_fifo") / "d.csv"
    os.mkfifo(p)
    cases.append(info_case("csv_fifo", "--data is a FIFO (.csv)", p, NOT_REGULAR))
    p = folder(root, "csv_sparse_1TB") / "d.csv"
    with open(p, "wb") as f:
        f.truncate(1 << 40)  # 1 TB of NUL bytes, none of them on disk
    cases.append(
        info_case(
            "csv_sparse_1TB",
            "a sparse 1 TB file of NUL bytes as CSV",
            p,
            r"line 1 is longer than 16 MB; npmlp reads CSV lines up to that length",
        )
    )
    p = folder(root, "csv_symlink_loop") / "d.csv"
    p.symlink_to(p.name)
    cases.append(
        info_case(
            "csv_symlink_loop",
            "a symlink to itself",
            p,
            r"cannot read it \(Too many levels of symbolic links\); check its permissions",
        )
    )
    # two that must succeed, for their memory and exactness
    p = folder(root, "csv_30MB") / "big.csv"
    rng = np.random.default_rng(0)
    block = "".join(
        ",".join(f"{v:.6f}" for v in rng.standard_normal(10)) + f",c{k % 3}\n" for k in range(999)
    )
    with open(p, "w") as f:
        f.write(",".join(f"f{i}" for i in range(10)) + ",label\n")
        while f.tell() < 30 << 20:
            f.write(block)
    cases.append(
        info_case(
            "csv_30MB",
            "a 30 MB CSV (loads)",
            p,
            "",
            rc=0,
            stdout=r"features D=10, classes C=3",
        )
    )
    p = folder(root, "csv_labels_beyond_2p53") / "d.csv"
    p.write_text("a,label\n1,9007199254740993\n2,9007199254740992\n3,9007199254740993\n")
    cases.append(
        Case(
            "csv_labels_beyond_2p53",
            "labels 2^53 and 2^53+1 (loads, 2 classes)",
            ["data", "info", "--json", str(p)],
            "",
            rc=0,
            stdout=r'"classes": \[9007199254740992, 9007199254740993\]',
        )
    )
    for name, spec, expect in (
        (
            "synthetic_moons_noise_nan",
            "moons:noise=nan",
            "noise must be a finite number >= 0, got nan",
        ),
        ("synthetic_blobs_std_negative", "blobs:std=-1", "std must be a finite number > 0, got -1"),
        (
            "synthetic_circles_factor_inf",
            "circles:factor=inf",
            r"factor must be a finite number in \(0, 1\), got inf",
        ),
        (
            "synthetic_moons_n_huge",
            "moons:n=20000000",
            "n must be between 2 and 10000000, got 20000000",
        ),
    ):
        folder(root, name)
        cases.append(Case(name, spec, ["data", "info", spec], f"{re.escape(spec)}: {expect}"))
    return cases


def numpy_cases(root: Path) -> list:
    cases = []
    y = npy_bytes(np.array([0, 1]))
    d = folder(root, "npy_shape_1e12")
    head = npy_header("<f8", (10**12,))
    (d / "X.npy").write_bytes(head + bytes(100))
    (d / "y.npy").write_bytes(y)
    cases.append(
        info_case(
            "npy_shape_1e12",
            "X.npy header claims shape (10**12,)",
            d / "X.npy",
            rf"truncated or corrupted NumPy file \(the header says {len(head) + 8 * 10**12} bytes "
            rf"but the file has {len(head) + 100}\)",
        )
    )
    d = folder(root, "npy_header_length_4GB")
    (d / "X.npy").write_bytes(b"\x93NUMPY\x02\x00" + b"\xff\xff\xff\xff" + b"{" * 100)
    (d / "y.npy").write_bytes(y)
    cases.append(
        info_case(
            "npy_header_length_4GB",
            "an .npy v2 header claiming 4 GB of header",
            d / "X.npy",
            r"truncated or corrupted NumPy file \(the \.npy header claims 4294967295 bytes "
            r"\(at most 65536\)\)",
        )
    )
    d = folder(root, "npy_fifo")
    os.mkfifo(d / "X.npy")
    (d / "y.npy").write_bytes(y)
    cases.append(info_case("npy_fifo", "--data is a FIFO (.npy)", d / "X.npy", NOT_REGULAR))
    p = folder(root, "npz_fifo") / "d.npz"
    os.mkfifo(p)
    cases.append(info_case("npz_fifo", "--data is a FIFO (.npz)", p, NOT_REGULAR))
    p = write_zip(
        folder(root, "npz_member_shape_1e12") / "d.npz",
        [("X.npy", npy_header("<f8", (10**12,)) + bytes(64), "stored"), ("y.npy", y, "stored")],
    )
    cases.append(
        info_case(
            "npz_member_shape_1e12",
            "npz member header claims shape (10**12,)",
            p,
            r"member 'X': declares an array of shape \(1000000000000,\) \(7\.3 TB\), more than "
            r"npmlp reads whole \(4\.0 GB\); save big features as \.npy, which is streamed",
        )
    )
    p = write_zip(
        folder(root, "npz_X_2GB_zeros") / "d.npz",
        [
            ("X.npy", Blob(npy_header("<f8", (1 << 24, 16)), 2 << 30), "deflated"),
            ("y.npy", y, "stored"),
        ],
    )
    cases.append(
        info_case(
            "npz_X_2GB_zeros",
            "npz whose X is 2 GB of zeros (2 MB on disk), header consistent",
            p,
            r"needs 2\.0 GB of memory for an array of shape \(16777216, 16\), more than this "
            r"machine can give",
        )
    )
    p = write_zip(
        folder(root, "npz_60000_members") / "d.npz",
        [(f"a{i}.npy", b"", "stored") for i in range(60_000)],
    )
    cases.append(
        info_case(
            "npz_60000_members",
            "an npz of 60,000 members",
            p,
            r"truncated or corrupted NumPy file \(the archive declares 60000 members \(at most "
            r"4096\)\)",
        )
    )
    import zipfile

    p = folder(root, "npz_bzip2_member") / "d.npz"
    with zipfile.ZipFile(p, "w", zipfile.ZIP_BZIP2) as z:
        z.writestr("X.npy", npy_bytes(np.ones((4, 2))))
        z.writestr("y.npy", npy_bytes(np.array([0, 1, 0, 1])))
    cases.append(
        info_case(
            "npz_bzip2_member",
            "npz members compressed with bzip2",
            p,
            r"truncated or corrupted NumPy file \(member 'X\.npy' uses compression method 12 "
            r"\(NumPy writes stored or deflated members\)\)",
        )
    )
    x = npy_bytes(np.ones((4, 2)))
    p = write_zip(
        folder(root, "npz_size_lie") / "d.npz",
        [("X.npy", x, "stored"), ("y.npy", y, "stored")],
        file_size={"X.npy": 4_000_000_000},
    )
    cases.append(
        info_case(
            "npz_size_lie",
            "a stored member claiming 4 GB from 192 bytes",
            p,
            rf"truncated or corrupted NumPy file \(member 'X\.npy' claims 4000000000 bytes from "
            rf"{len(x)} on disk, which its compression cannot give\)",
        )
    )
    return cases
