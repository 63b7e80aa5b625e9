"""Showing an instant in the viewer's zone with the other party's beside it,
across daylight-saving changes (rule 7)."""

import datetime as dt

from hiring.times import format_local, format_pair

UTC = dt.UTC


def test_it_shows_my_time_and_the_candidates_with_their_zone():
    instant = dt.datetime(2026, 5, 5, 8, 0, tzinfo=UTC)  # a Tuesday
    text = format_pair(instant, viewer_zone="Europe/Berlin", other_zone="Asia/Singapore")
    assert text == "Tue 5 May 10:00 your time · 16:00 for the candidate (Asia/Singapore)"


def test_it_names_the_other_day_when_the_date_differs():
    instant = dt.datetime(2026, 5, 5, 22, 30, tzinfo=UTC)
    text = format_pair(instant, viewer_zone="America/Los_Angeles", other_zone="Asia/Tokyo")
    assert text == "Tue 5 May 15:30 your time · Wed 07:30 for the candidate (Asia/Tokyo)"


def test_it_says_same_time_when_both_zones_agree():
    instant = dt.datetime(2026, 5, 5, 9, 0, tzinfo=UTC)
    assert format_pair(instant, viewer_zone="Europe/Paris", other_zone="Europe/Berlin").endswith(
        "same time for the candidate"
    )


def test_new_york_moves_an_hour_across_the_march_change_but_utc_does_not():
    before = dt.datetime(2026, 3, 7, 15, 0, tzinfo=UTC)  # Saturday, EST (UTC-5)
    after = dt.datetime(2026, 3, 9, 15, 0, tzinfo=UTC)  # Monday, EDT (UTC-4)
    assert format_local(before, "America/New_York") == "Sat 7 Mar 10:00 EST"
    assert format_local(after, "America/New_York") == "Mon 9 Mar 11:00 EDT"


def test_london_and_new_york_are_four_hours_apart_for_the_weeks_between_their_changes():
    # The US changes on 8 March 2026, the UK on 29 March: for three weeks the gap is 4 h, not 5.
    instant = dt.datetime(2026, 3, 16, 14, 0, tzinfo=UTC)
    text = format_pair(instant, viewer_zone="Europe/London", other_zone="America/New_York", other_label="Rita")
    assert text == "Mon 16 Mar 14:00 your time · 10:00 for Rita (America/New_York)"
    later = dt.datetime(2026, 4, 6, 13, 0, tzinfo=UTC)
    text = format_pair(later, viewer_zone="Europe/London", other_zone="America/New_York", other_label="Rita")
    assert text == "Mon 6 Apr 14:00 your time · 09:00 for Rita (America/New_York)"


def test_the_autumn_change_in_london_shows_the_zone_abbreviation_of_each_side():
    first = dt.datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # 01:30 BST
    second = dt.datetime(2026, 10, 25, 1, 30, tzinfo=UTC)  # 01:30 GMT, an hour later
    assert format_local(first, "Europe/London") == "Sun 25 Oct 01:30 BST"
    assert format_local(second, "Europe/London") == "Sun 25 Oct 01:30 GMT"
