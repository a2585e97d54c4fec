"""The fake Gemini's Batch API as the real google-genai SDK reads it (the shapes captured
from the SDK 3.6 and Google's batch reference): the job moves through its states, answers
come back in the requests' order with their keys, and list, cancel and delete work."""

from __future__ import annotations

import time

import pytest
from google import genai
from google.genai import types

from app.proving.fake_gemini import VALID_KEY, FakeGemini

MODEL = "gemini-3.8-flash"


def client(fake: FakeGemini) -> genai.Client:
    options = types.HttpOptions(base_url=fake.url, api_version="v1beta")
    return genai.Client(api_key=VALID_KEY, http_options=options)


def requests(*keys: str) -> list[types.InlinedRequest]:
    return [types.InlinedRequest(contents=f"say {k}", metadata={"key": k}) for k in keys]


def test_a_job_goes_from_pending_to_succeeded_with_its_answers_in_order() -> None:
    with FakeGemini() as fake, client(fake) as sdk:
        fake.batches.turnaround = 3.0  # running from 0.6 s
        job = sdk.batches.create(
            model=MODEL, src=requests("a", "b"), config={"display_name": "two"}
        )
        assert job.name == "batches/fake0001" and job.state == types.JobState.JOB_STATE_PENDING
        assert job.display_name == "two" and job.model == f"models/{MODEL}"
        time.sleep(0.9)
        assert sdk.batches.get(name=job.name).state == types.JobState.JOB_STATE_RUNNING
        done = sdk.batches.get(name=job.name)
        while not done.done:
            time.sleep(0.2)
            done = sdk.batches.get(name=job.name)
        assert done.state == types.JobState.JOB_STATE_SUCCEEDED
        answers = done.dest.inlined_responses if done.dest else None
        assert answers is not None
        assert [a.metadata for a in answers] == [{"key": "a"}, {"key": "b"}]
        assert all(a.response and a.response.text for a in answers)
        assert [r.batch for r in fake.requests] == [True, True]
        assert [j.name for j in sdk.batches.list()] == [job.name]


def test_a_job_is_cancelled_or_deleted_and_an_unknown_one_is_not_found() -> None:
    with FakeGemini() as fake, client(fake) as sdk:
        fake.batches.turnaround = 60
        job = sdk.batches.create(model=MODEL, src=requests("a"), config={"display_name": "x"})
        assert job.name is not None
        sdk.batches.cancel(name=job.name)
        cancelled = sdk.batches.get(name=job.name)
        assert cancelled.done and cancelled.state == types.JobState.JOB_STATE_CANCELLED
        assert cancelled.dest is None  # no answers
        sdk.batches.delete(name=job.name)
        with pytest.raises(genai.errors.ClientError) as gone:
            sdk.batches.get(name=job.name)
        assert gone.value.code == 404
