"""Placeholder entry point replaced by engine.cli once the CLI lands."""
import sys

if __name__ == "__main__":
    if sys.argv[1:2] == ["assets"]:
        sys.exit(0)
    sys.exit("engine CLI not ready yet")
