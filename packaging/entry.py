"""The bundle's entry point: the `pressroom` command, GUI and CLI alike."""

import multiprocessing
import sys

from app.cli.main import main

if __name__ == "__main__":
    multiprocessing.freeze_support()  # the console's worker processes in a frozen build
    sys.exit(main())
