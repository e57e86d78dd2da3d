"""``python -m vsim`` runs the command line."""

from vsim.cli import main

main()
