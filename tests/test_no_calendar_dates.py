"""The suite passes on any date: no test or benchmark names a recent or future calendar date,
since real time overtakes it. A test that needs a moment takes one relative to now
(tests/timing.py) and is marked @pytest.mark.travel so that its data is built at that moment
(tests/conftest.py). A date long past (before 2020) may still serve as one that is surely past."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
YEAR = r"(?:20[2-9]\d|2[1-9]\d\d)"  # 2020 on
CALENDAR_DATE = re.compile(
    rf"\b(?:datetime|date)\(\s*{YEAR}\s*,"  # datetime(2026, 11, 25)
    rf"|(?<!\d){YEAR}[-/]\d\d[-/]\d\d(?!\d)"  # "2026-11-28", "2026/11/28"
)


def test_no_test_or_benchmark_names_a_calendar_date():
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for folder in ("tests", "bench")
        for path in sorted((ROOT / folder).rglob("*.py"))
        if path != Path(__file__).resolve()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if CALENDAR_DATE.search(line)
    ]
    assert found == [], "dates that real time will overtake:\n" + "\n".join(found)
