"""Command-line interface (layer 7): Typer + rich, a thin transport over services.

Boundary: commands parse arguments, call one function of a lower layer (services,
bootstrap, or a package API) and render the result. No business logic lives here.
Each command group is a module exposing ``app``; ``cli/app.py`` assembles them.
"""
