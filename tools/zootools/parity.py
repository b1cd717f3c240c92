"""How the tools measure agreement between zoo and Keras (numpy only)."""
import numpy as np

# Full-size comparisons (compare_full.py, compare_features.py): a run passes iff
# max|zoo - keras| <= REL_TOL * max|keras|.
REL_TOL = 1e-4


def max_abs(a, b):
    """max |a - b|, computed in float64."""
    return float(np.max(np.abs(np.asarray(a, np.float64) - np.asarray(b, np.float64))))


def assert_close(a, b, tol, what):
    """max_abs(a, b); AssertionError naming `what` when it is above tol (or NaN)."""
    err = max_abs(a, b)
    if not err <= tol:
        raise AssertionError(f"{what}: max abs diff {err:.3g} > {tol:g}")
    return err
