"""Run by the user nobody (tests/conftest.py ``unprivileged``): open a feature cache and report on it.

The report travels back as the message of :class:`Report`, the way ``unprivileged.call`` returns what
the called function raised.
"""

from __future__ import annotations

import json

import numpy as np


class Report(Exception):  # noqa: N818 - a message carrier, not an error
    pass


def open_cache(path: str) -> None:
    from genre_gui.core.cache import FeatureCache

    cache = FeatureCache(path)
    cache.put("h", "fs", 1, np.ones(2))
    raise Report(json.dumps({"enabled": cache.enabled, "warnings": list(cache.warnings),
                             "stored": cache.get("h", "fs", 1) is not None}))
