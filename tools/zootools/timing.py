"""The timing loop shared by tools/bench_keras.py and tools/bench_torch.py (no framework imports)."""
import time


def timed(step, seconds, batches):
    """Calls step() `batches` times, or until `seconds` have passed (at least once); (calls, elapsed)."""
    calls, t0 = 0, time.perf_counter()
    while True:
        step()
        calls += 1
        elapsed = time.perf_counter() - t0
        if (batches is not None and calls >= batches) or (batches is None and elapsed >= seconds):
            return calls, elapsed
