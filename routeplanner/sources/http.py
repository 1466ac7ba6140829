"""HTTP with limits: timeouts, an overall deadline, bounded retries, clear errors.

Every request has a connect and a read timeout.  An answer 429 (too many
requests) or 5xx is retried a bounded number of times, waiting as the server's
``Retry-After`` asks (capped) or with exponential backoff, and then reported as
a :class:`~routeplanner.errors.DownloadError` naming the server and the status.
A streamed download also has an overall deadline, so a server that trickles
bytes cannot hold a run forever.  :func:`osmnx_limits` applies the same rules to
the requests osmnx sends to Overpass and Nominatim (osmnx itself retries 429
forever), and turns an Overpass ``remark`` (a query that timed out or ran out
of memory, whose answer is incomplete) into an error.
"""

from __future__ import annotations

import contextlib
import email.utils
import hashlib
import json
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, BinaryIO
from urllib.parse import urlsplit

import requests

from routeplanner.errors import DownloadError
from routeplanner.units.settings import env_positive

__all__ = ["DEADLINE_ENV", "MAX_MB_ENV", "HttpLimits", "osmnx_limits", "request", "stream_to"]

#: Environment variable setting the overall deadline of one download, seconds.
DEADLINE_ENV = "ROUTEPLANNER_DOWNLOAD_DEADLINE_S"
#: Environment variable setting the largest download accepted, megabytes.
MAX_MB_ENV = "ROUTEPLANNER_DOWNLOAD_MAX_MB"

log = logging.getLogger(__name__)

_USER_AGENT = "routeplanner (trail-running route planner; python-requests)"


@dataclass(frozen=True)
class HttpLimits:
    """Timeouts and retries of one download.

    Attributes
    ----------
    connect_timeout_s, read_timeout_s : float
        Per request: to connect, and between two received pieces.
    deadline_s : float
        Longest a whole download (every attempt and wait) may take.
    attempts : int
        Requests at most for one answer (429 and 5xx answers are retried).
    backoff_s : float
        First wait between attempts when the server names none; doubles each time.
    max_wait_s : float
        Longest single wait, even if ``Retry-After`` asks for more.
    max_bytes : int
        Largest body accepted, announced or not: a stream with no length that
        passes it is cut off, so a server cannot fill the disk.
    """

    connect_timeout_s: float = 15.0
    read_timeout_s: float = 60.0
    deadline_s: float = 600.0
    attempts: int = 4
    backoff_s: float = 2.0
    max_wait_s: float = 60.0
    max_bytes: int = 20 * 10**9

    @classmethod
    def from_env(cls, **defaults: Any) -> HttpLimits:
        """Limits from ``defaults``, with the deadline and size cap the user set.

        ``$ROUTEPLANNER_DOWNLOAD_DEADLINE_S`` (seconds per download) and
        ``$ROUTEPLANNER_DOWNLOAD_MAX_MB`` (megabytes per download) override both.

        Raises
        ------
        InputError
            If either variable is not a positive number.
        """
        values = dict(defaults)
        deadline = env_positive(DEADLINE_ENV, 0.0)
        if deadline:
            values["deadline_s"] = deadline
        max_mb = env_positive(MAX_MB_ENV, 0.0)
        if max_mb:
            values["max_bytes"] = int(max_mb * 1e6)
        return cls(**values)


def _host(url: str) -> str:
    return urlsplit(url).netloc or url


def _retry_after_s(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


def request(
    method: str,
    url: str,
    *,
    limits: HttpLimits = HttpLimits(),
    sleep: Callable[[float], None] | None = None,
    **kwargs: Any,
) -> requests.Response:
    """Send a request, retrying 429 and 5xx answers within the limits.

    Parameters
    ----------
    method, url
        As for :func:`requests.request`.
    limits
        Timeouts, attempts and waits.
    sleep
        Waits between attempts (default :func:`time.sleep`).
    **kwargs
        Passed to :func:`requests.request` (``timeout`` is set from ``limits``).

    Returns
    -------
    requests.Response
        An answer that is neither 429 nor 5xx (other errors are the caller's).

    Raises
    ------
    DownloadError
        If the server cannot be reached, or still answers 429/5xx after the
        last attempt or when waiting would pass the deadline.
    """
    start = time.monotonic()
    kwargs["timeout"] = (limits.connect_timeout_s, limits.read_timeout_s)
    kwargs.setdefault("headers", {}).setdefault("User-Agent", _USER_AGENT)
    host = _host(url)
    for attempt in range(1, limits.attempts + 1):
        try:
            response = requests.request(method, url, **kwargs)
        except requests.RequestException as exc:
            raise DownloadError(
                f"download failed: {url}: {host} could not be reached ({_one_line(exc)})"
            ) from exc
        status = response.status_code
        if status != 429 and status < 500:
            return response
        wait = _retry_after_s(response)
        wait = min(
            limits.max_wait_s, wait if wait is not None else limits.backoff_s * 2 ** (attempt - 1)
        )
        response.close()
        left = limits.deadline_s - (time.monotonic() - start)
        if attempt == limits.attempts or wait > left:
            raise DownloadError(
                f"download failed: {url}: HTTP {status} {response.reason or ''} from {host} "
                f"after {attempt} attempt(s); giving up (try again later)"
            )
        log.warning(
            "%s answered HTTP %d; retrying in %.0f s (attempt %d of %d)",
            host,
            status,
            wait,
            attempt + 1,
            limits.attempts,
        )
        (sleep or time.sleep)(wait)
    raise AssertionError("unreachable")  # pragma: no cover


def _one_line(text: object, limit: int = 300) -> str:
    line = " ".join(str(text).split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def stream_to(
    url: str,
    fh: BinaryIO,
    *,
    limits: HttpLimits = HttpLimits(),
    progress: Callable[[int, int], None] | None = None,
) -> str:
    """Write the body of ``url`` to ``fh`` within the limits; return its SHA-256.

    Parameters
    ----------
    url
        The file's address.
    fh
        Binary file to write to.
    limits
        Timeouts, retries and the overall deadline.
    progress
        Called as ``progress(done_bytes, total_bytes)`` (total 0 if unknown).

    Returns
    -------
    str
        SHA-256 of the body, hex.

    Raises
    ------
    DownloadError
        On a connection failure, an HTTP error, or the deadline passing.
    """
    from routeplanner.sources.download import HTTPStatusError

    start = time.monotonic()
    digest = hashlib.sha256()
    response = request("GET", url, limits=limits, stream=True)
    with response:
        if response.status_code >= 400:
            raise HTTPStatusError(
                f"download failed: {url}: HTTP {response.status_code} {response.reason}",
                url=url,
                status=response.status_code,
            )
        total = int(response.headers.get("Content-Length") or 0)
        _check_size(url, total, limits, announced=True)
        done = 0
        for chunk in _chunks(response, url, start, limits):
            fh.write(chunk)
            digest.update(chunk)
            done += len(chunk)
            if progress is not None:
                progress(done, total)
    return digest.hexdigest()


def _check_size(url: str, size: int, limits: HttpLimits, *, announced: bool) -> None:
    if size <= limits.max_bytes:
        return
    cap = f"{limits.max_bytes / 1e6:.1f} MB"
    if announced:
        raise DownloadError(
            f"download refused: {url} announces {size} bytes, over the size limit of {cap} "
            f"(set {MAX_MB_ENV} to allow more)"
        )
    raise DownloadError(
        f"download stopped: {url} sent more than {limits.max_bytes} bytes, over the size "
        f"limit of {cap} (set {MAX_MB_ENV} to allow more)"
    )


def _chunks(
    response: requests.Response, url: str, start: float, limits: HttpLimits
) -> Iterator[bytes]:
    """Pieces of a streamed body as they arrive, within the deadline and the size cap."""
    done = 0
    try:
        while True:
            # read1 returns what has arrived (up to 64 KiB) instead of waiting for all
            chunk = response.raw.read1(1 << 16, decode_content=True)
            if not chunk:
                return
            done += len(chunk)
            _check_size(url, done, limits, announced=False)
            if time.monotonic() - start > limits.deadline_s:
                raise DownloadError(
                    f"download from {_host(url)} stopped: {done} bytes in "
                    f"{limits.deadline_s:g} s, over the deadline ({url}; set "
                    f"{DEADLINE_ENV} to allow longer)"
                )
            yield chunk
    except DownloadError:
        raise
    except Exception as exc:  # requests' and urllib3's errors, OSError …
        raise DownloadError(f"download failed: {url}: {_one_line(exc)}") from exc


def _describe_non_json(body: bytes) -> str:
    head = body.lstrip()[:1]
    if head == b"<":
        return "an HTML page"
    if head in (b"{", b"["):
        return "truncated JSON"
    return "not JSON"


class _LimitedRequests:
    """Stand-in for the ``requests`` module inside osmnx: limits, no endless retries."""

    def __init__(self, limits: HttpLimits) -> None:
        self._limits = limits

    def __getattr__(self, name: str) -> Any:
        return getattr(requests, name)

    def _send(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        kwargs.pop("timeout", None)
        kwargs["stream"] = True
        start = time.monotonic()
        response = request(method, url, limits=self._limits, **kwargs)
        with response:
            _check_size(
                url, int(response.headers.get("Content-Length") or 0), self._limits, announced=True
            )
            body = b"".join(_chunks(response, url, start, self._limits))
        # Read here, within the deadline and size cap; osmnx then reads _content.
        response._content = body
        response._content_consumed = True  # type: ignore[attr-defined]
        if response.ok:
            try:
                doc = json.loads(body)
            except ValueError:
                raise DownloadError(
                    f"the answer from {_host(url)} is {_describe_non_json(body)} "
                    f"({len(body)} bytes, starting {body[:60]!r}), not the JSON asked for; "
                    "the server may be failing: try again later"
                ) from None
            if isinstance(doc, dict) and doc.get("remark"):
                raise DownloadError(
                    f"{_host(url)} could not answer the query: {_one_line(doc['remark'])} "
                    "(the area may be too large or the server busy; try a smaller area or later)"
                )
        return response

    def get(self, url: str, **kwargs: Any) -> requests.Response:
        return self._send("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> requests.Response:
        return self._send("POST", url, **kwargs)


@contextlib.contextmanager
def osmnx_limits(limits: HttpLimits = HttpLimits()) -> Iterator[None]:
    """Apply ``limits`` (and remark checks) to osmnx's Overpass and Nominatim requests."""
    from osmnx import _nominatim, _overpass

    modules = (_overpass, _nominatim)
    saved = [m.requests for m in modules]
    shim = _LimitedRequests(limits)
    for m in modules:
        m.requests = shim  # type: ignore[attr-defined]
    try:
        yield
    finally:
        for m, original in zip(modules, saved, strict=True):
            m.requests = original  # type: ignore[attr-defined]
