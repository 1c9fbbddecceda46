"""The command line's progress bar (issue 26, point 7): tqdm, the terminal's width with CJK labels,
quiet when stderr is not a terminal, counts that agree with each other."""
from __future__ import annotations

import io
import re

from tqdm.utils import disp_len

from loaders.progress import ProgressBar


def frames(text: str) -> list[str]:
    return [f for f in re.split(r"[\r\n]", re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", text)) if f.strip()]


def test_the_counts_agree_when_the_writer_reports_before_the_reader():
    """A small CSV: no total known, the only chunk written before its read was reported (the old
    bar said 已读取 0 行，已写入 3,410 行（约 0 行）)."""
    out = io.StringIO()
    bar = ProgressBar("导入 扫码记录.csv", stream=out, disable=False, min_interval=0, ncols=100)
    bar({"phase": "writing", "written": 3410})
    first = frames(out.getvalue())[-1]
    assert "已写入 3,410/约 3,410 行，已读 3,410，" in first
    bar({"phase": "reading", "read": 3410, "total": 0})
    bar({"phase": "done", "read": 3410, "written": 3410, "total": 3410})
    for frame in frames(out.getvalue()):    # the first, before any report, knows no total: 0/约 ?
        written, total = re.search(r"已写入 ([\d,]+)/约 ([\d,]+|\?)", frame).groups()
        read = int(re.search(r"已读 ([\d,]+)", frame).group(1).replace(",", ""))
        written = int(written.replace(",", ""))
        assert written <= read <= (read if total == "?" else int(total.replace(",", ""))), frame
        assert total != "?" or written == 0, frame
    assert " 100%|" in frames(out.getvalue())[-1] and out.getvalue().endswith("\n")


def test_the_bar_fits_the_terminal_with_chinese_labels():
    out = io.StringIO()
    bar = ProgressBar("导入 开平市扫码进场记录（二〇二二年三月）.xlsx", stream=out, disable=False, min_interval=0, ncols=80)
    for n in range(0, 200_001, 25_000):
        bar({"phase": "reading", "read": n, "total": 200_000})
        bar({"phase": "writing", "written": n})
    bar({"phase": "done", "read": 200_000, "written": 200_000, "total": 200_000})
    assert all(disp_len(frame) <= 80 for frame in frames(out.getvalue()))
    assert "行/秒" in frames(out.getvalue())[-1]


def test_nothing_is_written_when_stderr_is_not_a_terminal():
    out = io.StringIO()           # a pipe or a log file: no \r debris (the command prints its result)
    bar = ProgressBar("导入", stream=out, min_interval=0)
    for n in (25_000, 50_000):
        bar({"phase": "writing", "written": n, "total": 50_000})
    bar({"phase": "done", "read": 50_000, "written": 50_000, "total": 50_000})
    assert out.getvalue() == ""


def test_a_failed_import_ends_the_line():
    out = io.StringIO()
    bar = ProgressBar("导入", stream=out, disable=False, min_interval=0, ncols=100)
    bar({"phase": "writing", "written": 25_000, "total": 100_000})
    bar({"phase": "failed"})
    assert out.getvalue().endswith("\n")
