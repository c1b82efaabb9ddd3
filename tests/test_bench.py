"""The benchmark's months: the full build loads the 36 months before the one more month."""

import pytest

from pipelines.bench.run import _months, bench_months


@pytest.mark.parametrize(
    ("month", "first", "last"),
    [
        ("2021-01", "2018-01", "2020-12"),  # the default: a January after three whole years
        ("2021-12", "2018-12", "2021-11"),  # a December, the dearest month for the year models
        ("2019-03", "2016-03", "2019-02"),
    ],
)
def test_the_full_build_loads_the_36_months_before_the_month(month, first, last) -> None:
    assert bench_months(month) == (first, last)
    loaded = _months(first, last)
    assert len(loaded) == 36 and month not in loaded


@pytest.mark.parametrize("month", ["2021-13", "2021", "202112", "December"])
def test_a_month_that_is_not_yyyy_mm_is_refused_with_the_expected_form(month) -> None:
    with pytest.raises(SystemExit, match="expected a month as YYYY-MM"):
        bench_months(month)
