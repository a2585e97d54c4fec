"""The `pressroom` command: main.py builds the parser and runs the worker and the console;
one module per group of commands (books, records, printing, tools, the self-check)."""
