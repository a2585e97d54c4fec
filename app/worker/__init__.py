"""The worker: the monitor that claims and runs paid items, the HTTP service that runs it
headless, and the signals that stop it cleanly."""
