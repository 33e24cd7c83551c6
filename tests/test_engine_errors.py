"""Engine errors cross process boundaries (the job runs in a worker process): they must pickle and
unpickle as themselves, with every field, so the parent needs no hand-made rebuild."""

from __future__ import annotations

import pickle

import pytest

from engine.errors import BackendUnavailable, Cancelled, EngineError, PromptError, StageError

ERRORS = [
    StageError("speech", "RHVoice crashed", "try another voice"),
    StageError("video", "disk full"),
    PromptError("empty prompt", "send a sentence"),
    BackendUnavailable("silero", "v4_ru.pt is not in the model cache"),
    Cancelled("cancelled by the user"),
    EngineError("something"),
]


@pytest.mark.parametrize("error", ERRORS, ids=lambda e: type(e).__name__)
def test_error_pickles_as_itself(error: EngineError) -> None:
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is type(error)
    assert str(copy) == str(error)
    assert copy.args == error.args
    assert vars(copy) == vars(error)


def test_stage_error_fields_survive() -> None:
    copy = pickle.loads(pickle.dumps(StageError("text", "no model", "run assets")))
    assert (copy.stage, copy.message, copy.hint) == ("text", "no model", "run assets")
    assert str(copy) == "[text] no model"
