"""Benchmarks of mixedmodels against the libraries in PEERS.md.

``problems`` is the registry of models to fit, ``adapters`` holds one module
per competing library, ``worker`` fits one (problem, library) pair in a fresh
process, ``run`` is the command line, ``report`` writes the results as data.

Run with ``python -m benchmarks.run --help``.
"""
