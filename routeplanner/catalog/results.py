"""Stored catalogue task results: written with a schema version and a digest, checked on read.

A finished task's result is kept as ``<task key>.json`` so an interrupted catalogue
resumes.  Each file is an envelope::

    {"schema": 1, "task": "<task key>", "digest": "<sha256>", "result": {...}}

where the digest hashes the task key and the canonical JSON of the result.  On
read the envelope, the digest and the result's shape (:func:`check_result`) must
all hold; a file that fails (garbage, ``{}``, a result edited by hand, one copied
from another task) is not an error: the task is computed again.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from routeplanner._io import atomic_write_text

__all__ = ["SCHEMA_VERSION", "check_result", "read_result", "write_result"]

#: Version of the stored result's layout (bump when a record's keys change meaning).
SCHEMA_VERSION = 1

_NUMBERS = ("target_duration_s", "duration_s", "distance_m", "ascent_m", "trail_share")
_TEXTS = ("id", "trailhead", "kind", "gpx", "gpx_text")
_SERIES = ("lon", "lat", "ele", "dist_m")


def _canonical(result: Mapping[str, Any]) -> str:
    return json.dumps(result, sort_keys=True, separators=(",", ":"), allow_nan=False)


def _digest(task: str, text: str) -> str:
    return hashlib.sha256(f"{task}\x1f{text}".encode()).hexdigest()


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _check_route(rec: Any) -> str | None:
    if not isinstance(rec, dict):
        return "a route is not an object"
    for key in _TEXTS:
        if not isinstance(rec.get(key), str):
            return f"route {key} is missing or not text"
    for key in _NUMBERS:
        if not _number(rec.get(key)) or rec[key] < 0:
            return f"route {rec['id']}: {key} is missing or not a number >= 0"
    if rec["target_duration_s"] <= 0 or rec["duration_s"] <= 0:
        return f"route {rec['id']}: durations must be positive"
    series = [rec.get(key) for key in _SERIES]
    if not all(isinstance(s, list) and all(_number(v) for v in s) for s in series):
        return f"route {rec['id']}: its geometry is not lists of numbers"
    if len({len(s) for s in series}) != 1:  # type: ignore[arg-type]
        return f"route {rec['id']}: its geometry's lists differ in length"
    if not isinstance(rec.get("meets_brief"), bool) or not isinstance(rec.get("misses"), list):
        return f"route {rec['id']}: meets_brief or misses is missing"
    return None


def check_result(result: Any) -> str | None:
    """Return what is wrong with a task result's shape, or None if it is well formed."""
    if not isinstance(result, dict) or set(result) != {"routes", "failures"}:
        return "not an object with routes and failures"
    if not isinstance(result["routes"], list) or not isinstance(result["failures"], list):
        return "routes or failures is not a list"
    if not all(
        isinstance(f, dict) and isinstance(f.get("reason"), str) for f in result["failures"]
    ):
        return "a failure has no reason"
    for rec in result["routes"]:
        problem = _check_route(rec)
        if problem is not None:
            return problem
    return None


def write_result(path: Path, task: str, result: Mapping[str, Any]) -> None:
    """Write a task's result in its envelope, atomically."""
    text = _canonical(result)
    envelope = (
        f'{{"digest":"{_digest(task, text)}","result":{text},'
        f'"schema":{SCHEMA_VERSION},"task":{json.dumps(task)}}}'
    )
    atomic_write_text(path, envelope)


def read_result(path: Path, task: str) -> tuple[dict[str, Any] | None, str | None]:
    """Read a stored result: ``(result, None)``, or ``(None, why it cannot be used)``.

    A missing file gives ``(None, None)``: not damaged, only not computed yet.
    """
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None, None
    except OSError as exc:
        return None, f"unreadable ({exc.strerror or exc})"
    try:
        doc = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None, "not JSON"
    if not isinstance(doc, dict) or doc.get("schema") != SCHEMA_VERSION:
        return None, "not a result of this version"
    if doc.get("task") != task:
        return None, "the result of another task"
    result = doc.get("result")
    problem = check_result(result)
    if problem is not None or not isinstance(result, dict):
        return None, problem
    if doc.get("digest") != _digest(task, _canonical(result)):
        return None, "its contents do not match their digest"
    return result, None
