"""Wall time of CLI commands that must stay fast, in fresh processes, next to the bare interpreter.

    python benchmarks/cli_startup.py [--runs 15]

Each command runs `--runs` times; min and median are printed. `python -c pass` (this environment's site-packages
included) is the floor no command can go below; `python -c "import click, pluggy"` is what any click + pluggy
CLI pays before its own code.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

COMMANDS = {
    "python -c pass": [sys.executable, "-c", "pass"],
    "python -c 'import click, pluggy'": [sys.executable, "-c", "import click, pluggy"],
    "gankit --help": [sys.executable, "-m", "gankit", "--help"],
    "gankit plugins": [sys.executable, "-m", "gankit", "plugins"],
    "gankit metrics list": [sys.executable, "-m", "gankit", "metrics", "list"],
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    subprocess.run(COMMANDS["gankit plugins"], check=True, capture_output=True)  # warm caches (.pyc, entry points)
    print(f"{'command':36} {'min s':>7} {'median s':>9}   ({args.runs} fresh processes each)")
    for label, command in COMMANDS.items():
        times = []
        for _ in range(args.runs):
            start = time.perf_counter()
            subprocess.run(command, check=True, capture_output=True)
            times.append(time.perf_counter() - start)
        print(f"{label:36} {min(times):7.3f} {statistics.median(times):9.3f}")


if __name__ == "__main__":
    main()
