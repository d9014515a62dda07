"""The session journal: an append-only record of everything, replayed and reviewed.

``writer`` records (the engine's Recorder), ``reader`` opens and seeks, ``replay`` and
``player`` play a journal back through a fresh engine, ``review`` and ``whatif`` study it.
"""
