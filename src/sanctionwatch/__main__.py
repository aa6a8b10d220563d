"""Allow ``python -m sanctionwatch``."""

from sanctionwatch.cli.app import main

main()
