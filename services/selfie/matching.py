"""Is the face in a selfie the employee's? One decision rule for the import checks, the queue and the CLI.

The score is the Euclidean distance between two face embeddings (services/selfie/faces.py): 0 = the same
picture, below the threshold = the same person, above = probably someone else. The shipped threshold
(``DEFAULT_MATCH_MAX_DISTANCE``, also ``[selfie] match_max_distance`` in the policy presets) was chosen on a
public labelled photo set; how, and its accuracy, false-accept and false-reject rates: docs/SELFIE_MODEL.md.
A region overrides it in its own policy TOML.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from services.selfie.checks import ImageMetrics, analyse
from services.selfie.faces import face_distance

DEFAULT_MATCH_MAX_DISTANCE = 0.62  # docs/SELFIE_MODEL.md: middle of the error-free band on the shared set
CLEAR_MARGIN = 0.12  # this far below the threshold = "sangat mirip"
DOUBT_MARGIN = 0.08  # up to this far above = "meragukan"; beyond = "kemungkinan orang lain"


def score_words(distance: float | None, threshold: float = DEFAULT_MATCH_MAX_DISTANCE) -> str:
    """The distance said in words for the atasan."""
    if distance is None:
        return "tidak dapat dibandingkan"
    if distance <= threshold - CLEAR_MARGIN:
        return "sangat mirip"
    if distance < threshold:
        return "mirip"
    if distance < threshold + DOUBT_MARGIN:
        return "meragukan, mungkin orang lain"
    return "kemungkinan orang lain"


@dataclass(frozen=True)
class Match:
    """The closest of an employee's reference photos to one selfie."""

    distance: float | None
    threshold: float
    reference_id: int | None = None
    references: int = 0  # how many reference embeddings were compared

    @property
    def same_person(self) -> bool | None:
        return None if self.distance is None else self.distance < self.threshold

    @property
    def words(self) -> str:
        return score_words(self.distance, self.threshold)


def best_match(
    descriptor: np.ndarray | None,
    references: Iterable[tuple[int | None, np.ndarray]],
    threshold: float = DEFAULT_MATCH_MAX_DISTANCE,
) -> Match:
    """Compare a selfie's embedding with every (reference id, embedding); the nearest one decides."""
    refs = list(references)
    if descriptor is None or not refs:
        return Match(None, threshold, None, len(refs))
    best_id, best = min(((rid, face_distance(descriptor, emb)) for rid, emb in refs), key=lambda x: x[1])
    return Match(round(best, 4), threshold, best_id, len(refs))


@dataclass(frozen=True)
class Comparison:
    """`selfie-compare`: faces found in each photo and the decision on the biggest face of each."""

    reference_faces: int
    selfie_faces: int
    match: Match

    def as_dict(self) -> dict[str, object]:
        return {
            "reference_faces": self.reference_faces,
            "selfie_faces": self.selfie_faces,
            "distance": self.match.distance,
            "threshold": self.match.threshold,
            "same_person": self.match.same_person,
            "words": self.match.words,
        }


def compare_metrics(reference: ImageMetrics, selfie: ImageMetrics, threshold: float = DEFAULT_MATCH_MAX_DISTANCE) -> Comparison:
    refs = [(None, reference.descriptor)] if reference.descriptor is not None else []
    return Comparison(reference.faces, selfie.faces, best_match(selfie.descriptor, refs, threshold))


def compare_images(reference: np.ndarray, selfie: np.ndarray, threshold: float = DEFAULT_MATCH_MAX_DISTANCE) -> Comparison:
    """Analyse two decoded photos with the same code as the import checks and decide."""
    return compare_metrics(analyse(reference), analyse(selfie), threshold)
