"""A story row → the JobSpec that goes into the queue (plain data a worker on another machine reads)."""

from __future__ import annotations

from pathlib import Path

from engine.jobs import JobSpec
from storage.models import Story


def relative(folder: str, data_dir: Path) -> str:
    """Story folders travel relative to DATA_DIR, which is mounted elsewhere on worker machines."""
    path, data = Path(folder), data_dir.resolve()
    return str(path.relative_to(data)) if path.is_relative_to(data) else folder


def spec_for(story: Story, parent: Story | None, job_id: int, data_dir: Path, time_limit: float) -> JobSpec:
    assert story.folder is not None
    return JobSpec(
        job_id=job_id,
        owner=story.user_id,
        kind=story.kind,
        folder=relative(story.folder, data_dir),
        request={
            "prompt": story.prompt,
            "lang": story.language,
            "voice": story.voice,
            "aspect": story.aspect,
            "duration": story.duration,
        },
        voice=story.voice or "",
        parent_folder=relative(parent.folder, data_dir) if parent and parent.folder else None,
        time_limit=time_limit,
    )
