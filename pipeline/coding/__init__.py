"""Readers of human coding at the ground floor: long tables, document sheets, wide rater sheets and REFI-QDA
projects, plus the consensus rules. Writing a REFI-QDA project needs document text, so it lives in the harness."""
