"""The session journal: an append-only record of everything, replayed and reviewed.

Storage and analysis only: ``writer`` records (the engine's Recorder), ``reader`` opens
and seeks, ``replay`` plays a journal back through a fresh engine, ``review`` and
``whatif`` study it. The replay a trader drives is :mod:`cockpit.replay`; the commands
are :mod:`cockpit.cli.journal`.
"""
