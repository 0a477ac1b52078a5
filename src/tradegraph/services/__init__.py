"""Services (layer 5): use cases shared by the API and the CLI.

Boundary: services orchestrate lower layers (data, backtest, workflow, ...) and take what
they work on explicitly (catalogs, clocks, ports, sessions). They never read settings or
the environment and never import adapters; ``bootstrap`` or the transport wires concrete
adapters into the ports they accept.
"""
