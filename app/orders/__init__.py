"""Orders: placed by the CLI and the console, checked at the door (checks.py) and again
when claimed (place.py)."""
