"""Small tables (OA units, the venue template) read whole, by their Chinese headers."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from core.common import to_text
from loaders.errors import ProblemList
from loaders.files import check_file, read_sheets


@dataclass
class Record:
    sheet: str | None
    row: int
    values: dict          # label -> raw cell value ('' when empty)

    def text(self, label):
        value = self.values.get(label, "")
        return to_text(value.strip() if value.__class__ is str else value)


def read_records(path: Path, labels: list[str], required: list[str], display_name: str | None = None
                 ) -> tuple[list[Record], list[str], ProblemList]:
    """Every row of every sheet that has the headers. Returns records, ignored headers, problems."""
    name = display_name or path.name
    file_type = check_file(path, name)
    problems = ProblemList()
    records: list[Record] = []
    ignored: list[str] = []
    found = False
    for sheet in read_sheets(path, file_type, name):
        cells = [str(to_text(v) or "").strip() for v in sheet.header]
        positions = {label: i for i, label in enumerate(cells) if label in labels}
        if not positions:
            continue
        found = True
        missing = [label for label in required if label not in positions]
        if missing:
            problems.add(sheet.name, sheet.header_row, None, "缺少表头：" + "、".join(missing))
            continue
        ignored += [c for c in cells if c and c not in labels and c not in ignored]
        row_no = sheet.header_row
        for row in sheet.rows:
            row_no += 1
            values = {label: (row[i] if i < len(row) else "") for label, i in positions.items()}
            if all(v.__class__ is str and not v.strip() for v in values.values()):
                continue
            records.append(Record(sheet.name, row_no, values))
    if not found:
        problems.add(None, None, None, "没有找到包含表头（" + "、".join(required) + "）的工作表")
    return records, ignored, problems
