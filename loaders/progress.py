"""A progress bar on the command line (stderr), fed by the loaders' progress reports."""
from __future__ import annotations

import sys
import time


class ProgressBar:
    def __init__(self, label: str, stream=sys.stderr, min_interval: float = 0.2):
        self.label, self.stream, self.min_interval = label, stream, min_interval
        self.last = 0.0
        self.total = 0
        self.read = 0
        self.written = 0
        self.started = time.monotonic()

    def __call__(self, info: dict) -> None:
        self.total = max(self.total, info.get("total") or 0)
        self.read = max(self.read, info.get("read", 0))
        self.written = max(self.written, info.get("written", 0))
        now = time.monotonic()
        if info.get("phase") != "done" and now - self.last < self.min_interval:
            return
        self.last = now
        frac = min(self.written / self.total, 1.0) if self.total else 0.0
        bar = "█" * int(frac * 30) + "░" * (30 - int(frac * 30))
        rate = self.written / max(now - self.started, 1e-9)
        done = "完成" if info.get("phase") == "done" else ""
        self.stream.write(f"\r{self.label} {bar} {frac:6.1%} 已读取 {self.read:,} 行，已写入 {self.written:,} 行"
                          f"（约 {self.total:,} 行），{rate:,.0f} 行/秒 {done}")
        if info.get("phase") == "done":
            self.stream.write("\n")
        self.stream.flush()
