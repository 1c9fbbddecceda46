"""Loading the demo data set into the database, once, through the same loaders a DBA uses.

The rule: demo data never mixes with real data. It is loaded only into a database whose scans all
came from demo files (none at all, the first time). A load that stopped half-way (the machine
went down, Ctrl-C) is finished by the next `invoke demo`: each daily file is its own atomic import,
and the files already imported (by content hash, recorded in the manifest) are skipped.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import psycopg

from db import database, queries
from demo.generate import generate, yesterday_in_kaiping

ACCOUNT = "demo.dba"   # 数据导入人 of the demo imports
SQL = queries.load(Path(__file__).with_name("sql") / "demo.sql")


@dataclass
class DemoLoad:
    status: str          # loaded | already | foreign
    message: str
    files: int = 0
    rows: int = 0


def _state(url: str) -> tuple[int, set[str]]:
    """(batches not imported by the demo, hashes of the demo's imports)."""
    with psycopg.connect(url) as conn, database.acting_as(conn, kind="ops", account=ACCOUNT):
        foreign = conn.execute(SQL["foreign_batches"], {"account": ACCOUNT}).fetchone()[0]
        hashes = {h for (h,) in conn.execute(SQL["demo_hashes"], {"account": ACCOUNT})}
    return foreign, hashes


def _manifests(root: Path):
    for path in sorted(root.glob("*/manifest.json"), reverse=True):
        try:
            yield path.parent, json.loads(path.read_text())
        except (OSError, ValueError):
            continue


def load_demo(*, root: Path | None = None, url: str | None = None, echo: Callable[[str], None] = print,
              progress_for: Callable[[str], Callable[[dict], None]] | None = None,
              options: dict | None = None) -> DemoLoad:
    """options: for demo.generate.generate (end, days, venues, scans_per_day, seed) when the data
    set has to be written first."""
    from loaders import registry, scans

    options = dict(options or {})

    root = root or database.VAR / "demo"
    url = url or database.web_url()
    foreign, done = _state(url)
    if foreign:
        return DemoLoad("foreign", f"数据库中已有 {foreign} 个非演示数据的导入批次，不导入演示数据"
                                   "（演示请用单独的数据库，或先 invoke db.reset）")
    directory = manifest = None
    if done:   # resume the data set already begun, whatever its dates
        for d, m in _manifests(root):
            if done & set(m["files"].values()):
                directory, manifest = d, m
                break
        if manifest is None:
            return DemoLoad("foreign", "数据库中的演示数据与 var/demo 下的文件对不上，不再导入"
                                       "（重新开始：invoke db.reset）")
    else:
        end = options.pop("end", None) or yesterday_in_kaiping()
        directory = root / end.isoformat()
        manifest_path = directory / "manifest.json"
        if manifest_path.exists():
            manifest = json.loads(manifest_path.read_text())
        else:
            echo(f"生成演示数据到 {directory} …")
            manifest = generate(directory, end=end, echo=echo, **options).manifest
    scan_files = sorted(name for name in manifest["files"] if name.startswith("扫码进场信息_"))
    missing = [name for name in scan_files if manifest["files"][name] not in done]
    if not missing:
        return DemoLoad("already", f"演示数据已导入（{manifest['first']} 至 {manifest['end']}，"
                                   f"{manifest['rows']:,} 条扫码记录）", 0, 0)
    if not done:
        echo(registry.load_units(directory / "监管单位.xlsx", account=ACCOUNT, url=url).describe("监管单位"))
        echo(registry.load_venues(directory / "场所信息.xlsx", account=ACCOUNT, url=url).describe("场所信息"))
    rows = 0
    for name in missing:
        progress = progress_for(name) if progress_for else None
        result = scans.import_scans(directory / name, by=ACCOUNT, url=url, progress=progress)
        rows += result.rows
        if not progress_for:
            echo(f"  {name}: {result.rows:,} 条")
    return DemoLoad("loaded", f"已导入演示数据：{len(missing)} 个文件，{rows:,} 条扫码记录"
                              f"（{manifest['first']} 至 {manifest['end']}，其中 {manifest['gap_day']} 全市无数据）",
                    len(missing), rows)
