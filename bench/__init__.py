"""svcstd's benchmark suite: ``python -m bench run`` (see ``site/benchmarks.md``).

Not part of the test run. It generates seeded exports, times ``svcstd check`` against the
pyarrow read floor, and compares with DuckDB SQL and pm4py on their shared rules.
"""
