"""Core (layer 0): errors, clock, ids, precision.

Boundary: pure Python and the standard library only. Nothing here imports any other
tradegraph package, performs I/O, or reads the environment.
"""
