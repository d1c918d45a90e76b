"""Statistics at the ground floor: agreement coefficients, the metrics core, bootstrap and proportion intervals,
bias-corrected prevalence and the human-ceiling comparison. Imports nothing of the pipeline's stages."""
