"""The fake Gemini lives in the package (app/chaos/fake_gemini.py), since `pressroom chaos`
runs it too; the tests import it from here as before."""

from app.chaos.fake_gemini import *  # noqa: F403
