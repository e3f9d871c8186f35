"""What arithmetic on Python's unbounded ints costs, worked out before it is done.

`{{ (10**4000000) // (10**2000000 + 7) }}` is one operator, so one step of a
page's budget, yet CPython 3.11 divides by schoolbook long division and takes
minutes over it; a product of two such numbers takes seconds. The cost of `*`,
`//`, `%` and `**` follows from the sizes of their operands (in CPython's 30-bit
digits), so it can be charged, and refused, before the operation runs.
"""

from __future__ import annotations

import math
from typing import Any

DIGIT_BITS = 30  # CPython's ints are arrays of 30-bit digits
KARATSUBA_CUTOFF = 70  # below this many digits CPython multiplies by schoolbook
# Measured on the 2-core machine: a render step (a loop round, a call) takes about a
# microsecond, a Karatsuba unit about 7 ns and a digit of long division about 2 ns.
MUL_UNITS_PER_STEP = 150
DIV_UNITS_PER_STEP = 500
DECIMAL_PER_BIT_32 = int(math.log10(2) * 2**32)


def is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def digits_of(bits: int) -> int:
    """The decimal digits of a number of `bits` bits (in fixed point: `bits` may be huge)."""
    return (bits * DECIMAL_PER_BIT_32 >> 32) + 1


def limbs(bits: int) -> int:
    return bits // DIGIT_BITS + 1


def mul_units(a_limbs: int, b_limbs: int) -> int:
    """CPython's work for a product: Karatsuba on pieces as long as the shorter factor."""
    short, long = sorted((a_limbs, b_limbs))
    if short < KARATSUBA_CUTOFF:
        return short * long
    return -(-long // short) * int(short ** math.log2(3))


def int_cost(operator: str, left: int, right: int) -> tuple[int, int]:
    """The decimal digits of `left <operator> right` and the steps it takes (0, 0: cheap)."""
    a, b = left.bit_length(), right.bit_length()
    if operator == "*":
        return digits_of(a + b), mul_units(limbs(a), limbs(b)) // MUL_UNITS_PER_STEP
    if operator in ("//", "%") and right and a > b:
        quotient = limbs(a) - limbs(b) + 1
        return digits_of(a), quotient * limbs(b) // DIV_UNITS_PER_STEP
    if operator == "**" and right > 0 and abs(left) > 1:
        # The result's size from a logarithm in fixed point: an exponent like 10**400
        # converts to no float.
        bits = (right * int(math.log2(abs(left)) * 2**32) >> 32) + 1
        # Squaring doubles the length each time, so the last square costs about half of
        # all. (Past 2**64 bits the cost is huge anyway, and would overflow a float.)
        half = limbs(min(bits, 2**64) // 2)
        return digits_of(bits), 2 * mul_units(half, half) // MUL_UNITS_PER_STEP
    return 0, 0
