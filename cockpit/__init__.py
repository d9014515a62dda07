"""cockpit: a terminal trading cockpit for futures day traders."""

__version__ = "0.1.0"
