"""The chaos run (`pressroom chaos`) and its invariant checker, kept apart from the code it
attacks, and the fake Gemini (speaking the real REST protocol) it attacks it with."""
