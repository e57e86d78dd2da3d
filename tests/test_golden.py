"""Restructured code gives the same numbers as before, column by column.

``tests/golden.json`` was recorded with ``python tests/golden.py --record`` at the commit
before the renovation; a column renamed since is a renamed key with the digest unchanged.
"""

from __future__ import annotations

import json

import golden
import pytest

EXPECTED = json.loads(golden.GOLDEN.read_text())


def differences(expected: dict, got: dict, where: str = "") -> list[str]:
    """Every key whose digest differs, is missing or is new, as readable lines."""
    out = []
    for key in sorted(set(expected) | set(got)):
        path = f"{where}.{key}" if where else key
        if key not in got:
            out.append(f"{path}: missing (expected {expected[key]})")
        elif key not in expected:
            out.append(f"{path}: new (not in golden.json)")
        elif isinstance(expected[key], dict) and isinstance(got[key], dict):
            out.extend(differences(expected[key], got[key], path))
        elif expected[key] != got[key]:
            out.append(f"{path}: {got[key]} != {expected[key]}")
    return out


@pytest.mark.parametrize("case", ["quick", "quick_portfolio", "quick_switched_off",
                                  "quick_fortnightly", "quick_fear", "borough",
                                  "compare"])
def test_results_are_unchanged(case):
    got = getattr(golden, f"case_{case}")()
    problems = differences(EXPECTED[case], got)
    assert not problems, "results changed:\n" + "\n".join(problems)


def test_sweep_results_are_unchanged(tmp_path):
    problems = differences(EXPECTED["sweep"], golden.case_sweep(tmp_path))
    assert not problems, "results changed:\n" + "\n".join(problems)


def test_a_changed_number_is_caught():
    """The digest is sensitive to one value in one column (the check can fail)."""
    import pandas as pd

    frame = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [1, 2, 3]})
    before = golden.table_digest(frame)
    frame.loc[1, "a"] = 2.0000000001
    after = golden.table_digest(frame)
    assert before["columns"]["b"] == after["columns"]["b"]
    assert before["columns"]["a"] != after["columns"]["a"]
