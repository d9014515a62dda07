"""The headless core: models, events, commands, state, bars, clock and the engine.

Nothing in this package imports Textual or the ProjectX SDK (a test proves it), so the
same core serves the live broker, the paper broker, replay and the tests.
"""
