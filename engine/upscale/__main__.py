"""``python -m engine.upscale IN.png -o OUT.png`` (the same as ``python -m engine upscale``)."""

import sys

from engine.upscale.cli import main

sys.exit(main(sys.argv[1:]))
