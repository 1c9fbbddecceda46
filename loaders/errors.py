"""Errors a loader reports to a person: which file, sheet, row (as Excel shows it) and column."""
from __future__ import annotations

import re
from dataclasses import dataclass

MAX_LISTED = 20

# what could be a person's number inside a message: an ID number (18 characters, the last a digit or
# X, or the old 15 digits), a mobile number (11 digits from 1), a fixed-line number (0 + area code +
# 7–8 digits, a hyphen allowed); not a venue ID (14 digits) nor a row number or a count
_ID_LIKE = re.compile(r"(?<![0-9A-Za-z])(?:\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])")
_PHONE_LIKE = re.compile(r"(?<![0-9A-Za-z])(?:1\d{10}|0\d{2,3}-?\d{7,8})(?![0-9A-Za-z])")


def mask_personal(text: str) -> str:
    """A message with every value that looks like an ID number or a phone masked as the pages mask
    them (epi.mask_id_card: first 6 and last 4; epi.mask_phone: first 3 and last 4): a file with
    shifted columns must not print people's numbers into an error, a log line or the job output."""
    text = _ID_LIKE.sub(lambda m: m[0][:6] + "*" * (len(m[0]) - 10) + m[0][-4:], text)
    return _PHONE_LIKE.sub(lambda m: m[0][:3] + "*" * (len(m[0]) - 7) + m[0][-4:], text)

# the import's connection was lost (database restarted, network): the transaction is gone
IMPORT_CONNECTION_LOST = ("与数据库的连接中断（数据库重启或网络故障），导入未完成：导入是一个整体，未提交的记录不会保留。"
                          "请在数据库恢复后重新导入同一文件（如果中断恰在提交时且已保存，系统会提示该文件已导入过）")


@dataclass(frozen=True)
class Problem:
    sheet: str | None
    row: int | None
    column: str | None
    message: str

    def __post_init__(self):
        object.__setattr__(self, "message", mask_personal(self.message))

    def __str__(self) -> str:
        where = []
        if self.sheet:
            where.append(f"工作表“{self.sheet}”")
        if self.row:
            where.append(f"第 {self.row} 行")
        if self.column:   # "采集时间（O列）" reads as O 列“采集时间”, not “采集时间（O列）”列
            lettered = _LETTERED.match(self.column)
            where.append(f" {lettered[2]} 列“{lettered[1]}”" if lettered else f"“{self.column}”列")
        return ("".join(where) + "：" if where else "") + self.message


class LoadError(Exception):
    """A file that is refused whole. Nothing of it was written."""

    def __init__(self, file_name: str, problems: list[Problem] | str, more: int = 0, *, title: str | None = None):
        if isinstance(problems, str):
            problems = [Problem(None, None, None, problems)]
        self.file_name = file_name
        self.problems = problems[:MAX_LISTED]
        self.more = more + max(0, len(problems) - MAX_LISTED)
        self.title = title or "未导入"
        super().__init__(str(self))

    def __str__(self) -> str:
        lines = [f"文件“{mask_personal(self.file_name)}”{self.title}，没有写入任何数据："]
        lines += [f"  {p}" for p in self.problems]
        if self.more:
            lines.append(f"  另有 {self.more} 处错误未列出。")
        return "\n".join(lines)


_LETTERED = re.compile(r"^(.*)（([A-Z]{1,3})列）$")


class ProblemList:
    """Collects up to MAX_LISTED problems and counts the rest."""

    def __init__(self):
        self.items: list[Problem] = []
        self.more = 0

    def add(self, sheet, row, column, message):
        if len(self.items) < MAX_LISTED:
            self.items.append(Problem(sheet, row, column, message))
        else:
            self.more += 1

    def __bool__(self):
        return bool(self.items)

    def raise_for(self, file_name: str):
        if self.items:
            raise LoadError(file_name, self.items, self.more)
