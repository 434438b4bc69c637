"""Compare the text outputs of two builds of the book's executed notebooks.

    python tools/compare_outputs.py BEFORE/book/notebooks AFTER/book/notebooks

For every ``NN_*.ipynb`` in BEFORE, the outputs of its code cells (tables as HTML or text,
Markdown, printed text; a figure counts as one ``image`` entry) are listed in order and
compared with the same notebook in AFTER; differing lines are printed as a unified diff.
The injected-parameters cell and pandas Styler ids (random per run) are left out, so two
builds from the same results store should print ``same`` for every notebook except for what
depends on the clock (the encoder throughput of chapter 00, first-download log lines).
Exit status: 0 when every notebook is the same, 1 otherwise.
"""

from __future__ import annotations

import argparse
import difflib
import re
import sys
from pathlib import Path

_STYLER_ID = re.compile(r"T_[0-9a-f_]{5,}")


def text_outputs(path: Path) -> list[str]:
    """The outputs of ``path``'s code cells as lines of text, in order."""
    import nbformat

    out = []
    for cell in nbformat.read(path, as_version=4).cells:
        if cell.cell_type != "code" or "injected-parameters" in cell.metadata.get("tags", []):
            continue
        for o in cell.outputs:
            if o.output_type == "stream":
                out.append(f"stream: {o.text}")
            elif o.output_type == "error":
                out.append(f"error: {o.ename}: {o.evalue}")
            elif "data" in o:
                data = o["data"]
                if "image/png" in data:
                    out.append("image")
                for kind in ("text/markdown", "text/html", "text/plain"):
                    text = data.get(kind)
                    if text is not None and not str(text).startswith("<Figure"):
                        out.append(f"{kind}: {_STYLER_ID.sub('T_', str(text))}")
                        break
    return [line for entry in out for line in entry.splitlines()]


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("before", type=Path, help="executed notebooks of the first build")
    p.add_argument("after", type=Path, help="executed notebooks of the second build")
    args = p.parse_args(argv)
    differ = 0
    for nb in sorted(args.before.glob("[0-9][0-9]_*.ipynb")):
        other = args.after / nb.name
        if not other.is_file():
            print(f"{nb.name}: missing in {args.after}")
            differ += 1
            continue
        a, b = text_outputs(nb), text_outputs(other)
        if a == b:
            print(f"{nb.name}: same ({len(a)} lines, {a.count('image')} figures)")
            continue
        differ += 1
        print(f"{nb.name}: differs")
        for line in difflib.unified_diff(a, b, "before", "after", lineterm="", n=0):
            print(f"    {line[:200]}")
    return int(differ > 0)


if __name__ == "__main__":
    sys.exit(main())
