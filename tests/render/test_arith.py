"""The cost of int arithmetic, worked out before it runs (render/arith.py)."""

from __future__ import annotations

from coursesite.render.arith import digits_of, int_cost


def test_small_numbers_cost_nothing_and_sizes_are_digits() -> None:
    assert int_cost("*", 10**50, 10**50) == (101, 0)
    assert int_cost("//", 7, 10**100) == (0, 0)  # a quotient of 0 is no work
    assert int_cost("-", 10**9000, 1) == (0, 0)  # linear: only a loop step
    assert digits_of((10**1000).bit_length()) == 1001


def test_long_division_is_quadratic_and_karatsuba_is_not() -> None:
    _, div = int_cost("//", 10**1000000, 10**500000)
    _, mul = int_cost("*", 10**1000000, 10**1000000)
    assert div > 1_000_000 > mul > 100_000  # about 6 s and 0.6 s on the 2-core machine


def test_a_huge_exponent_is_sized_without_a_float() -> None:
    digits, steps = int_cost("**", 10, 10**400)
    assert digits > 10**399 and steps > 10**9
    assert int_cost("**", 1, 10**400) == (0, 0)
    assert int_cost("**", 2, -5) == (0, 0)
