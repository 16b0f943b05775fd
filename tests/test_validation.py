from __future__ import annotations

import numpy as np
import pytest

from bidopt._validation import (
    as_float_array,
    check_choice,
    check_options,
    check_random_state,
    check_scalar,
)
from bidopt.exceptions import InvalidInputError


def test_check_scalar_message_follows_template() -> None:
    with pytest.raises(InvalidInputError) as info:
        check_scalar(-5.0, "budget", lower=0, lower_inclusive=False)
    assert str(info.value) == "`budget` must be a finite number > 0. Got -5.0 instead."


@pytest.mark.parametrize("value", [float("nan"), float("inf"), "3", True, None])
def test_check_scalar_rejects_non_finite_and_non_numbers(value: object) -> None:
    with pytest.raises(InvalidInputError, match="`budget` must be a finite number"):
        check_scalar(value, "budget")


def test_check_scalar_integer() -> None:
    assert check_scalar(3, "n", integer=True, lower=1) == 3
    with pytest.raises(InvalidInputError, match="`n` must be an integer >= 1. Got 2.5"):
        check_scalar(2.5, "n", integer=True, lower=1)


def test_check_choice_message() -> None:
    with pytest.raises(ValueError, match=r"Unknown method 'x'; expected one of 'dual', 'milp'\."):
        check_choice("x", "method", ("dual", "milp"))
    assert check_choice("dual", "method", ("dual", "milp")) == "dual"


def test_check_options_rejects_unknown_keys() -> None:
    assert check_options(None, {"tol": 1e-9}, method="dual") == {"tol": 1e-9}
    assert check_options({"tol": 1.0}, {"tol": 1e-9}, method="dual") == {"tol": 1.0}
    with pytest.raises(InvalidInputError, match="Unknown option.*'maxiter'.*'dual'"):
        check_options({"maxiter": 3}, {"tol": 1e-9}, method="dual")


def test_check_random_state_is_reproducible() -> None:
    a = check_random_state(7).random(3)
    b = check_random_state(7).random(3)
    np.testing.assert_array_equal(a, b)
    gen = np.random.default_rng(1)
    assert check_random_state(gen) is gen
    with pytest.raises(InvalidInputError, match="`rng` must be"):
        check_random_state("seed")  # type: ignore[arg-type]


def test_as_float_array_names_the_offending_entry() -> None:
    with pytest.raises(InvalidInputError, match=r"`bids` must be finite\. Got nan at index 1"):
        as_float_array([1.0, np.nan], "bids")
    with pytest.raises(InvalidInputError, match=r"`bids` must be >= 0\. Got -2\.0 at index 0"):
        as_float_array([-2.0], "bids", nonnegative=True)
    with pytest.raises(InvalidInputError, match="2-dimensional"):
        as_float_array([1.0], "bids", ndim=2)


def test_as_owned_copies_what_the_caller_can_write_and_keeps_the_rest() -> None:
    from bidopt._validation import as_owned, frozen

    caller = np.array([1.0, 2.0])
    kept = as_owned(caller, caller)
    assert kept is not caller and not kept.flags.writeable
    caller[0] = np.nan
    assert kept[0] == 1.0
    view = caller[:1]
    assert not np.shares_memory(as_owned(view, view), caller)
    fresh = np.asarray([1.0, 2.0])  # built from a list: nobody else holds it
    assert as_owned(fresh, [1.0, 2.0]).base is fresh
    built = frozen(np.arange(3.0))  # handed over by the library: kept as is
    assert as_owned(built, built) is built
    with pytest.raises(ValueError, match="WRITEABLE"):
        built.flags.writeable = True


def test_as_owned_copies_a_read_only_caller_array() -> None:
    # S1 (review of issue 21): a read-only array that owns its memory is still the
    # caller's; it can be made writeable again, so it is copied
    from bidopt._validation import as_owned

    caller = np.array([1.0, 2.0])
    caller.flags.writeable = False
    kept = as_owned(caller, caller)
    caller.flags.writeable = True
    caller[0] = np.nan
    assert kept[0] == 1.0
    with pytest.raises(ValueError, match="WRITEABLE"):
        kept.flags.writeable = True
    also = as_float_array(caller, "x", allow_nan=True, owned=True)
    assert not np.shares_memory(also, caller)
    assert not as_float_array(caller, "x", allow_nan=True, owned=True).flags.writeable


def test_check_rows_names_the_selection() -> None:
    from bidopt._validation import check_rows

    np.testing.assert_array_equal(check_rows([2, -1], 3), [2, -1])
    assert check_rows(np.array([True, False]), 2).dtype == np.bool_
    with pytest.raises(InvalidInputError, match=r"`rows` must index the 3 rows \(from -3 to 2\)"):
        check_rows([3], 3)
    with pytest.raises(InvalidInputError, match=r"`rows` as a boolean mask must have 3 entries"):
        check_rows([True], 3)
    with pytest.raises(InvalidInputError, match=r"`rows` must be integer indices"):
        check_rows([0.5], 3)
    # one row reads as one (it said "the 1 rows", "1 entries")
    with pytest.raises(InvalidInputError, match=r"must index the 1 keyword \(from -1 to 0\)"):
        check_rows([1], 1, what="keywords")
    with pytest.raises(InvalidInputError, match=r"must have 1 entry, one per auction\. Got 2"):
        check_rows([True, False], 1, what="auctions")


def test_as_float_array_rejects_complex_numbers() -> None:
    with pytest.raises(InvalidInputError, match=r"`x` must be an array of real numbers"):
        as_float_array(np.array([1 + 2j]), "x")


def test_none_is_named_not_shown_as_nan() -> None:
    from bidopt._validation import as_float_array
    from bidopt.exceptions import InvalidInputError

    with pytest.raises(InvalidInputError, match="`bids` must be an array of numbers. Got None"):
        as_float_array(None, "bids")
