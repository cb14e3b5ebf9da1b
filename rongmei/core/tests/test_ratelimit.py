from rongmei.core import ratelimit


def test_the_wait_is_said_in_seconds_minutes_or_hours_rounded_up(english):
    assert ratelimit.wait_words(0.2) == "1 seconds"
    assert ratelimit.wait_words(119.5) == "2 minutes"
    assert ratelimit.wait_words(119) == "119 seconds"
    assert ratelimit.wait_words(61 * 60) == "61 minutes"
    assert ratelimit.wait_words(61 * 60 + 1) == "62 minutes"
    assert ratelimit.wait_words(3 * 3600 + 1) == "4 hours"


def test_a_window_counts_only_its_own_times_and_says_how_long_to_wait():
    now = 1_000.0
    times = [100.0, 950.0, 990.0, 999.0]
    assert ratelimit.over(times, (60, 3), now) == 60 - (now - 950.0)  # the oldest of the last three leaves first
    assert ratelimit.over(times, (60, 4), now) is None
    assert ratelimit.over(times, (3600, 4), now) == 3600 - (now - 100.0)


def test_recording_keeps_one_window_of_times(db):
    ratelimit.record("t:key", 60, 1_000.0)
    ratelimit.record("t:key", 60, 1_030.0)
    ratelimit.record("t:key", 60, 1_070.0)
    assert ratelimit.recent("t:key", 60, 1_070.0) == [1_030.0, 1_070.0]
