"""Benchmark: spare-parts stock at scale — a stock-level read, the month-end valuation, part-issue throughput.

What it builds, measures and targets: bench/inventorybench/__init__.py and bench/README.md."""

from inventorybench.cli import main

if __name__ == "__main__":
    main()
