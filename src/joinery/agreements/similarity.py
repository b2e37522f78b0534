"""The cut-and-paste warning: which other agreements share much of this draft's text.

Seed 003 warns that re-hashing agreements made for other partnerships "might be tempting, but
is not advisable". This module tells the drafting lead, as advice and never as a block, when a
draft is largely the same as another agreement anywhere in the instance.

How (see docs/adr/0006):

- Only clause *bodies* count: template headings and guidance are the same for everyone.
  Each body becomes a set of 5-word shingles (lower-cased words, punctuation and Markdown
  dropped); bodies shorter than five words contribute nothing.
- Each agreement's shingles are summarised by a datasketch MinHash (128 permutations),
  stored in `SimilarityFingerprint.minhash` by `update_fingerprint`.
- A `MinHashLSH` index over every stored MinHash is kept in memory per process and brought
  up to date from the database when the fingerprints' count or latest `updated_at` changes
  (one aggregate query per check; changed rows are re-inserted, deleted ones removed).
- The LSH returns a few candidates; their score is then computed *exactly* from their
  clause texts: the share of this draft's shingles found in the other agreement, and for each
  clause of the draft the clause of the other agreement that contains most of it.
"""

from __future__ import annotations

import datetime as dt
import re
import struct
import threading
import unicodedata
from collections import Counter
from dataclasses import dataclass, field

from django.db import DEFAULT_DB_ALIAS, transaction
from django.db.models import Count, Max

from .models import Agreement, Clause, SimilarityFingerprint

NUM_PERM = 128
SHINGLE_WORDS = 5
# LSH bands × rows per band. 20 bands of 2 rows make a candidate of 99.7% of agreements with
# Jaccard 0.5 (4 of 6 clauses pasted), 90% at 0.33 (half of this draft pasted from an agreement
# of the same length) and all but one in 150,000 at 0.67, while an unrelated agreement
# (Jaccard ≈ 0.05) is a candidate 5% of the time; the exact score decides what is reported.
# Fewer bands than datasketch's default for this threshold keep the cold build cheap.
LSH_PARAMS = (20, 2)
# A clause of the draft counts as shared when this much of it is in one clause of the other.
CLAUSE_THRESHOLD = 0.5
# How far into the past an incremental refresh looks, for transactions committed late.
_REFRESH_OVERLAP = dt.timedelta(minutes=2)
_MAGIC = b"JSM1"
_HEADER = struct.Struct("<4sI")  # magic, number of shingles

_WORD = re.compile(r"[^\W_]+", re.UNICODE)


@dataclass
class Match:
    agreement: Agreement
    score: float  # share of this draft's text found in `agreement`, 0..1
    shared_clauses: list[tuple[str, str, float]] = field(default_factory=list)  # (this, other, similarity)


# --- text → shingles → MinHash ----------------------------------------------------------------

def words(text: str) -> list[str]:
    return _WORD.findall(unicodedata.normalize("NFKC", text or "").casefold())


def shingles(text: str) -> set[str]:
    w = words(text)
    return {" ".join(w[i:i + SHINGLE_WORDS]) for i in range(len(w) - SHINGLE_WORDS + 1)}


def _minhash(shingle_set: set[str]):
    from datasketch import LeanMinHash, MinHash

    m = MinHash(num_perm=NUM_PERM)
    m.update_batch([s.encode("utf-8") for s in shingle_set])
    return LeanMinHash(m)


def serialise(minhash, size: int) -> bytes:
    buf = bytearray(minhash.bytesize())
    minhash.serialize(buf)
    return _HEADER.pack(_MAGIC, size) + bytes(buf)


def deserialise(blob: bytes):
    """(LeanMinHash, number of shingles) from a stored fingerprint."""
    from datasketch import LeanMinHash

    blob = bytes(blob)
    magic, size = _HEADER.unpack_from(blob)
    if magic != _MAGIC:
        raise ValueError("not a Joinery similarity fingerprint")
    return LeanMinHash.deserialize(blob[_HEADER.size:]), size


def _clause_texts(agreement_ids) -> dict[int, list[tuple[str, str]]]:
    """(heading, body) of each live clause, per agreement, in order: one query."""
    out: dict[int, list[tuple[str, str]]] = {}
    rows = (Clause.objects.filter(agreement_id__in=list(agreement_ids), deleted_at__isnull=True)
            .order_by("agreement_id", "position", "id").values_list("agreement_id", "heading", "body"))
    for aid, heading, body in rows:
        out.setdefault(aid, []).append((heading, body))
    return out


def fingerprint_for(clauses: list[tuple[str, str]]) -> tuple[bytes, int] | None:
    """The stored form for these clauses, or None when no clause has five words."""
    every = set().union(*(shingles(body) for _h, body in clauses)) if clauses else set()
    if not every:
        return None
    return serialise(_minhash(every), len(every)), len(every)


def update_fingerprint(agreement: Agreement) -> SimilarityFingerprint | None:
    """Recompute the agreement's stored MinHash from its live clause bodies (None if it has no text)."""
    result = fingerprint_for(_clause_texts([agreement.pk]).get(agreement.pk, []))
    if result is None:
        SimilarityFingerprint.objects.filter(agreement_id=agreement.pk).delete()
        return None
    fp, _created = SimilarityFingerprint.objects.update_or_create(agreement_id=agreement.pk,
                                                                   defaults={"minhash": result[0]})
    return fp


def rebuild_all(batch_size: int = 500) -> int:
    """Recompute every agreement's fingerprint (after an import or an upgrade). Returns how many are stored."""
    stored = 0
    ids = list(Agreement.objects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), batch_size):
        chunk = ids[start:start + batch_size]
        texts = _clause_texts(chunk)
        keep = []
        for aid in chunk:
            result = fingerprint_for(texts.get(aid, []))
            if result is not None:
                keep.append(SimilarityFingerprint(agreement_id=aid, minhash=result[0]))
        with transaction.atomic():
            SimilarityFingerprint.objects.filter(agreement_id__in=chunk).delete()
            SimilarityFingerprint.objects.bulk_create(keep)
        stored += len(keep)
    return stored


# --- the in-memory LSH index -------------------------------------------------------------------

@dataclass
class _Index:
    lsh: object
    minhashes: dict = field(default_factory=dict)  # agreement id → LeanMinHash
    sizes: dict = field(default_factory=dict)  # agreement id → number of shingles
    stamps: dict = field(default_factory=dict)  # agreement id → updated_at of the fingerprint indexed
    count: int = 0
    latest: dt.datetime | None = None


_indexes: dict[str, _Index] = {}
_lock = threading.RLock()


def _new_lsh():
    from datasketch import MinHashLSH

    return MinHashLSH(num_perm=NUM_PERM, params=LSH_PARAMS)


def _put(index: _Index, rows) -> None:
    """Insert (agreement id, blob, updated_at) rows, replacing what the index held for them."""
    for aid, blob, updated_at in rows:
        try:
            mh, size = deserialise(blob)
        except (ValueError, struct.error):
            continue
        if aid in index.minhashes:
            index.lsh.remove(aid)
        index.lsh.insert(aid, mh, check_duplication=False)
        index.minhashes[aid] = mh
        index.sizes[aid] = size
        index.stamps[aid] = updated_at


def _build(count: int, latest, using: str) -> _Index:
    index = _Index(lsh=_new_lsh(), count=count, latest=latest)
    rows = (SimilarityFingerprint.objects.using(using).order_by()
            .values_list("agreement_id", "minhash", "updated_at").iterator(chunk_size=2000))
    _put(index, rows)
    return index


def _index(using: str = DEFAULT_DB_ALIAS) -> _Index:
    """The LSH index of every stored fingerprint, brought up to date with one aggregate query."""
    agg = SimilarityFingerprint.objects.using(using).aggregate(n=Count("pk"), latest=Max("updated_at"))
    with _lock:
        index = _indexes.get(using)
        if index is not None and (index.count, index.latest) == (agg["n"], agg["latest"]):
            return index
        if index is not None and index.latest is not None and agg["latest"] is not None \
                and agg["latest"] >= index.latest:
            recent = (SimilarityFingerprint.objects.using(using)
                      .filter(updated_at__gte=index.latest - _REFRESH_OVERLAP).order_by()
                      .values_list("agreement_id", "updated_at"))
            changed = [aid for aid, stamp in recent if index.stamps.get(aid) != stamp]
            if changed:
                _put(index, SimilarityFingerprint.objects.using(using).filter(agreement_id__in=changed)
                     .values_list("agreement_id", "minhash", "updated_at"))
            if len(index.minhashes) > agg["n"]:  # some were deleted: drop them
                present = set(SimilarityFingerprint.objects.using(using).values_list("agreement_id", flat=True))
                for aid in set(index.minhashes) - present:
                    index.lsh.remove(aid)
                    del index.minhashes[aid], index.sizes[aid], index.stamps[aid]
            if len(index.minhashes) == agg["n"]:
                index.count, index.latest = agg["n"], agg["latest"]
                return index
        index = _build(agg["n"], agg["latest"], using)
        _indexes[using] = index
        return index


def reset_cache() -> None:
    with _lock:
        _indexes.clear()


# --- the check ---------------------------------------------------------------------------------

def _family(agreement: Agreement) -> set[int]:
    """The agreement, the agreements it varies (up the chain) and every variation of those."""
    root = agreement.pk
    parent = agreement.variation_of_id
    seen = {root}
    while parent and parent not in seen:
        seen.add(parent)
        root = parent
        parent = Agreement.objects.filter(pk=parent).values_list("variation_of_id", flat=True).first()
    family, frontier = {root} | seen, {root}
    while frontier:
        children = set(Agreement.objects.filter(variation_of_id__in=frontier).values_list("pk", flat=True)) - family
        family |= children
        frontier = children
    return family


def _containment_estimate(jaccard: float, mine: int, theirs: int) -> float:
    """|A∩B|/|A| from the Jaccard estimate and the two set sizes."""
    if mine == 0:
        return 0.0
    inter = jaccard * (mine + theirs) / (1 + jaccard)
    return min(1.0, inter / mine)


def similar_agreements(agreement: Agreement, limit: int = 5, threshold: float = 0.5) -> list[Match]:
    """Other agreements in the instance that contain at least `threshold` of this draft's text.

    Advice for the drafting lead, not a block. The caller decides how much of another
    partnership's agreement it may show (its title may be private to that partnership).
    """
    mine = [(heading, shingles(body)) for heading, body in _clause_texts([agreement.pk]).get(agreement.pk, [])]
    mine = [(h, s) for h, s in mine if s]
    every = set().union(*(s for _h, s in mine)) if mine else set()
    if not every:
        return []
    query = _minhash(every)
    family = _family(agreement)
    with _lock:  # another thread may be refreshing the index
        index = _index()
        candidates = set(index.lsh.query(query)) - family
        ranked = sorted(((_containment_estimate(query.jaccard(index.minhashes[c]), len(every), index.sizes[c]), c)
                         for c in candidates if c in index.minhashes), reverse=True)
    shortlist = [c for est, c in ranked if est >= threshold * 0.6][: max(limit * 4, 20)]
    if not shortlist:
        return []
    texts = _clause_texts(shortlist)
    matches: list[tuple[float, int, list]] = []
    for aid in shortlist:
        theirs = [(h, shingles(b)) for h, b in texts.get(aid, [])]
        theirs = [(h, s) for h, s in theirs if s]
        if not theirs:
            continue
        owners: dict[str, list[int]] = {}  # shingle → their clauses that contain it
        for j, (_h, t) in enumerate(theirs):
            for sh in t:
                owners.setdefault(sh, []).append(j)
        score = sum(1 for sh in every if sh in owners) / len(every)
        if score < threshold:
            continue
        shared = []
        for heading, s in mine:  # the clause of theirs that holds most of each of ours
            counts = Counter(j for sh in s for j in owners.get(sh, ()))
            if counts:
                j, hits = max(counts.items(), key=lambda kv: (kv[1], -kv[0]))
                if hits / len(s) >= CLAUSE_THRESHOLD:
                    shared.append((heading, theirs[j][0], round(hits / len(s), 3)))
        matches.append((score, aid, shared))
    matches.sort(key=lambda m: (-m[0], m[1]))
    matches = matches[:limit]
    agreements = Agreement.objects.select_related("partnership").in_bulk([aid for _s, aid, _sh in matches])
    return [Match(agreement=agreements[aid], score=round(score, 3), shared_clauses=shared)
            for score, aid, shared in matches if aid in agreements]
