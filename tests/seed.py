"""The requirements' field tables, read from the seed itself (docs/seed/requirements-zh.txt, a copy
of ../shared/seed/requirements-zh.txt kept with the code so that CI has it; tests/test_seed.py
checks the copy against the original where it exists), so that a page whose fields drift from
them fails its test: one place for every page's contract."""
from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "docs" / "seed" / "requirements-zh.txt"
ORIGINAL = ROOT.parent / "shared" / "seed" / "requirements-zh.txt"


def fields(module: str, part: str = "list") -> list[str]:
    """The 字段名称 of a module's field table (e.g. "扫码进场信息查询"), in the seed's order: its list
    (the first table) or, with ``part="detail"``, its 内容详细页信息."""
    text = SEED.read_text(encoding="utf-8")
    start = re.search(r"（[一二三四五六七八九十]+）" + re.escape(module) + r"\s*\n", text)
    if start is None:
        raise KeyError(module)
    section = text[start.end():]
    section = section[:re.search(r"\n（[一二三四五六七八九十]+）", section).start()]
    if part == "detail":
        section = section[section.index("内容详细页信息"):]
    elif part != "list":
        raise ValueError(part)
    table = section[section.index("字段名称"):]
    table = table[table.index("备注") + len("备注"):]
    table = table[:re.search(r"\n(\d[、\u3000]|注：)", table).start()]  # the next part or a note
    chunks = [c.strip("\n") for c in re.split(r"\n\s*\n", table) if c.strip()]
    return [c.split("\n")[0].strip() for c in chunks]
