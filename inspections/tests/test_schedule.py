import datetime as dt

from inspections.schedule import due_date, due_dates


def test_twelve_a_year_is_monthly_on_the_corresponding_day_or_the_months_last():
    days = list(due_dates(dt.date(2026, 1, 31), 12, since=dt.date(2026, 1, 1), until=dt.date(2026, 12, 31)))
    assert len(days) == 12
    assert days[:4] == [
        dt.date(2026, 1, 31),
        dt.date(2026, 2, 28),
        dt.date(2026, 3, 31),
        dt.date(2026, 4, 30),
    ]
    assert days[-1] == dt.date(2026, 12, 31)


def test_two_a_year_is_every_six_months():
    days = list(due_dates(dt.date(2026, 3, 15), 2, since=dt.date(2026, 1, 1), until=dt.date(2027, 12, 31)))
    assert days == [dt.date(2026, 3, 15), dt.date(2026, 9, 15), dt.date(2027, 3, 15), dt.date(2027, 9, 15)]


def test_one_a_year_is_still_visited_every_half_year():
    days = list(due_dates(dt.date(2026, 1, 10), 1, since=dt.date(2026, 1, 1), until=dt.date(2026, 12, 31)))
    assert days == [dt.date(2026, 1, 10), dt.date(2026, 7, 10)]


def test_an_uneven_count_spreads_by_days_and_never_leaves_six_months():
    days = list(due_dates(dt.date(2026, 1, 1), 5, since=dt.date(2026, 1, 1), until=dt.date(2027, 1, 1)))
    assert len(days) == 6 and days[-1] == dt.date(2027, 1, 1)
    assert max((b - a).days for a, b in zip(days, days[1:], strict=False)) <= 183


def test_window_and_end_are_respected():
    days = list(
        due_dates(
            dt.date(2025, 5, 1),
            12,
            since=dt.date(2026, 11, 20),
            until=dt.date(2026, 12, 4),
            ends_on=dt.date(2026, 12, 31),
        )
    )
    assert days == [dt.date(2026, 12, 1)]
    assert (
        list(
            due_dates(
                dt.date(2025, 5, 1),
                12,
                since=dt.date(2026, 11, 20),
                until=dt.date(2026, 12, 4),
                ends_on=dt.date(2026, 11, 30),
            )
        )
        == []
    )
    assert due_date(dt.date(2026, 8, 31), 12, 6) == dt.date(2027, 2, 28)
