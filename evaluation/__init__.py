"""Machine-vs-human evaluation harness for practice-themes."""
