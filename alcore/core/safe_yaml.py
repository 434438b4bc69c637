"""Reading YAML written by a user: bounded in size, aliases, depth, and strict about keys.

Every YAML file alcore reads (grid files, the book's table of contents) goes through
:func:`read_yaml`. It is PyYAML's ``SafeLoader`` (no Python objects, only plain data) with
four limits checked while the document is composed, before anything is built from it:

* the file's size (:data:`MAX_BYTES`);
* the number of nodes the document holds with every alias expanded (:data:`MAX_NODES`), so
  a "billion laughs" file of nested aliases fails at once instead of filling the memory;
* the nesting depth (:data:`MAX_DEPTH`), so a deeply nested file fails with a message, not a
  ``RecursionError``;
* duplicate keys in one mapping are refused, naming the key and both lines (YAML itself lets
  the last one win silently).

Every error is a :class:`YAMLInputError` whose one-line message names the file and, where
the parser knows it, the line and column.
"""

from __future__ import annotations

from collections.abc import Hashable
from pathlib import Path

import yaml
from yaml.nodes import MappingNode, SequenceNode

__all__ = ["MAX_BYTES", "MAX_DEPTH", "MAX_NODES", "YAMLInputError", "parse_yaml", "read_yaml"]

#: Largest YAML file read: a grid or a table of contents is a few KiB.
MAX_BYTES = 1 << 20
#: Most nodes a document may hold once its aliases are expanded.
MAX_NODES = 100_000
#: Deepest nesting of sequences and mappings.
MAX_DEPTH = 64

_MERGE_TAG = "tag:yaml.org,2002:merge"


class YAMLInputError(ValueError):
    """A YAML file that cannot be read safely or correctly; the message names the file."""


def _where(name: str, mark) -> str:
    return f"{name}:{mark.line + 1}:{mark.column + 1}" if mark is not None else name


class _BoundedLoader(yaml.SafeLoader):
    """``SafeLoader`` that bounds depth and alias expansion and refuses duplicate keys."""

    def __init__(self, stream, name: str, max_nodes: int, max_depth: int):
        super().__init__(stream)
        self._name, self._max_nodes, self._max_depth, self._depth = name, max_nodes, max_depth, 0

    def compose_node(self, parent, index):
        self._depth += 1
        try:
            if self._depth > self._max_depth:
                mark = self.peek_event().start_mark
                raise YAMLInputError(
                    f"{_where(self._name, mark)}: nested more than {self._max_depth} levels "
                    "deep; flatten the file"
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def compose_document(self):
        node = super().compose_document()
        self._check_expansion(node)
        return node

    def _check_expansion(self, root) -> None:
        """Count the nodes of ``root`` with aliases expanded (a shared node counts each time)."""
        if root is None:
            return
        size: dict = {}
        on_path: set = set()
        stack = [(root, False)]
        while stack:
            node, children_done = stack.pop()
            key = id(node)
            if children_done:
                on_path.discard(key)
                size[key] = 1 + sum(size[id(c)] for c in _children(node))
                if size[key] > self._max_nodes:
                    raise YAMLInputError(
                        f"{self._name}: its aliases expand to more than {self._max_nodes:,} "
                        "values (an alias bomb?); refusing to read it"
                    )
                continue
            if key in size:
                continue
            if key in on_path:
                raise YAMLInputError(
                    f"{_where(self._name, node.start_mark)}: an alias refers to a node that "
                    "contains it (a recursive structure); refusing to read it"
                )
            on_path.add(key)
            stack.append((node, True))
            stack.extend((c, False) for c in _children(node) if id(c) not in size)

    def construct_mapping(self, node, deep=False):
        if isinstance(node, MappingNode):
            seen: dict = {}
            for key_node, _ in node.value:
                if key_node.tag == _MERGE_TAG:
                    continue
                key = self.construct_object(key_node, deep=True)
                if not isinstance(key, Hashable):
                    continue  # SafeConstructor refuses it with its own message
                if key in seen:
                    raise YAMLInputError(
                        f"{_where(self._name, key_node.start_mark)}: duplicate key {key!r} "
                        f"(first at line {seen[key] + 1}); keep only one"
                    )
                seen[key] = key_node.start_mark.line
        return super().construct_mapping(node, deep=deep)


def _children(node) -> list:
    if isinstance(node, SequenceNode):
        return list(node.value)
    if isinstance(node, MappingNode):
        return [c for pair in node.value for c in pair]
    return []


def parse_yaml(
    text: str, name: str = "<yaml>", *, max_nodes: int = MAX_NODES, max_depth: int = MAX_DEPTH
):
    """Parse one YAML document from ``text`` with the limits of :func:`read_yaml`.

    ``name`` is used in the error messages (the file the text came from).
    """
    loader = _BoundedLoader(text, name, max_nodes, max_depth)
    try:
        return loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        what = exc.problem or exc.context or "not valid YAML"
        raise YAMLInputError(f"{_where(name, mark)}: not valid YAML ({what})") from None
    except yaml.YAMLError as exc:
        raise YAMLInputError(f"{name}: not valid YAML ({exc})") from None
    finally:
        loader.dispose()


def read_yaml(
    path,
    *,
    max_bytes: int = MAX_BYTES,
    max_nodes: int = MAX_NODES,
    max_depth: int = MAX_DEPTH,
):
    """Read one YAML document from ``path`` safely.

    Parameters
    ----------
    path : str or Path
        The file (UTF-8 text).
    max_bytes, max_nodes, max_depth : int
        Largest file size, most values with aliases expanded, deepest nesting.

    Returns
    -------
    object
        Plain Python data (dicts, lists, strings, numbers, booleans, None).

    Raises
    ------
    FileNotFoundError
        If ``path`` is not a file.
    YAMLInputError
        For a file too large, not UTF-8, not valid YAML, nested too deep, with aliases that
        expand too far, or with a duplicate key; the message names the file and line.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path} does not exist")
    size = path.stat().st_size
    if size > max_bytes:
        raise YAMLInputError(
            f"{path}: {size:,} bytes, more than the {max_bytes:,} a YAML file may have here"
        )
    with open(path, "rb") as fh:
        data = fh.read(max_bytes + 1)
    if len(data) > max_bytes:  # grew since the stat
        raise YAMLInputError(f"{path}: more than the {max_bytes:,} bytes a YAML file may have")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise YAMLInputError(f"{path}:{line}: not UTF-8 text; save the file as UTF-8") from None
    return parse_yaml(text, str(path), max_nodes=max_nodes, max_depth=max_depth)
