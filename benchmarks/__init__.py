"""Benchmarks of itnivoice_nb at a million recipients: ``python -m benchmarks [--quick]``.

Every case measures its figure and a reference in the same run and reports the ratio against
the issue's target; nothing here asserts a timing (the machine is shared and noisy). ``--quick``
runs every case at small sizes in well under a minute, so ``make test`` keeps them working.

Cases (``--only NAME``): ``prepare``, ``client_cpu``, ``send``, ``memory``, ``journal``,
``sandbox``. See ``benchmarks/RESULTS.md`` for the figures measured on the reference machine.
"""
