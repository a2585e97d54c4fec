"""Numbered SQL migrations for a Supabase project (installed as ``app.migrations``)."""
