"""A progress bar on the command line (stderr), fed by the loaders' progress reports (tqdm: it
measures CJK labels by their display width, fits the terminal, and stays quiet when stderr is not a
terminal — a log or a pipe gets no \\r debris; the command prints its result line either way)."""
from __future__ import annotations

import sys

from tqdm import tqdm
from tqdm.utils import disp_len, disp_trim

# display columns the counts, rate and time left take (the label gives way to them)
_FIXED = 78


class _Bar(tqdm):
    @property
    def format_dict(self):
        d = super().format_dict
        rate = d["rate"] or (d["n"] / d["elapsed"] if d["elapsed"] else 0)
        d.update(rate_zh=f"{rate:,.0f} 行/秒", n_zh=f"{d['n']:,}", total_zh=f"{d['total']:,}" if d["total"] else "?",
                 read_zh=f"{getattr(self, 'read', 0):,}")
        room = (d.get("ncols") or 0) - _FIXED
        if d.get("ncols") and d.get("prefix") and disp_len(d["prefix"]) > max(room, 8):
            d["prefix"] = disp_trim(d["prefix"], max(room, 8) - 1) + "…"
        return d


class ProgressBar:
    """``info``: {"phase": "reading"|"writing"|"done", "read", "written", "total"} (loaders.scans).
    The bar counts rows written; the rows read and the expected total never fall behind the rows
    written (a CSV's total is unknown until it is read; the last chunk is written after its read)."""

    def __init__(self, label: str, stream=None, min_interval: float = 0.2, disable: bool | None = None,
                 ncols: int | None = None):
        self.read = self.written = self.total = 0
        self.bar = _Bar(desc=label, total=None, unit="行", unit_scale=False, file=stream or sys.stderr,
                        mininterval=min_interval, disable=disable, ncols=ncols, dynamic_ncols=ncols is None,
                        leave=True, delay=0.3 if disable is None else 0,
                        bar_format="{desc} {percentage:3.0f}%|{bar}| 已写入 {n_zh}/约 {total_zh} 行，"
                                   "已读 {read_zh}，{rate_zh}，剩余 {remaining}")

    def __call__(self, info: dict) -> None:
        if info.get("phase") == "failed":
            self.bar.close()
            return
        self.read = max(self.read, info.get("read", 0), info.get("written", 0))
        self.written = max(self.written, info.get("written", 0))
        self.total = max(self.total, info.get("total") or 0, self.read)
        done = info.get("phase") == "done"
        if done:
            self.total = self.read = self.written
        if self.total and self.bar.total != self.total:
            self.bar.total = self.total
        self.bar.read = self.read
        self.bar.update(self.written - self.bar.n)
        if done:
            self.bar.close()

    def close(self) -> None:
        self.bar.close()
