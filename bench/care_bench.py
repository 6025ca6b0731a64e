"""Benchmark: customer care at 1,000,000 open work orders — the SLA scan and the manager's dashboard.

What it builds, measures and targets: bench/carebench/__init__.py and bench/README.md."""

from carebench.cli import main

if __name__ == "__main__":
    main()
