"""The fake Supabase lives in the package (app/chaos/fake_supabase.py), since `pressroom chaos`
runs it too; the tests import it from here as before."""

from app.chaos.fake_supabase import *  # noqa: F403
