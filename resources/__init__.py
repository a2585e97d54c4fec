"""Data files shipped with Pressroom (installed as the ``app.resources`` package)."""
