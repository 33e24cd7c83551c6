"""`python -m engine` — see engine.cli (and engine.worker for `python -m engine worker`)."""

import sys

if __name__ == "__main__":
    if sys.argv[1:2] == ["worker"]:  # the queue worker owns its options (see engine/worker.py)
        from engine.worker import main as worker_main

        sys.exit(worker_main(sys.argv[2:]))
    from engine.cli import main

    sys.exit(main())
