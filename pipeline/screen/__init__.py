"""Pre-screening one review: stages -> ``ScreenReport`` -> a self-contained HTML/JSON report.

``screen.py`` runs the pipeline on one file and keeps the cleaned document,
``report.py`` turns that into a ``ScreenReport``, ``render.py`` writes it as
HTML or JSON, and ``server.py`` serves the same report over a local web page.
"""
