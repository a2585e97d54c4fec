"""A child's data, kept no longer than the shop says: retention sweeps, erasure, the
customer's export, and redrawing a book from the child's approved likeness once the
photo is gone."""
