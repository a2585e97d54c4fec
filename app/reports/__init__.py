"""What the store says about the work, in words: an item's timeline and the shop's overview
of today."""
