"""Runs one pyperformance benchmark script as __main__, as pyperformance
would run its worker: `python isobench_pybench.py SCRIPT [ARGS...]`. The
pyperf module it imports is isobench's shim, found beside this file."""

import builtins
import runpy
import sys

script, *arguments = sys.argv[1:]
sys.argv = [script, *arguments]
# The script's own directory comes first, as when it is run directly.
sys.path.insert(0, script.rsplit("/", 1)[0])
# As in a script run directly, its __builtins__ is the builtins module (run
# any other way it would be the module's dict): sphinx's benchmark patches
# `__builtins__.open`.
runpy.run_path(script, init_globals={"__builtins__": builtins}, run_name="__main__")
