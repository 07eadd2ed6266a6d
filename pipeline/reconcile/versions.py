"""Versions of one paper: grouping the inputs that are one paper, and reducing their claims to one per statement."""

from __future__ import annotations

import re
import zlib
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import combinations

import numpy as np
from rapidfuzz import fuzz

from pipeline.model import BBox, Discrepancy, Document, PaperVersions
from pipeline.reconcile.blocking import Buckets, Clusters, signature, words
from pipeline.reconcile.cases import first_dnr
from pipeline.reconcile.claims import Claim
from pipeline.reconcile.findings import _fmt_value, _fv, make_finding
from pipeline.rules import ChecksRules, VersionsCheck


def _flat_text(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _quality(doc: Document) -> tuple[float, float, str]:
    """Sort key: text layers before damaged layers before OCR, then higher confidence (the mean of
    each line's least sure word: the same on a document held by lines), then id."""
    kind_rank = {"text": 0.0, "damaged_text": 1.0, "ocr": 2.0}
    pages = doc.pages or ()
    rank = sum(kind_rank.get(p.kind, 3.0) for p in pages) / max(len(pages), 1)
    lines = [min(w.confidence for w in words) for _, _, words in doc.lines()]
    conf = sum(lines) / len(lines) if lines else 0.0
    return (rank, -conf, doc.doc_id)


@dataclass(frozen=True)
class VersionText:
    """What grouping versions reads of one input: its pages' text, its Dnr and how good a source it
    is. The batch stage holds one per input of the store until versions are grouped, so the
    document itself can go."""

    doc_id: str
    quality: tuple[float, float, str]
    dnr: str | None
    packed_text: bytes
    """`text`, UTF-8 and zlib-compressed: a third of its size, and a text is read again only for the
    few pairs of inputs that may be one paper (live, the texts were most of what the batch stage
    held: 8.8 KB a generated paper)."""
    page_spans: tuple[tuple[int, int], ...]
    """Where each page's text stands in `text` (an empty page: an empty span): the text held once."""
    signature: bytes
    """The MinHash signature of the text's words (`blocking.signature`), made where the document is read."""
    page_signatures: tuple[bytes, ...]
    """Each page's (b"" for an empty page; a lone page's is the text's own object)."""

    @classmethod
    def of(cls, doc: Document) -> VersionText:
        pages = [_flat_text(t) for t in doc.text().split("\f")]
        spans, at = [], 0
        for page in pages:
            spans.append((at, at + len(page)))
            at += len(page) + 1 if page else 0
        text = " ".join(t for t in pages if t)
        whole = signature(words(text))
        return cls(doc.doc_id, _quality(doc), first_dnr(doc), zlib.compress(text.encode("utf-8"), 1), tuple(spans), whole,
                   tuple(whole if page == text else signature(words(page)) for page in pages))

    @property
    def text(self) -> str:
        """The whole repaired text, whitespace folded: the non-empty pages joined by a space."""
        return zlib.decompress(self.packed_text).decode("utf-8")

    def pages_in(self, text: str) -> tuple[str, ...]:
        """Each page's repaired text, whitespace folded: its part of `text`, this input's `text`
        unpacked once by the caller (a pair's texts are read again for the next pair)."""
        return tuple(text[start:end] for start, end in self.page_spans)


def group_versions(inputs: Sequence[VersionText], rule: VersionsCheck, *, exhaustive: bool = False) -> list[PaperVersions]:
    """Group inputs that are versions of one paper.

    Two inputs are full versions when the rapidfuzz token_sort_ratio of their repaired texts
    reaches `rule.min_similarity` (token order tolerates the different reading order of tables
    in a text layer and in OCR) and they do not state different Dnr. An input with fewer pages is a partial version of a paper when
    each of its pages reaches `rule.min_page_similarity` against some page of that paper.

    Only candidate pairs (blocking.py: MinHash LSH, split by Dnr) are compared, and a pair
    already in one group is not compared again, so the work grows with the batch, not with its
    square; `exhaustive` compares every pair (the tests' oracle: the same result).

    Returns:
        Papers sorted by primary doc_id; the primary (best text source) first in `versions`.
    """
    versions = {v.doc_id: v for v in inputs}
    ids = sorted(versions)
    empty = {i for i in ids if all(end == start for start, end in versions[i].page_spans)}

    @lru_cache(maxsize=256)  # a pair's texts are read again for the next pair of its block
    def text(doc_id: str) -> str:
        return versions[doc_id].text

    def pages_of(doc_id: str) -> list[str]:
        """The input's non-empty pages."""
        return [page for page in versions[doc_id].pages_in(text(doc_id)) if page]

    clusters = Clusters(ids)
    find = clusters.find

    quality = {v.doc_id: v.quality for v in inputs}
    dnr = {v.doc_id: v.dnr for v in inputs}

    def score(a: str, b: str) -> float:
        """token_sort_ratio of two inputs if it reaches the rule and they may be one paper, else 0."""
        if a in empty or b in empty or (dnr[a] and dnr[b] and dnr[a] != dnr[b]):
            return 0.0  # next year's paper of a yearly matter reads almost the same, under a new Dnr
        ta, tb = text(a), text(b)
        if min(len(ta), len(tb)) / max(len(ta), len(tb)) < rule.min_similarity / 100 - 0.05:
            return 0.0
        return fuzz.token_sort_ratio(ta, tb, score_cutoff=rule.min_similarity)

    pairs = combinations(ids, 2) if exhaustive else Buckets([versions[i].signature for i in ids]).pairs(ids, dnr)
    for a, b in pairs:
        if find(a) != find(b) and score(a, b):
            clusters.join(a, b)

    groups: dict[str, list[str]] = {}
    for i in ids:
        groups.setdefault(find(i), []).append(i)
    # partial versions: a group of one, with fewer pages than some other paper
    partial_of: dict[str, tuple[str, float]] = {}
    singles = [g[0] for g in groups.values() if len(g) == 1 and g[0] not in empty]
    pages = None if exhaustive else _Pages(versions, ids, dnr)
    for s in singles:
        s_pages = pages_of(s)
        best: tuple[float, str] | None = None
        for other in ids if pages is None else pages.holding_every_page(s):
            if other == s or find(other) == s or len(versions[other].page_spans) <= len(s_pages) or (dnr[s] and dnr[other] and dnr[s] != dnr[other]):
                continue
            other_pages = pages_of(other)
            scores = []
            for sp in s_pages:
                scores.append(max((fuzz.token_sort_ratio(sp, op) for op in other_pages), default=0.0))
            worst = min(scores)
            if worst >= rule.min_page_similarity and (best is None or (worst, other) > best):
                best = (worst, other)
        if best is not None:
            partial_of[s] = (best[1], round(best[0], 1))

    papers: list[PaperVersions] = []
    for members in groups.values():
        if len(members) == 1 and members[0] in partial_of:
            continue
        ordered = sorted(members, key=quality.__getitem__)
        primary = ordered[0]
        partial = sorted((s for s, (o, _) in partial_of.items() if find(o) == find(primary)), key=quality.__getitem__)
        similarity = {i: round(score(primary, i), 1) or 100.0 if i != primary else 100.0 for i in ordered}
        similarity |= {s: partial_of[s][1] for s in partial}
        papers.append(PaperVersions(paper_id=primary, versions=tuple(ordered), partial=tuple(partial), similarity=similarity))
    return sorted(papers, key=lambda p: p.paper_id)


class _Pages:
    """Every non-empty page of every input in LSH buckets (`Buckets`), each page known by its input."""

    def __init__(self, versions: dict[str, VersionText], ids: list[str], dnr: dict[str, str | None]):
        self.ids = ids
        signatures: list[bytes] = []
        owners: list[int] = []
        self.pages_of: dict[str, list[int]] = {}
        for i, doc_id in enumerate(ids):
            v = versions[doc_id]
            self.pages_of[doc_id] = []
            for (start, end), page_signature in zip(v.page_spans, v.page_signatures, strict=True):
                if end > start:
                    self.pages_of[doc_id].append(len(signatures))
                    signatures.append(page_signature)
                    owners.append(i)
        self.buckets = Buckets(signatures)
        self.owners = np.array(owners, dtype=np.int64)
        labels = {label: n for n, label in enumerate(sorted({d for d in dnr.values() if d is not None}))}
        self.labels = np.array([labels.get(dnr[d], -1) for d in ids], dtype=np.int64)  # -1: no Dnr
        self.label_of = {d: labels.get(dnr[d], -1) for d in ids}

    def holding_every_page(self, doc_id: str) -> list[str]:
        """The inputs with a candidate page for every page of a short input (same Dnr or none, if it
        states one): the only ones it can be part of."""
        label = self.label_of[doc_id]
        found: np.ndarray | None = None
        for page in self.pages_of[doc_id]:
            near = np.unique(self.owners[self.buckets.near(page)])
            if label >= 0:
                near = near[(self.labels[near] == label) | (self.labels[near] < 0)]
            found = near if found is None else np.intersect1d(found, near)
            if not len(found):
                return []
        return [self.ids[i] for i in found] if found is not None else []


Spot = tuple[int, BBox | None]
"""Where a claim was read: its page and box."""


def _spot(c: Claim) -> Spot:
    """Where `c` was read: its evidence is read back from disk, so once per claim."""
    ev = c.evidence
    return ev.page, ev.bbox


def _near(a: Claim, b: Claim, where: dict[int, Spot], tol: float) -> float | None:
    """Distance of two claims on the page (PDF points), or None if they cannot be the same
    statement; `where` holds each claim's spot by its id."""
    (a_page, a_box), (b_page, b_box) = where[id(a)], where[id(b)]
    if a_box is None or b_box is None:
        return 0.0 if a.ordinal == b.ordinal else None
    if a_page != b_page:
        return None
    dy = abs(a_box.top - b_box.top)
    dx = abs(a_box.x0 - b_box.x0)
    if dy > tol:
        return None
    if dx <= 4 * tol:
        return dy + dx / 4
    # The same value on the same row: a scan may split the row into cells differently.
    return dy + tol if a.value == b.value else None


def _same_statements(claims: list[Claim], tol: float) -> list[list[Claim]]:
    """`claims` (of one field, in version order) in clusters of one statement: each joins the
    nearest cluster that holds no claim of its own version, or starts one."""
    where = {id(c): _spot(c) for c in claims}
    clusters: list[list[Claim]] = []
    for c in claims:
        best: tuple[float, int] | None = None
        for i, cl in enumerate(clusters):
            if any(x.doc_id == c.doc_id for x in cl):
                continue
            d = _near(cl[0], c, where, tol)
            if d is not None and (best is None or d < best[0]):
                best = (d, i)
        if best is None:
            clusters.append([c])
        else:
            clusters[best[1]].append(c)
    return clusters


def consolidate(claims: list[Claim], papers: list[PaperVersions], checks: ChecksRules,
                found: Callable[[Discrepancy], object]) -> tuple[list[Claim], list[str]]:
    """Reduce each paper's versions to one claim per statement.

    Claims of one field in different versions are the same statement when they stand at the
    same place on the same page (within `align_tolerance_pt`; plain text: same ordinal), or
    read the same value on the same row.
    Versions that read it differently are an `ocr_disagreement` (majority wins, ties go to the
    best source), each handed to `found` as it is made (a large store's run to thousands, each with
    its values' evidence). A value that only one version, not the primary, reads is left out, with a note.
    """
    tol = checks.ocr_disagreement.align_tolerance_pt
    order = {d: i for p in papers for i, d in enumerate(p.versions + p.partial)}
    primary = {p.paper_id for p in papers}
    several = {p.paper_id for p in papers if len(p.versions) + len(p.partial) > 1}
    groups: dict[tuple, list[Claim]] = {}
    for c in claims:
        groups.setdefault((c.paper_id, c.key, c.field, c.qualifier, c.cell), []).append(c)
    out: list[Claim] = []
    notes: list[str] = []
    for gkey in sorted(groups, key=lambda k: tuple(str(x) for x in k)):
        group = sorted(groups[gkey], key=lambda c: (order.get(c.doc_id, 99), c.ordinal))
        if len({c.doc_id for c in group}) == 1:  # one version's claims never join each other
            clusters = [[c] for c in group]
        else:
            clusters = _same_statements(group, tol)
        kept_values = set()
        multi = gkey[0].split("#")[0] in several
        for cl in clusters:
            if len(cl) == 1 and cl[0].doc_id not in primary and multi:
                continue  # a value only one non-primary version reads (noted below)
            counts = Counter(str(c.value) for c in cl)
            top = max(counts.values())
            chosen = next(c for c in cl if counts[str(c.value)] == top)
            out.append(chosen)
            kept_values.add(str(chosen.value))
            if len(counts) > 1:
                paper_id, key, fieldname = gkey[:3]
                explanation = (
                    f"Versions of one paper read {fieldname.split(':', 1)[1]} differently: "
                    + "; ".join(f"{_fmt_value(fieldname, c.value)} in {c.doc_id[:12]} (p. {c.evidence.page}, read “{c.evidence.text_as_scanned}”)" for c in cl)
                    + f". Taken as {_fmt_value(fieldname, chosen.value)} (majority, then best source)."
                )
                found(make_finding("ocr_disagreement", "ocr_disagreement", checks.ocr_disagreement.severity, key, fieldname,
                                   [_fv(c) for c in cl], explanation, {"paper_id": paper_id, "chosen": str(chosen.value)}))
        for cl in clusters:
            c = cl[0]
            if len(cl) == 1 and c.doc_id not in primary and multi and str(c.value) not in kept_values:
                notes.append(f"{c.doc_id[:12]} p{c.evidence.page}: only this version reads {c.field} = {c.value} here; not confirmed, left out")
    return out, notes
