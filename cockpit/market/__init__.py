"""The synthetic market the demo trades against."""
