"""The ETA a progress row shows: steady when the work rate changes, never jumping up by multiples."""

import pytest

from genre_gui.workers.base import EtaEstimator


def test_eta_from_a_steady_rate_is_exact():
    now = [0.0]
    eta = EtaEstimator(clock=lambda: now[0])
    assert eta.eta(0, 1000) is None  # nothing measured yet
    for step in range(1, 11):
        now[0] = float(step)
        value = eta.eta(10 * step, 1000)  # 10 items per second
    assert value == pytest.approx((1000 - 100) / 10)


def test_a_slow_stretch_raises_the_estimate_gradually_and_a_fast_one_lowers_it_at_once():
    now = [0.0]
    eta = EtaEstimator(clock=lambda: now[0])
    eta.eta(0, 1000)
    done = 0
    for _ in range(20):  # 20 s at 10 items/s
        now[0] += 1.0
        done += 10
        before = eta.eta(done, 1000)
    assert before == pytest.approx(80.0)
    # one report after 10 s of no progress at all, then 1 item: the raw estimate would jump to hours
    now[0] += 10.0
    done += 1
    slow = eta.eta(done, 1000)
    assert before < slow < before * 1.5
    # a fast stretch: the estimate falls without delay
    now[0] += 1.0
    done += 500
    fast = eta.eta(done, 1000)
    assert fast < slow / 2


def test_between_reports_the_estimate_counts_down():
    now = [0.0]
    eta = EtaEstimator(clock=lambda: now[0])
    eta.eta(0, 100)
    now[0] = 1.0
    first = eta.eta(10, 100)  # 10/s: 9 s left
    now[0] = 4.0
    assert eta.eta(10, 100) == pytest.approx(first - 3.0)  # no progress reported: the clock runs on
