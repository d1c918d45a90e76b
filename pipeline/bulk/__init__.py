"""Bulk coding: many documents, in parallel, resumable, one bad file never stops the run.

inputs   -> expand files / folders / globs / list files into ``InputFile``s
metadata -> join a metadata CSV onto them by file name or doc_id
store    -> one atomic JSON file per document result, keyed by content + classifier
lock     -> one run per output folder at a time
worker   -> the picklable per-document function and its per-process classifier
runner   -> a local process pool; dask_runner -> the same work on a Dask cluster
"""
