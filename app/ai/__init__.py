"""The AI provider port, the prompt builder and the providers (template, later Gemini)."""
