"""The benchmark, kept outside the runtime library (nothing in ``indexer``
imports it): question sets, metrics, the retrievers compared, answers,
speed, stores, scale, the report and the pinned quality figures.

Run it with ``python -m bench`` (``make bench``, ``make bench-quick``).
"""
