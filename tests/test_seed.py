"""The copy of the requirements the field tests read is the original (where the original is at hand)."""
from __future__ import annotations

import pytest

from tests.seed import ORIGINAL, SEED, fields


def test_the_copy_is_the_original():
    if not ORIGINAL.exists():
        pytest.skip(f"{ORIGINAL} is not on this machine (the copy in docs/seed is what the tests read)")
    assert SEED.read_bytes() == ORIGINAL.read_bytes()


def test_the_scan_query_table_is_read_whole():
    assert fields("扫码进场信息查询")[0] == "公共场所ID" and len(fields("扫码进场信息查询")) == 18
