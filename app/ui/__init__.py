"""The operators' console (PySide6). The only package that imports Qt."""

import os

# qasync picks its Qt binding from QT_API, else from what is already imported: name it, so
# that the order of imports never matters.
os.environ.setdefault("QT_API", "pyside6")
