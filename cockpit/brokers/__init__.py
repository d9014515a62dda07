"""Brokers: the paper broker (the default), ProjectX, and replay.

The protocol they implement is :class:`cockpit.core.broker.Broker`.
"""
