"""The distributed queue: story jobs on Redis, run by ``python -m engine worker`` anywhere.

Module map:
- broker.py   taskiq-redis's stream broker (acks after the job is done; a dead worker's job is
              claimed by another), with the two fixes long story jobs need
- keys.py     the Redis names of the thin glue around it: per-job event streams (progress and
              outcome), cancel flags, the run lease, worker heartbeats
- client.py   RedisQueue: the bot's side, the same interface as engine.queue.LocalQueue
- engine/worker.py is the worker's side.

Nothing here knows Telegram or the database: jobs are engine.jobs.JobSpec, outcomes JobResult or
an engine error.
"""

from engine.distqueue.client import RedisQueue

__all__ = ["RedisQueue"]
