"""Theme classification: passage scores, document probabilities, evidence."""
