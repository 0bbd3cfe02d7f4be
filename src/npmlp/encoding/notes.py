"""What the commands say about a table's columns: ``data info``'s actions, ``train``'s summary,
the warnings of reading and encoding (see :mod:`npmlp.encoding`)."""

from __future__ import annotations

from .encoder import EncodedColumn, TableEncoder
from .kinds import CATEGORY, DATE, NUMBER, OTHER, TIME, RawColumns, _left_out, _refusal


def action(raw: RawColumns, k: int, c: EncodedColumn | None, n_values: int | None) -> str:
    """What ``npmlp train`` does with column ``k`` (for ``npmlp data info``); ``c`` is the
    column fitted on every row (None for a column not used)."""
    why = _refusal(raw, k)
    if why:
        return f"refused: it {why[0]}; {why[1]}"
    if c is None:
        return _left_out(raw, k) or "left out"
    fill = ""
    if raw.missing[k]:
        how = "most frequent value" if c.kind == CATEGORY else "median"
        fill = f"; {raw.missing[k]} missing filled with the training split's {how}"
        fill += f", and a column '{c.name} (missing)'" if c.indicator else ""
    if c.kind == NUMBER:
        return "number, scaled" + fill
    if c.kind in (DATE, TIME):
        parts = ", ".join(c.parts or ("hour",))
        return f"{c.kind}: {parts}" + fill
    width = len(c.categories) + c.other
    pooled = ""
    if c.other:
        n_pooled = (n_values or 0) - len(c.categories)
        pooled = f", {n_pooled} rare value{'s' if n_pooled != 1 else ''} pooled into {OTHER!r}"
    return f"one-hot: {width} columns{pooled}" + fill


def summary_lines(enc: TableEncoder, notes: dict) -> list[str]:
    """What ``npmlp train`` says about the table it encoded: columns, cells filled, unseen,
    columns left out."""
    cats = [c for c in enc.columns if c.kind == CATEGORY]
    line = f"table: {len(enc.columns)} feature columns -> D={enc.n_outputs}"
    if cats:
        shown = ", ".join(f"{c.name} {c.width - c.indicator}" for c in cats[:10])
        line += f" (one-hot: {shown}{', ...' if len(cats) > 10 else ''})"
    lines = [line + (f"; label {enc.label!r}" if enc.label is not None else "")]
    if notes["missing"]:
        n = sum(notes["missing"].values())
        per = ", ".join(f"{k} {v}" for k, v in notes["missing"].items())
        lines.append(
            f"missing values filled with the training split's median (numbers) or most "
            f"frequent value (text), each such column with a '(missing)' column: {n} ({per})"
        )
    if notes["unseen"]:
        lines.append(note_lines({"missing": {}, "unseen": notes["unseen"]})[0])
    return lines + notes.get("left_out", [])


def note_lines(notes: dict) -> list[str]:
    """One line for the cells filled and one for the values unseen in training (if any)."""
    lines = []
    if notes["missing"]:
        n = sum(notes["missing"].values())
        per = ", ".join(f"{k} {v}" for k, v in notes["missing"].items())
        lines.append(f"{n} missing value{'s' if n != 1 else ''} filled as in training ({per})")
    if notes["unseen"]:
        n = sum(sum(v.values()) for v in notes["unseen"].values())
        per = "; ".join(
            f"{k}: " + ", ".join(f"{v!r} {m}" for v, m in list(seen.items())[:5])
            for k, seen in notes["unseen"].items()
        )
        lines.append(
            f"{n} value{'s' if n != 1 else ''} unseen in training, encoded as all zeros ({per})"
        )
    return lines


def read_warnings(raw: RawColumns) -> list[str]:
    """The warnings of reading a table: rows left out for a missing label (one line)."""
    n = raw.unlabelled
    if not n:
        return []
    return [
        f"{n} row{'s' if n != 1 else ''} with a missing label (column {raw.label!r}: an empty "
        f"cell or one of {', '.join(raw.na_values)}) left out"
    ]


def header_line(raw: RawColumns) -> str:
    """How a table file's first line was read (for ``npmlp data info``)."""
    how = {"detected": "detected", "given": "as told"}.get(raw.header_how, raw.header_how)
    if raw.header:
        return f"header: line 1 holds the column names ({how}; --no-header reads it as data)"
    return f"header: none, columns are named by position ({how}; --header reads line 1 as names)"
