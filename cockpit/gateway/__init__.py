"""A loopback emulator of the ProjectX Gateway, so the real SDK runs end to end offline.

REST endpoints and SignalR hubs with the shapes, codes and envelopes project-x-py 4.4.1
expects, backed by the paper matching engine (one account each) and the synthetic
market, with fault injection (dropped hubs, silence, 5xx/429/401, rejects, malformed,
duplicated and reordered events, logouts, expired tokens). It binds 127.0.0.1 only.
"""
