"""NYSE and ASX trading calendars, shipped as rules (no network, no tz database needed).

Enough for the data-status endpoint (contract §3.5): which weekdays are sessions, when a
session opens and closes, and the last *completed* session at a given instant.

Holidays, by rule (the rules the exchanges publish):

- NYSE: New Year's Day (Sunday → Monday; a Saturday is not made up), Martin Luther King Jr.
  Day (3rd Monday of January), Washington's Birthday (3rd Monday of February), Good Friday,
  Memorial Day (last Monday of May), Juneteenth (from 2022), Independence Day, Labor Day
  (1st Monday of September), Thanksgiving (4th Thursday of November), Christmas; fixed-date
  holidays on a Saturday move to Friday, on a Sunday to Monday. Plus the unscheduled
  closures listed in :data:`NYSE_SPECIAL_CLOSURES`.
- ASX: New Year's Day and Australia Day (weekend → Monday), Good Friday, Easter Monday, Anzac
  Day (25 April, not made up when on a weekend), King's Birthday (2nd Monday of June),
  Christmas and Boxing Day (weekend → the next free weekdays).

Hours: NYSE 09:30-16:00 America/New_York; ASX 10:00-16:00 Australia/Sydney (normal trading;
the closing auction is ignored). Daylight saving follows the current rules: US from the 2nd
Sunday of March to the 1st Sunday of November (02:00 local); Sydney from the 1st Sunday of
October to the 1st Sunday of April (02:00 standard time). Early closes (the day after
Thanksgiving, Christmas Eve, New Year's Eve on the ASX) are treated as full sessions.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache

US = "US"
AU = "AU"

NYSE_SPECIAL_CLOSURES = frozenset(
    {
        dt.date(2001, 9, 11),
        dt.date(2001, 9, 12),
        dt.date(2001, 9, 13),
        dt.date(2001, 9, 14),
        dt.date(2004, 6, 11),  # President Reagan's funeral
        dt.date(2007, 1, 2),  # President Ford's funeral
        dt.date(2012, 10, 29),  # Hurricane Sandy
        dt.date(2012, 10, 30),
        dt.date(2018, 12, 5),  # President George H. W. Bush's funeral
        dt.date(2025, 1, 9),  # President Carter's funeral
    }
)


def easter_sunday(year: int) -> dt.date:
    """Gregorian Easter (the anonymous algorithm, as in Meeus)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    ell = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * ell) // 451
    month = (h + ell - 7 * m + 114) // 31
    day = (h + ell - 7 * m + 114) % 31 + 1
    return dt.date(year, month, day)


def nth_weekday(year: int, month: int, weekday: int, n: int) -> dt.date:
    """The ``n``-th (1-based) ``weekday`` (Monday = 0) of the month."""
    first = dt.date(year, month, 1)
    return first + dt.timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))


def last_weekday(year: int, month: int, weekday: int) -> dt.date:
    following = dt.date(year + month // 12, month % 12 + 1, 1)
    last = following - dt.timedelta(days=1)
    return last - dt.timedelta(days=(last.weekday() - weekday) % 7)


def _nearest_weekday(day: dt.date) -> dt.date:
    """US observance: Saturday → Friday, Sunday → Monday."""
    if day.weekday() == 5:
        return day - dt.timedelta(days=1)
    if day.weekday() == 6:
        return day + dt.timedelta(days=1)
    return day


def _next_monday_if_weekend(day: dt.date) -> dt.date:
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


@cache
def nyse_holidays(year: int) -> frozenset[dt.date]:
    easter = easter_sunday(year)
    days = {
        nth_weekday(year, 1, 0, 3),
        nth_weekday(year, 2, 0, 3),
        easter - dt.timedelta(days=2),
        last_weekday(year, 5, 0),
        _nearest_weekday(dt.date(year, 7, 4)),
        nth_weekday(year, 9, 0, 1),
        nth_weekday(year, 11, 3, 4),
        _nearest_weekday(dt.date(year, 12, 25)),
    }
    new_year = dt.date(year, 1, 1)
    if new_year.weekday() != 5:  # a Saturday New Year's Day is not made up
        days.add(_nearest_weekday(new_year))
    if year >= 2022:
        days.add(_nearest_weekday(dt.date(year, 6, 19)))
    days |= {day for day in NYSE_SPECIAL_CLOSURES if day.year == year}
    return frozenset(days)


@cache
def asx_holidays(year: int) -> frozenset[dt.date]:
    easter = easter_sunday(year)
    days = {
        _next_monday_if_weekend(dt.date(year, 1, 1)),
        _next_monday_if_weekend(dt.date(year, 1, 26)),
        easter - dt.timedelta(days=2),
        easter + dt.timedelta(days=1),
        nth_weekday(year, 6, 0, 2),
    }
    anzac = dt.date(year, 4, 25)
    if anzac.weekday() < 5:
        days.add(anzac)
    # Christmas then Boxing Day, each on the first free weekday from its date.
    for fixed in (dt.date(year, 12, 25), dt.date(year, 12, 26)):
        day = fixed
        while day.weekday() >= 5 or day in days:
            day += dt.timedelta(days=1)
        days.add(day)
    return frozenset(days)


def is_session(market: str, day: dt.date) -> bool:
    if day.weekday() >= 5:
        return False
    holidays = nyse_holidays(day.year) if market == US else asx_holidays(day.year)
    return day not in holidays


def previous_session(market: str, day: dt.date) -> dt.date:
    """The last session strictly before ``day``."""
    day -= dt.timedelta(days=1)
    while not is_session(market, day):
        day -= dt.timedelta(days=1)
    return day


@dataclass(frozen=True)
class Hours:
    open: dt.time
    close: dt.time


HOURS = {US: Hours(dt.time(9, 30), dt.time(16, 0)), AU: Hours(dt.time(10, 0), dt.time(16, 0))}


def utc_offset(market: str, moment: dt.datetime) -> dt.timedelta:
    """The exchange's offset from UTC at ``moment`` (aware)."""
    utc = moment.astimezone(dt.UTC).replace(tzinfo=None)
    year = utc.year
    if market == US:
        # 02:00 local standard time = 07:00 UTC (start); 02:00 local daylight = 06:00 UTC (end).
        start = dt.datetime.combine(nth_weekday(year, 3, 6, 2), dt.time(7, 0))
        end = dt.datetime.combine(nth_weekday(year, 11, 6, 1), dt.time(6, 0))
        return dt.timedelta(hours=-4 if start <= utc < end else -5)
    # Sydney: daylight time ends 03:00 local daylight (16:00 UTC the day before) on the 1st
    # Sunday of April and starts 02:00 local standard (16:00 UTC the day before) on the 1st
    # Sunday of October.
    ends = dt.datetime.combine(nth_weekday(year, 4, 6, 1) - dt.timedelta(days=1), dt.time(16))
    starts = dt.datetime.combine(nth_weekday(year, 10, 6, 1) - dt.timedelta(days=1), dt.time(16))
    return dt.timedelta(hours=10 if ends <= utc < starts else 11)


def local_time(market: str, moment: dt.datetime) -> dt.datetime:
    return (moment.astimezone(dt.UTC) + utc_offset(market, moment)).replace(tzinfo=None)


def is_open(market: str, moment: dt.datetime) -> bool:
    local = local_time(market, moment)
    hours = HOURS[market]
    return is_session(market, local.date()) and hours.open <= local.time() < hours.close


def last_completed_session(market: str, moment: dt.datetime) -> dt.date:
    """The newest session whose close is at or before ``moment``."""
    local = local_time(market, moment)
    today = local.date()
    if is_session(market, today) and local.time() >= HOURS[market].close:
        return today
    return previous_session(market, today)


def weekdays_between(start: dt.date, end: dt.date) -> int:
    """Weekdays d with start < d ≤ end (0 when end ≤ start)."""
    if end <= start:
        return 0
    days = (end - start).days
    weeks, rest = divmod(days, 7)
    count = weeks * 5
    for offset in range(1, rest + 1):
        if (start + dt.timedelta(days=offset)).weekday() < 5:
            count += 1
    return count
