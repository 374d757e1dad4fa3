"""Analyse many stored photos, on every core: the embedding network holds Python's lock, so threads don't help.

One selfie costs about 0.1-0.15 s on one core of the reference machine, nearly all of it dlib's ResNet
embedding, which never releases the GIL. A day's 300 selfies therefore run in worker *processes* (spawned,
so the same code works in the Windows build and beside Qt's threads) when there are at least
``POOL_MIN_PHOTOS`` of them; fewer run in the calling thread, where starting workers would cost more than it
saves. ``PRESENSI_SELFIE_WORKERS`` sets the number of workers (1 = never start any).
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from services.jobs import NEVER_CANCELLED, CancelToken
from services.selfie.checks import ImageMetrics, analyse, decode
from services.selfie.exif import PhotoExif, read_exif

POOL_MIN_PHOTOS = 24
MAX_WORKERS = 4


@dataclass
class FileResult:
    metrics: ImageMetrics | None = None
    problem: str | None = None  # "photo_missing" / "unreadable" when there are no metrics
    exif: PhotoExif = field(default_factory=PhotoExif)


def analyse_bytes(data: bytes) -> FileResult:
    """Size/pixel limits from the header, a reduced-size decode, the image checks and the EXIF block."""
    from services.selfie.photos import PhotoError, check_limits

    try:
        check_limits(data)
    except PhotoError:
        return FileResult(problem="unreadable")
    img = decode(data)
    if img is None:
        return FileResult(problem="unreadable")
    return FileResult(metrics=analyse(img), exif=read_exif(data))


def analyse_file(path: str) -> FileResult:
    try:
        data = Path(path).read_bytes()
    except OSError:
        return FileResult(problem="photo_missing")
    return analyse_bytes(data)


def worker_count() -> int:
    env = os.environ.get("PRESENSI_SELFIE_WORKERS", "").strip()
    if env.isdigit():
        return max(1, int(env))
    return max(1, min(MAX_WORKERS, os.cpu_count() or 1))


def _init_worker() -> None:
    from services.selfie.faces import warm_up

    warm_up()


def analyse_files(
    paths: Sequence[Path],
    *,
    workers: int | None = None,
    on_done: Callable[[int], None] | None = None,
    cancel: CancelToken = NEVER_CANCELLED,
) -> list[FileResult]:
    """FileResult of every path, in order; ``on_done(n)`` after each (n = how many are done)."""
    n_workers = worker_count() if workers is None else max(1, workers)
    results: list[FileResult] = []
    if n_workers == 1 or len(paths) < POOL_MIN_PHOTOS:
        for p in paths:
            cancel.raise_if_cancelled()
            results.append(analyse_file(str(p)))
            if on_done:
                on_done(len(results))
        return results
    ctx = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(max_workers=min(n_workers, len(paths)), mp_context=ctx, initializer=_init_worker)
    try:
        futures: list[Future[FileResult]] = [pool.submit(analyse_file, str(p)) for p in paths]
        for fut in futures:
            while True:
                cancel.raise_if_cancelled()
                try:
                    results.append(fut.result(timeout=0.2))
                    break
                except TimeoutError:
                    continue
            if on_done:
                on_done(len(results))
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    return results
