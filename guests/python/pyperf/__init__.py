"""isobench's stand-in for pyperf, enough of its API to run pyperformance's
benchmarks inside one interpreter.

pyperf measures by starting worker processes, which WebAssembly under WASI
cannot do. Here each `bench_*` call runs in the calling interpreter: a few
unrecorded warm-up values, then one recorded value, each of the same number
of loops. The loop count comes from the harness (ISOBENCH_LOOPS) so that the
native and the wasm interpreter do the same work; in calibration mode the
count is doubled until one value takes at least ISOBENCH_MIN_TIME seconds.
`bench_command`, whose command pyperf times whole, only reports the command.
With ISOBENCH_LOOPS=describe nothing is timed: only commands are reported.

Results go to standard error as lines the harness reads:
    isobench-pybench version <sys.version>
    isobench-pybench loops <name> <loops>          (calibration only)
    isobench-pybench value <name> <seconds per loop>
    isobench-pybench result <name> <digest of the last result>
    isobench-pybench modules <name> <the compiled modules loaded by then>
    isobench-pybench command <name> <JSON list of the interpreter's arguments>
"""

import argparse
import hashlib
import json
import os
import platform
import re
import sys
import time

perf_counter = time.perf_counter

_TAG = "isobench-pybench"


def python_implementation():
    return platform.python_implementation().lower()


def _report(*fields):
    print(_TAG, *fields, file=sys.stderr, flush=True)


def _digest(result):
    """A digest of a result that is the same in every interpreter: object
    addresses, which differ between runs, are masked out of its repr."""
    text = re.sub(r"0x[0-9a-fA-F]+", "0x?", repr(result))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _compiled_modules():
    """The loaded modules that are compiled code, built in or loaded from a
    shared object, rather than Python source."""
    import importlib.machinery

    suffixes = tuple(importlib.machinery.EXTENSION_SUFFIXES)
    origins = {
        name: getattr(getattr(module, "__spec__", None), "origin", None) or ""
        for name, module in list(sys.modules.items())
    }
    return sorted(
        name for name, origin in origins.items()
        if origin == "built-in" or origin.endswith(suffixes)
    )


def _loops_requested():
    setting = os.environ.get("ISOBENCH_LOOPS", "calibrate")
    if setting in ("calibrate", "describe"):
        return None
    return {
        name: int(count)
        for name, count in (item.split("=") for item in setting.split(",") if item)
    }


class Runner:
    """The part of pyperf.Runner that benchmarks use."""

    def __init__(self, values=None, processes=None, loops=0, min_time=0.1,
                 metadata=None, show_name=True, program_args=None,
                 add_cmdline_args=None, warmups=None, **_ignored):
        # Process counts, value counts and the command-line hook only shape
        # how pyperf spawns workers; one interpreter does everything here.
        self.metadata = dict(metadata or {})
        self.argparser = argparse.ArgumentParser()
        self.args = None
        self._warmups = int(os.environ.get("ISOBENCH_WARMUPS", "1"))
        self._min_time = float(os.environ.get("ISOBENCH_MIN_TIME", min_time))
        self._loops = _loops_requested()
        self._describe_only = os.environ.get("ISOBENCH_LOOPS") == "describe"
        _report("version", sys.version.replace("\n", " "))

    def parse_args(self, args=None):
        if self.args is None:
            self.args = self.argparser.parse_args(args)
        return self.args

    def bench_time_func(self, name, time_func, *args, inner_loops=None, metadata=None):
        """time_func(loops, *args) runs the body `loops` times and returns
        the seconds it took."""
        self.parse_args()
        if self._describe_only:
            return
        loops = self._loop_count(name, lambda n: time_func(n, *args))
        for _ in range(self._warmups):
            time_func(loops, *args)
        seconds = time_func(loops, *args)
        _report("value", name, repr(seconds / (loops * (inner_loops or 1))))
        # A library that finds a compiled module missing may fall back to
        # other code without a word (hashlib did, without _hashlib): the
        # harness checks that the wasm interpreter has what the native one
        # loaded.
        _report("modules", name, *_compiled_modules())

    def bench_func(self, name, func, *args, inner_loops=None, metadata=None):
        last = []

        def timed(loops):
            # As pyperf does, each result is dropped as soon as it is made
            # (its freeing timed, its memory there for the next call), but
            # the last one, kept for the check that both interpreters
            # computed the same.
            started = perf_counter()
            for _ in range(loops - 1):
                func(*args)
            result = func(*args)
            elapsed = perf_counter() - started
            last[:] = [result]
            return elapsed

        self.bench_time_func(name, timed, inner_loops=inner_loops)
        if last:  # something was timed
            _report("result", name, _digest(last[0]))

    def bench_async_func(self, name, func, *args, inner_loops=None, metadata=None,
                         loop_factory=None):
        import asyncio

        async def timed(loops):
            started = perf_counter()
            for _ in range(loops):
                await func(*args)
            return perf_counter() - started

        def run(loops):
            loop = loop_factory() if loop_factory else asyncio.new_event_loop()
            try:
                return loop.run_until_complete(timed(loops))
            finally:
                loop.close()

        self.bench_time_func(name, run, inner_loops=inner_loops)

    def bench_command(self, name, command):
        """pyperf times a command by starting it as a process, which WASI
        cannot do. The command is only reported here: the harness starts
        the interpreter with the same arguments itself, on each side, and
        times the whole run, as pyperf would."""
        self.parse_args()
        if not command or command[0] != sys.executable:
            raise ValueError(
                f"{name}: isobench can time commands of this interpreter only "
                f"(sys.executable), not {command[:1]}"
            )
        _report("command", name, json.dumps(command[1:]))

    def _loop_count(self, name, run):
        if self._loops is not None:
            if name not in self._loops:
                raise KeyError(f"ISOBENCH_LOOPS gives no loop count for {name!r}")
            return self._loops[name]
        loops = 1
        while run(loops) < self._min_time and loops < 1 << 30:
            loops *= 2
        _report("loops", name, loops)
        return loops
