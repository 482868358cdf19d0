import sys

from simengine.cli.main import entry

if __name__ == "__main__":
    sys.exit(entry())
