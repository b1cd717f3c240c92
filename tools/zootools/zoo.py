"""The one way the tools run the `zoo` binary: where it is, its environment, timeouts, output, errors.

    result = zoo.run(["features", "--model", "vgg16", ..., "--json"], timeout=600)
    if result.failure():            # exit status, command and stderr tail as one message
        ...
    summary = result.json()

run() starts zoo in its own process group and ends the whole group (zoo and any child it started)
on a timeout or when the caller is interrupted, so no zoo outlives the tool that started it.
Standard library only.
"""
import json
import os
import signal
import subprocess
import time
from dataclasses import dataclass

from zootools import ROOT

DEFAULT_BINARY = os.path.join(ROOT, ".build", "release", "zoo")
# Set on some machines; they make OpenBLAS pick a slower kernel (BENCHMARKS.md), so zoo is measured
# without them.
BLAS_OVERRIDES = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")


def binary(path=None):
    """`path` if given, else $ZOO, else the release build of this checkout."""
    return str(path or os.environ.get("ZOO") or DEFAULT_BINARY)


def environment(*, isolated=False, drop_blas_overrides=False, **variables):
    """The caller's environment for a zoo run. isolated: without the caller's ZOO_* variables
    (cache directory, catalogue, timeouts), so only `variables` set them; drop_blas_overrides:
    without BLAS_OVERRIDES. `variables` are set last (values turned into strings)."""
    env = {k: v for k, v in os.environ.items() if not (isolated and k.startswith("ZOO_"))}
    if drop_blas_overrides:
        for name in BLAS_OVERRIDES:
            env.pop(name, None)
    env.update({k: str(v) for k, v in variables.items()})
    return env


def parse_json(stdout):
    """zoo's --json output (one pretty-printed object), or one object per line as the Python
    tools print them (a list when there are several). ValueError when there is none."""
    text = stdout.strip()
    try:
        return json.loads(text)
    except ValueError:
        lines = [line for line in text.splitlines() if line.startswith("{")]
        if not lines:
            raise ValueError("no JSON") from None
        objects = [json.loads(line) for line in lines]
        return objects[0] if len(objects) == 1 else objects


class ZooError(RuntimeError):
    """A zoo run that did not exit with status 0; .result holds everything about it."""

    def __init__(self, result):
        super().__init__(result.failure())
        self.result = result


@dataclass
class Result:
    command: list      # the binary and its arguments, as strings
    returncode: int    # negative: killed by that signal; None: stopped at the timeout
    stdout: str        # "" when not captured
    stderr: str
    seconds: float

    def failure(self, lines=30):
        """None after exit status 0; else "exit N: COMMAND" (or "timed out after S s: ...") and
        the last `lines` lines of stderr."""
        if self.returncode == 0:
            return None
        how = f"timed out after {self.seconds:.0f} s" if self.returncode is None else f"exit {self.returncode}"
        tail = "\n".join(self.stderr.strip().splitlines()[-lines:])
        return f"{how}: {' '.join(self.command)}\n{tail}"

    def check(self):
        """self, or ZooError when the run failed."""
        if self.returncode != 0:
            raise ZooError(self)
        return self

    def json(self):
        return parse_json(self.stdout)


def _end_group(process):
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def run(args, *, zoo=None, env=None, cwd=None, timeout=None, check=False, capture_stdout=True,
        address_space=None, preexec_fn=None):
    """Runs `zoo ARGS...` (binary(zoo)) to completion and returns its Result.

    env: the whole environment (default: the caller's; see environment()). timeout: seconds,
    after which the process group is killed and returncode is None. check: raise ZooError
    unless the exit status is 0. capture_stdout=False discards stdout (for runs that may print
    a lot). address_space: bytes of RLIMIT_AS for zoo (set by a shell that then execs zoo, as
    preexec_fn is unsafe in threaded callers), core dumps off. Output is decoded as UTF-8,
    undecodable bytes replaced."""
    command = [binary(zoo), *(str(a) for a in args)]
    launch = command
    if address_space is not None:
        launch = ["/bin/sh", "-c", f'ulimit -v {address_space >> 10} && ulimit -c 0 && exec "$0" "$@"', *command]
    start = time.monotonic()
    process = subprocess.Popen(launch, stdout=subprocess.PIPE if capture_stdout else subprocess.DEVNULL,
                               stderr=subprocess.PIPE, env=env, cwd=cwd, preexec_fn=preexec_fn,
                               start_new_session=True)
    try:
        out, err = process.communicate(timeout=timeout)
        returncode = process.returncode
    except subprocess.TimeoutExpired:
        _end_group(process)
        out, err = process.communicate()
        returncode = None
    except BaseException:  # KeyboardInterrupt included: zoo must not run on alone
        _end_group(process)
        process.wait()
        raise
    result = Result(command, returncode, (out or b"").decode("utf-8", "replace"),
                    err.decode("utf-8", "replace"), time.monotonic() - start)
    return result.check() if check else result
