"""The guard: the session run headless all day, with a local API for its clients.

``daemon`` hosts the session and numbers every event it folds; ``web`` serves the API
(the token in ``auth``); ``audit`` writes the jq-friendly log; ``notify`` speaks to
systemd; ``pidfile`` keeps one guard per state dir. See docs/guard.md.
"""
