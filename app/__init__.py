"""Pressroom: turns paid orders into personalized children's books."""

__version__ = "0.1.0"
