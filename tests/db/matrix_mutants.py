"""Shows that the access matrix can fail (issue 41, point 2): for each statement of the matrix that
calls a function, rename the function to one that does not exist and run that statement's cells;
each must fail at least one. Run by hand: `.venv/bin/python tests/db/matrix_mutants.py`."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
IDENTITIES = ("ops", "unit_a", "unit_b", "oa_a", "nobody", "no_unit")


def main() -> int:
    src = (ROOT / "tests/db/test_matrix.py").read_text(encoding="utf-8")
    calls = re.findall(r'^    "([^"]+)": \(+"select (?:\* from )?(epi(?:_private)?\.\w+)\(', src, re.M)
    survivors = []
    for name, function in calls:
        start = src.index(f'    "{name}": ')
        at = src.index(function + "(", start)
        mutant = ROOT / "tests/db/test_matrix_mutant.py"
        mutant.write_text(src[:at] + function + "_renamed(" + src[at + len(function) + 1:], encoding="utf-8")
        nodes = [f"{mutant}::test_write[{who}-{name}]" for who in IDENTITIES] + \
            [f"{mutant}::test_every_write_succeeds_for_someone_or_is_refused_by_its_rule[{name}]"]
        try:
            out = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *nodes], cwd=ROOT,
                                 capture_output=True, text=True, check=False).stdout.splitlines()[-1]
        finally:
            mutant.unlink()
        print(f"{name} ({function} renamed): {out}")
        if " failed" not in out:
            survivors.append(name)
    return 1 if survivors else 0


if __name__ == "__main__":
    sys.exit(main())
