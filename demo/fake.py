"""Obviously fake personal data.

- ID numbers: 18 characters whose check character is deliberately wrong (they fail the GB 11643
  checksum, so they can never be a real person's number).
- Phone numbers of people in scan records: 11 digits starting with 100, a range no mainland mobile
  number uses.
- Names: 测试 + a generated given name.
"""
from __future__ import annotations

import random

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_GIVEN = "一二三四五六七八九甲乙丙丁戊己庚辛壬癸春夏秋冬东南西北"
_AREA = ("440783", "440781", "440703", "440704", "440705")  # codes of the area, then a birth date


def id_check_char(first17: str) -> str:
    return _CHECK[sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=False)) % 11]


def fake_id_number(rng: random.Random) -> str:
    first17 = (rng.choice(_AREA) + f"{rng.randint(1950, 2010)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
               + f"{rng.randint(0, 999):03d}")
    right = id_check_char(first17)
    wrong = _CHECK[(_CHECK.index(right) + 1 + rng.randint(0, 9)) % 11]
    return first17 + wrong


def is_valid_id_number(number: str) -> bool:
    return len(number) == 18 and number[:17].isdigit() and id_check_char(number[:17]) == number[17].upper()


def fake_person_phone(rng: random.Random) -> str:
    return "100" + f"{rng.randint(0, 99_999_999):08d}"


def fake_name(rng: random.Random) -> str:
    return "测试" + rng.choice(_GIVEN) + rng.choice(_GIVEN)
