"""Benchmark the cut-and-paste warning over a generated instance.

    .venv/bin/python bench/similarity.py --agreements 10000

Builds a throwaway SQLite database (or uses DATABASE_URL with --use-database-url), creates one
partnership, two organisations and a person through the services, then bulk-inserts N
agreements of synthetic clause text (1% of them pasting most of another) with their stored
MinHash fingerprints. It then times `similar_agreements` for a draft that pastes four clauses
of an existing agreement: cold (the index is built from the database), warm (median of several
runs), and after another agreement's fingerprint changed (incremental refresh).
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def setup_django(args) -> Path | None:
    tmp = None
    if not args.use_database_url:
        tmp = Path(tempfile.mkdtemp(prefix="joinery-bench-"))
        os.environ["DATABASE_URL"] = f"sqlite:///{tmp / 'bench.sqlite3'}"
        os.environ["JOINERY_VAR_DIR"] = str(tmp)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "joinery.settings.base")
    sys.path.insert(0, str(REPO / "src"))
    import django

    django.setup()
    return tmp


def vocabulary(rng: random.Random, size: int = 4000) -> list[str]:
    syllables = ["ka", "ro", "mi", "te", "sa", "lu", "ne", "po", "di", "ga", "vi", "shu", "an", "el", "or", "qua",
                 "bri", "sto", "fen", "dal"]
    words = set()
    while len(words) < size:
        words.add("".join(rng.choice(syllables) for _ in range(rng.randint(1, 4))))
    return sorted(words)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--agreements", type=int, default=10000)
    parser.add_argument("--clauses", type=int, default=6, help="clauses per agreement")
    parser.add_argument("--words", type=int, default=70, help="words per clause")
    parser.add_argument("--runs", type=int, default=9, help="warm runs (median reported)")
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--profile", action="store_true", help="print where the cold run spends its time")
    parser.add_argument("--use-database-url", action="store_true",
                        help="use the configured DATABASE_URL instead of a throwaway SQLite file")
    args = parser.parse_args()
    tmp = setup_django(args)

    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from joinery.accounts.models import Person
    from joinery.agreements import similarity
    from joinery.agreements.models import Agreement, AgreementStatus, Clause, SimilarityFingerprint
    from joinery.network import services as network
    from joinery.organisations.services import organisation_create

    t0 = time.perf_counter()
    call_command("migrate", verbosity=0)
    print(f"database: {connection.vendor} ({connection.settings_dict['NAME']}); migrated in "
          f"{time.perf_counter() - t0:.1f} s")

    rng = random.Random(args.seed)
    vocab = vocabulary(rng)
    weights = list(itertools.accumulate(1 / (i + 1) ** 0.8 for i in range(len(vocab))))  # Zipf-like

    def clause_text() -> str:
        return " ".join(rng.choices(vocab, cum_weights=weights, k=args.words)) + "."

    with transaction.atomic():
        person = Person.objects.create_user(email=f"bench{rng.randrange(10**9)}@example.org", password="x" * 16,
                                            full_name="Bench Person")
        city = organisation_create(actor=person, name="Bench Trust", sector="non_profit")
        charity = organisation_create(actor=person, first_admin=person, name="Bench Charity", sector="non_profit")
        partnership = network.partnership_create(actor=person, acting_for=city, name="Bench Partnership",
                                                 purpose="Benchmark")

    n, per = args.agreements, args.clauses
    headings = ["Purpose", "Roles", "Commitments", "Decision-making", "Information sharing", "Review",
                "Funding", "Disputes"]
    t0 = time.perf_counter()
    texts: list[list[str]] = []
    for i in range(n):
        if i > 10 and rng.random() < 0.01:  # a paste of most of an earlier agreement
            source = texts[rng.randrange(i)]
            body = [source[k] if k < per - 2 else clause_text() for k in range(per)]
        else:
            body = [clause_text() for _ in range(per)]
        texts.append(body)
    gen_s = time.perf_counter() - t0

    t0 = time.perf_counter()
    batch = 2000
    ids: list[int] = []
    with transaction.atomic():
        for start in range(0, n, batch):
            rows = [Agreement(partnership=partnership, title=f"Agreement {i}", kind="partnering", language="en",
                              drafting_lead=city, status=AgreementStatus.NEGOTIATING, created_by=person)
                    for i in range(start, min(n, start + batch))]
            ids.extend(a.pk for a in Agreement.objects.bulk_create(rows))
        if any(pk is None for pk in ids):  # backends that do not return ids from bulk inserts
            ids = list(Agreement.objects.order_by("pk").values_list("pk", flat=True))[-n:]
        clauses = [Clause(agreement_id=aid, position=(k + 1) * 10, heading=headings[k % len(headings)], body=body)
                   for aid, bodies in zip(ids, texts, strict=True) for k, body in enumerate(bodies)]
        Clause.objects.bulk_create(clauses, batch_size=5000)
    insert_s = time.perf_counter() - t0

    t0 = time.perf_counter()
    fingerprints = []
    for aid, bodies in zip(ids, texts, strict=True):
        blob, _size = similarity.fingerprint_for([(headings[k % len(headings)], b) for k, b in enumerate(bodies)])
        fingerprints.append(SimilarityFingerprint(agreement_id=aid, minhash=blob))
    fp_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    with transaction.atomic():
        SimilarityFingerprint.objects.bulk_create(fingerprints, batch_size=2000)
        # As in a live instance, most fingerprints were written long before the check.
        SimilarityFingerprint.objects.update(updated_at=timezone.now() - dt.timedelta(days=30))
    fp_insert_s = time.perf_counter() - t0
    print(f"generated {n} agreements × {per} clauses × {args.words} words in {gen_s:.1f} s; "
          f"inserted agreements and clauses in {insert_s:.1f} s")
    print(f"MinHash fingerprints: {fp_s:.1f} s ({1000 * fp_s / n:.2f} ms per agreement), "
          f"stored in {fp_insert_s:.1f} s")

    # The draft: four clauses pasted from one agreement, two written afresh.
    source_id = ids[n // 2]
    draft_bodies = texts[n // 2][:4] + [clause_text(), clause_text()]
    with transaction.atomic():
        draft = Agreement.objects.create(partnership=partnership, title="The draft", kind="partnering",
                                         language="en", drafting_lead=charity, created_by=person)
        Clause.objects.bulk_create([Clause(agreement=draft, position=(k + 1) * 10, heading=headings[k], body=b)
                                    for k, b in enumerate(draft_bodies)])
    similarity.update_fingerprint(draft)

    similarity.reset_cache()
    profiler = None
    if args.profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    t0 = time.perf_counter()
    matches = similarity.similar_agreements(draft)
    cold_ms = 1000 * (time.perf_counter() - t0)
    if profiler is not None:
        import pstats

        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
    if profiler is not None:
        profiler = cProfile.Profile()
        profiler.enable()
        similarity.similar_agreements(draft)
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(20)
    warm = []
    for _ in range(args.runs):
        t0 = time.perf_counter()
        similarity.similar_agreements(draft)
        warm.append(1000 * (time.perf_counter() - t0))
    after_change = []
    for k in range(max(3, args.runs // 3)):
        other = Agreement(pk=ids[k])
        Clause.objects.filter(agreement_id=ids[k], position=10).update(body=clause_text())
        similarity.update_fingerprint(other)
        t0 = time.perf_counter()
        similarity.similar_agreements(draft)
        after_change.append(1000 * (time.perf_counter() - t0))

    query = similarity._minhash(set().union(*(similarity.shingles(b) for b in draft_bodies)))
    candidates = len(similarity._index().lsh.query(query))
    found = [(m.agreement.pk, m.score, len(m.shared_clauses)) for m in matches]
    if source_id not in [pk for pk, _s, _k in found]:
        mh_source, _n = similarity.deserialise(SimilarityFingerprint.objects.get(agreement_id=source_id).minhash)
        print("MISSED the source: estimated Jaccard", query.jaccard(mh_source), "in index:",
              source_id in similarity._index().minhashes, "candidates:", similarity._index().lsh.query(query))
    print(f"draft pastes 4 of 6 clauses of agreement {source_id}; found: "
          + ", ".join(f"#{pk} score {score:.2f} ({k} shared clauses)" for pk, score, k in found))
    print(f"similar_agreements over {n + 1} agreements ({candidates} LSH candidates checked exactly):")
    print(f"  cold (index built from the database): {cold_ms:.0f} ms")
    print(f"  warm: median {statistics.median(warm):.1f} ms (min {min(warm):.1f}, max {max(warm):.1f}, "
          f"{args.runs} runs)")
    print(f"  after another agreement changed (incremental refresh): median {statistics.median(after_change):.1f} ms")
    if tmp is not None:
        for f in tmp.iterdir():
            f.unlink()
        tmp.rmdir()


if __name__ == "__main__":
    main()
