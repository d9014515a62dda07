"""The local risk engine: rules, trading states, enforcement and persistent lockouts.

No Textual and no broker SDK here (a test proves it). The engine is
:class:`cockpit.risk.engine.RiskEngine`: a gate on every command and a watcher of every
event, composed of the gate (:mod:`~cockpit.risk.gate`), the limits and the trading
state (:mod:`~cockpit.risk.limits`), the enforcement (:mod:`~cockpit.risk.enforcement`)
and the lockout keeping (:mod:`~cockpit.risk.lockout_keeper`); the rules live in
:mod:`cockpit.risk.rules`, one module each.
"""
