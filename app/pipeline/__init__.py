"""One book job: stages, checkpoints, image intake, PDF composition and publishing."""
