"""``python -m tradegraph`` runs the CLI."""

from tradegraph.cli.app import main

main()
