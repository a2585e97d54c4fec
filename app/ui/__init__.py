"""The operators' console (PySide6). The only package that imports Qt."""
