"""Blank xlsx templates (`invoke templates`, and downloads on the pages), written with openpyxl.
Text columns are formatted as text so that IDs and phone numbers typed in keep leading zeros."""
from __future__ import annotations

from pathlib import Path

from db.vocabulary import FLOW, SCAN, SCAN_TIME, SHEET_TITLES, UNIT, VENUE_TEMPLATE

TEMPLATES = {  # file name: (sheet title, headers, number format by header; the rest are text)
    "扫码进场信息导入模板.xlsx": (SHEET_TITLES["scans"], list(SCAN.values()), {SCAN[SCAN_TIME]: "yyyy-mm-dd hh:mm:ss"}),
    "场所信息导入模板.xlsx": (SHEET_TITLES["venues"], list(VENUE_TEMPLATE.values()),
                          dict.fromkeys(FLOW.values(), "0")),
    "监管单位导入模板.xlsx": (SHEET_TITLES["units"], list(UNIT.values()), {}),
}


def write_template(path, sheet_title: str, labels: list[str], formats: dict[str, str]) -> Path:
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = sheet_title
    ws.append(labels)
    for i, label in enumerate(labels, start=1):
        cell = ws.cell(row=1, column=i)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        letter = get_column_letter(i)
        ws.column_dimensions[letter].width = max(12, len(label) * 2 + 4)
        fmt = formats.get(label, "@")
        for row in range(2, 1002):
            ws.cell(row=row, column=i).number_format = fmt
    ws.freeze_panes = "A2"
    wb.save(path)
    return path


def write_templates(out_dir: str | Path) -> list[Path]:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    return [write_template(out / name, title, labels, formats) for name, (title, labels, formats) in TEMPLATES.items()]
