import multiprocessing

from app.cli.main import main

if __name__ == "__main__":
    multiprocessing.freeze_support()  # the console's process pool, in a bundled build
    raise SystemExit(main())
