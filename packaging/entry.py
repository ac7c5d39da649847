"""PyInstaller entry point for the frozen app."""

import multiprocessing
import sys

if __name__ == "__main__":
    # The batch extractor starts worker processes; a frozen executable must hand them off here.
    multiprocessing.freeze_support()
    from genre_gui.__main__ import main

    sys.exit(main())
