"""Redis names shared by the bot (client.py) and the workers (engine/worker.py), in one place."""

from __future__ import annotations

PREFIX = "digiteller"
STREAM = f"{PREFIX}:jobs"  # taskiq's stream of job messages
GROUP = "workers"  # its consumer group: each message goes to one worker, acked when done
TASK = "digiteller.story_job"  # taskiq task name of every message
WORKERS = f"{PREFIX}:workers"  # hash: worker id → JSON heartbeat
KEEP_SECONDS = 7 * 24 * 3600  # how long finished jobs' events and flags stay readable


def job(job_id: int) -> str:
    """Hash: the spec, state and times of a job the bot handed to Redis (exists = was kicked)."""
    return f"{PREFIX}:job:{job_id}"


def events(job_id: int) -> str:
    """Stream: start / progress / handback / done / error events of one job, for the bot to follow."""
    return f"{PREFIX}:events:{job_id}"


def cancel(job_id: int) -> str:
    """String: set (to the reason) when the job should stop; workers poll it while running."""
    return f"{PREFIX}:cancel:{job_id}"


def lease(job_id: int) -> str:
    """String with a short expiry: the worker running the job now (refreshed by its heartbeat)."""
    return f"{PREFIX}:lease:{job_id}"


def finished(job_id: int) -> str:
    """String: set with the final event; a redelivered message of a finished job is just acked."""
    return f"{PREFIX}:finished:{job_id}"
