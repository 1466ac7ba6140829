"""Allow ``python -m routeplanner``."""

from routeplanner.cli import main

if __name__ == "__main__":
    main()
