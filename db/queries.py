"""Named SQL, aiosql style: a .sql file holds blocks that start with `-- name: <name>`; Python runs
them with named parameters (%(name)s). The SQL stays in .sql files, not in Python strings."""
from __future__ import annotations

import re
from functools import cache
from pathlib import Path

_NAME = re.compile(r"^--\s*name:\s*([A-Za-z_][\w]*)\s*$", re.MULTILINE)


@cache
def load(path: str | Path) -> dict[str, str]:
    text = Path(path).read_text(encoding="utf-8")
    parts = _NAME.split(text)
    queries = {}
    for name, body in zip(parts[1::2], parts[2::2], strict=False):
        if name in queries:
            raise ValueError(f"{path}: query {name} defined twice")
        queries[name] = body.strip()
    return queries


def load_dir(folder: str | Path) -> dict[str, str]:
    """Every file of a folder (*.sql, in name order) as one set of named queries; a name defined in
    two files is refused, as one defined twice in a file is."""
    merged: dict[str, str] = {}
    for path in sorted(Path(folder).glob("*.sql")):
        for name, text in load(path).items():
            if name in merged:
                raise ValueError(f"{path}: query {name} is defined in another file of {folder} too")
            merged[name] = text
    return merged
