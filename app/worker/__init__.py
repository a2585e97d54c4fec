"""The worker: the monitor that claims and runs paid items, the HTTP service that runs it
headless, proofs (a book made for a sample child without an order), and the signals that
stop it cleanly."""
