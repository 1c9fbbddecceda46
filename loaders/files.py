"""Opening the files people upload, safely, and reading their sheets row by row.

Before anything is parsed: a size cap; the content must be what the extension says (.xlsx is a zip
with a workbook inside, .xls an OLE2 compound file, .csv text); an .xlsx's zip entries are checked
for their declared uncompressed sizes and compression ratios, then inflated once, counting the bytes
they actually inflate to (a declared size can lie: issue 44, point 4), in bounded memory, stopping
at the first limit passed (zip bombs); an encrypted workbook is named as such. Reading .xlsx/.xls uses python-calamine (fast; it does not expand XML entities);
.csv is read as UTF-8 (with or without BOM) or GB18030.
"""
from __future__ import annotations

import csv
import io
import struct
import subprocess
import sys
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from core import config
from loaders.errors import LoadError

MAX_FILE_BYTES = config.current().max_file_mb * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = config.current().max_uncompressed_mb * 1024 * 1024
MAX_RATIO = 100          # an entry that inflates more than this is refused (sheets run 5–20×)
RATIO_FLOOR = 1 << 20    # ... when it is larger than 1 MiB uncompressed
MAX_ENTRIES = 10_000

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
SUPPORTED = (".xlsx", ".xls", ".csv")


@dataclass
class Sheet:
    """One sheet (a CSV is one sheet named None): its first row and the rest, with Excel row numbers."""
    name: str | None
    header_row: int          # Excel row number of the header
    header: list
    rows: Iterator[list]     # the rows after the header, in order
    height: int              # rows after the header (for progress)
    first_col: int = 0       # 0-based column offset of the header's first cell


def check_file(path: Path, display_name: str | None = None) -> str:
    """Refuse files that are too big, not what their extension says, encrypted, or zip bombs.
    Returns the file type: 'xlsx', 'xls' or 'csv'."""
    name = display_name or path.name
    ext = Path(name).suffix.lower()
    if ext not in SUPPORTED:
        raise LoadError(name, f"不支持的文件类型“{ext or '无扩展名'}”，请上传 .xlsx、.xls 或 .csv 文件")
    try:
        size = path.stat().st_size
    except OSError:
        raise LoadError(name, "文件不存在或无法读取") from None
    if size == 0:
        raise LoadError(name, "文件是空的")
    if size > MAX_FILE_BYTES:
        raise LoadError(name, f"文件过大（{size / 1048576:.0f} MB），单个文件不能超过 {MAX_FILE_BYTES // 1048576} MB，请拆分后导入")
    with path.open("rb") as f:
        head = f.read(8)
    if ext == ".xlsx":
        if head.startswith(OLE2_MAGIC):
            if _looks_encrypted(path):
                raise LoadError(name, "工作簿已加密（设置了打开密码），请在 Excel 中取消密码并另存后再导入")
            raise LoadError(name, "文件扩展名为 .xlsx，但内容是旧版 .xls 工作簿，请改为 .xls 扩展名或另存为 .xlsx")
        if not head.startswith(ZIP_MAGIC):
            raise LoadError(name, "文件扩展名为 .xlsx，但内容不是 Excel 工作簿（文件可能已损坏或类型不符）")
        _check_zip(path, name)
        return "xlsx"
    if ext == ".xls":
        if head.startswith(ZIP_MAGIC):
            raise LoadError(name, "文件扩展名为 .xls，但内容是 .xlsx 工作簿，请改为 .xlsx 扩展名后导入")
        if not head.startswith(OLE2_MAGIC):
            raise LoadError(name, "文件扩展名为 .xls，但内容不是 Excel 工作簿（文件可能已损坏或类型不符）")
        return "xls"
    if head.startswith((ZIP_MAGIC, OLE2_MAGIC)):
        raise LoadError(name, "文件扩展名为 .csv，但内容是 Excel 工作簿，请改为正确的扩展名后导入")
    return "csv"


def _looks_encrypted(path: Path) -> bool:
    data = path.read_bytes()[:4 * 1024 * 1024]
    return "EncryptedPackage".encode("utf-16-le") in data or b"EncryptionInfo" in data \
        or "EncryptionInfo".encode("utf-16-le") in data


def _check_zip(path: Path, name: str) -> None:
    try:
        with zipfile.ZipFile(path) as z:
            infos = z.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError, RuntimeError):
        # a damaged central directory can claim any zip version or compression (found by the fuzzer)
        raise LoadError(name, "文件已损坏，无法作为 Excel 工作簿打开") from None
    if len(infos) > MAX_ENTRIES:
        raise LoadError(name, "工作簿结构异常（压缩包内文件过多），拒绝导入")
    names = {i.filename for i in infos}
    if "xl/workbook.xml" not in names and "xl/workbook.bin" not in names:
        raise LoadError(name, "文件是压缩包，但不是 Excel 工作簿")
    if "xl/workbook.bin" in names:
        raise LoadError(name, "不支持 .xlsb 二进制工作簿，请另存为 .xlsx 后导入")
    total = 0
    for info in infos:   # what the headers declare: cheap, and enough for an honest bomb
        total += info.file_size
        _check_entry(name, info.file_size, info.compress_size)
    _check_total(name, total)
    _check_inflated(path, name, infos)


BOMB = "工作簿解压后体积异常（疑似压缩炸弹），拒绝导入"
CHUNK = 1 << 20          # compressed bytes read at a time
OUT = 4 << 20            # inflated bytes produced at a time (memory stays bounded by these two)


def _check_entry(name: str, inflated: int, compressed: int) -> None:
    if inflated > RATIO_FLOOR and inflated > MAX_RATIO * max(compressed, 1):
        raise LoadError(name, BOMB)


def _check_total(name: str, total: int) -> None:
    if total > MAX_UNCOMPRESSED_BYTES:
        raise LoadError(name, f"工作簿解压后超过 {MAX_UNCOMPRESSED_BYTES // 1048576} MB，请拆分后导入")


def _check_inflated(path: Path, name: str, infos: list[zipfile.ZipInfo]) -> None:
    """Inflate each entry's compressed bytes as a reader of the workbook would (all compress_size of
    them, whatever file_size says) and count what comes out, chunk by chunk: past the ratio or the
    total, refused before more is inflated. A 1.9 GB sheet declared as 10,000 bytes stops here at
    100 × its compressed size."""
    total = 0
    with path.open("rb") as f:
        for info in infos:
            if info.compress_type == zipfile.ZIP_STORED:
                inflated = info.compress_size
            elif info.compress_type == zipfile.ZIP_DEFLATED:
                f.seek(info.header_offset)
                header = f.read(30)
                if len(header) < 30 or not header.startswith(ZIP_MAGIC):
                    raise LoadError(name, "文件已损坏，无法作为 Excel 工作簿打开")
                name_len, extra_len = struct.unpack("<HH", header[26:30])
                f.seek(info.header_offset + 30 + name_len + extra_len)
                inflater, left, inflated = zlib.decompressobj(-15), info.compress_size, 0
                try:
                    while left > 0 and not inflater.eof:
                        data = f.read(min(left, CHUNK))
                        if not data:
                            break
                        left -= len(data)
                        while data and not inflater.eof:
                            inflated += len(inflater.decompress(data, OUT))
                            data = inflater.unconsumed_tail
                            _check_entry(name, inflated, info.compress_size)
                            _check_total(name, total + inflated)
                except zlib.error:
                    raise LoadError(name, "文件已损坏，无法作为 Excel 工作簿打开") from None
            else:
                raise LoadError(name, "工作簿使用了不支持的压缩方式，请在 Excel 中另存为 .xlsx 后导入")
            total += inflated
            _check_entry(name, inflated, info.compress_size)
            _check_total(name, total)


def broken(exc: BaseException) -> bool:
    """An error of the reader about a damaged file: any exception, or a panic inside the Rust
    library (pyo3's PanicException derives from BaseException; found by the fuzzer)."""
    return isinstance(exc, Exception) or type(exc).__name__ == "PanicException"


def _guarded(rows: Iterator[list], name: str, sheet_name: str) -> Iterator[list]:
    try:
        yield from rows
    except LoadError:
        raise
    except BaseException as exc:
        if not broken(exc):
            raise
        raise LoadError(name, f"工作表“{sheet_name}”已损坏，无法读取") from None


PROBE = """
import resource, sys
resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))
import python_calamine as pc
wb = pc.CalamineWorkbook.from_path(sys.argv[1])
for n in wb.sheet_names:
    for _ in wb.get_sheet_by_name(n).iter_rows():
        pass
"""


def _probe_xls(path: Path, name: str) -> None:
    """A damaged legacy .xls can make calamine's OLE2 reader abort the whole process (an
    allocation of terabytes, found by the fuzzer) — which would take the web server down with it.
    So an .xls (at most 65,536 rows a sheet) is first read once in a child process with capped
    memory; only a file that gets through is read here."""
    try:
        proc = subprocess.run([sys.executable, "-c", PROBE, str(path)], capture_output=True, timeout=300,
                              check=False)
    except subprocess.TimeoutExpired:
        raise LoadError(name, "读取工作簿超时，文件可能已损坏") from None
    if proc.returncode != 0:
        raise LoadError(name, "文件已损坏或不是有效的 Excel 工作簿，无法读取")


def read_sheets(path: Path, file_type: str, display_name: str | None = None) -> Iterator[Sheet]:
    """Yield every non-empty sheet with its header row. Errors become LoadError naming the file."""
    name = display_name or path.name
    if file_type == "csv":
        yield _read_csv(path, name)
        return
    if file_type == "xls":
        _probe_xls(path, name)
    import python_calamine as pc

    try:
        wb = pc.CalamineWorkbook.from_path(str(path))
    except pc.PasswordError:
        raise LoadError(name, "工作簿已加密（设置了打开密码），请在 Excel 中取消密码并另存后再导入") from None
    except BaseException as exc:  # calamine raises several kinds for a broken file, or panics
        if not broken(exc):
            raise
        raise LoadError(name, "文件已损坏或不是有效的 Excel 工作簿，无法读取") from None
    try:
        for sheet_name in wb.sheet_names:
            try:
                sheet = wb.get_sheet_by_name(sheet_name)
                start = sheet.start
                height = sheet.height
            except pc.PasswordError:
                raise LoadError(name, "工作簿已加密（设置了打开密码），请在 Excel 中取消密码并另存后再导入") from None
            except BaseException as exc:
                if not broken(exc):
                    raise
                raise LoadError(name, f"工作表“{sheet_name}”已损坏，无法读取") from None
            if start is None or height == 0:
                continue
            rows = _guarded(sheet.iter_rows(), name, sheet_name)
            header = next(rows, None)
            if header is None:
                continue
            yield Sheet(sheet_name, start[0] + 1, header, rows, max(height - 1, 0), start[1])
            del rows, sheet
    finally:
        wb.close()


def _read_csv(path: Path, name: str) -> Sheet:
    raw = path.read_bytes()
    if b"\x00" in raw[:65536]:
        raise LoadError(name, "文件不是文本格式的 CSV（含有二进制内容）")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise LoadError(name, "无法识别文件编码，请保存为 UTF-8 或 GB18030 编码的 CSV")
    del raw
    if sum(1 for ch in text[:4096] if ord(ch) < 32 and ch not in "\r\n\t") > 8:
        raise LoadError(name, "文件不是文本格式的 CSV（含有控制字符）")
    try:
        dialect = csv.Sniffer().sniff(text[:8192], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        header = next(reader)
    except StopIteration:
        raise LoadError(name, "文件是空的") from None
    except csv.Error:
        raise LoadError(name, "CSV 格式错误，无法读取表头") from None
    height = text.count("\n")

    def rows():
        try:
            yield from reader
        except csv.Error as exc:
            raise LoadError(name, f"第 {reader.line_num} 行：CSV 格式错误（{exc}）") from None

    return Sheet(None, 1, header, rows(), height)


