"""Papers bound into one document: where each starts, its title and its Dnr.

Archives bind several papers into one PDF. Only a page's top block (its first lines) is
read, because that is where a paper announces itself: a paper-type heading, a page
numbering, a `§ N  Dnr …` line. A page starts a new paper when its top block shows a new
paper's header (rules/papers.yaml says what counts); otherwise it continues the current
paper. The split is conservative: a page with the current paper's Dnr, its numbering running
on and no heading of another kind always continues it, since a wrong split cuts a paper's
facts apart while a missed one only leaves two papers together.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, replace
from functools import lru_cache

from pipeline.facts.ids import clean_dnr
from pipeline.facts.text import fold
from pipeline.model import Document, PaperSpan
from pipeline.rules import PapersRules, Rules

log = logging.getLogger(__name__)


@lru_cache(maxsize=256)
def _regex(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def _plain(folded: str) -> str:
    """Return folded text with punctuation dropped and spaces collapsed, for comparisons."""
    return " ".join(re.sub(r"[^\w]+", " ", folded).replace("_", " ").split())


@dataclass(frozen=True)
class _Numbering:
    page: int
    n: int
    of: int


@dataclass(frozen=True)
class _Head:
    """What a page's top block says about the paper it belongs to."""

    kind: str | None
    numbering: _Numbering | None
    dnr: str | None  # the first Dnr on a header Dnr line
    end: int  # index of the first line after the header block


@dataclass(frozen=True)
class _Paper:
    """The paper being read: its first page and what later pages are compared with."""

    start: int
    kind: str | None
    dnr: str | None
    numbering: _Numbering | None  # of the paper's last numbered page


def _heading_kind(text: str, rules: PapersRules) -> str | None:
    """Return the kind of paper a line's heading names, or None if the line shows no heading.

    A heading counts written in capitals anywhere in the line (a letterhead), or as the whole
    line once numbering and dates are removed; a longer line is a title or prose.
    """
    capitals = _plain(fold(" ".join(w for w in text.split() if w.isupper())))
    alone = fold(text)
    for pattern in (*rules.numbering, *rules.heading_noise):
        alone = _regex(pattern).sub(" ", alone)
    alone = _plain(alone)
    for kind in rules.kinds:
        for heading in kind.headings:
            wanted = _plain(fold(heading))
            if alone == wanted or re.search(rf"(?<!\w){re.escape(wanted)}(?!\w)", capitals):
                return kind.kind
    return None


def _page_numbering(text: str, page: int, rules: PapersRules) -> _Numbering | None:
    """Return the page numbering a line shows ("7 (37)", "Sida 1 av 3"), or None."""
    folded = fold(text)
    for pattern in rules.numbering:
        for match in _regex(pattern).finditer(folded):
            n, of = int(match["n"]), int(match["of"])
            if 1 <= n <= of:
                return _Numbering(page, n, of)
    return None


def _find_dnr(text: str, rules: PapersRules) -> str | None:
    """Return the first labelled Dnr in a line, as written (spaces collapsed, a series letter a scan read as
    a digit read back: `ids.clean_dnr`), or None."""
    match = _regex(rules.dnr).search(fold(text))
    return clean_dnr(" ".join(text[match.start("dnr") : match.end("dnr")].split())) if match else None


def _dnr_key(dnr: str) -> str:
    """Return a Dnr's comparable form: "KS 2024/123" and "ks-2024-123" are one Dnr."""
    parts = re.findall(r"[a-z]+|\d+", fold(dnr))
    return "-".join(part.lstrip("0") or "0" if part.isdigit() else part for part in parts)


def _head(page: int, lines: list[str], rules: PapersRules) -> _Head:
    """Read a page's top block: its first heading, numbering and header Dnr, and where it ends."""
    kind = numbering = dnr = None
    end = 0
    for index, text in enumerate(lines[: rules.top_lines]):
        line_kind = _heading_kind(text, rules)
        line_numbering = _page_numbering(text, page, rules)
        line_dnr = _find_dnr(text, rules) if len(text.split()) <= rules.dnr_line_max_words else None
        kind = kind or line_kind
        numbering = numbering or line_numbering
        dnr = dnr or line_dnr
        if line_kind or line_numbering or line_dnr:
            end = index + 1
    return _Head(kind, numbering, dnr, end)


def _continues(numbering: _Numbering, paper: _Paper) -> bool:
    """Whether a page's numbering runs on from the paper's (or from its first page if unnumbered)."""
    if paper.numbering is None:
        return numbering.n > 1 and numbering.n == numbering.page - paper.start + 1
    last = paper.numbering
    return numbering.of == last.of and numbering.n == last.n + numbering.page - last.page


def _new_paper(head: _Head, paper: _Paper) -> str | None:
    """Return why a page starts a new paper ('header', 'page_numbering', 'dnr'), or None."""
    numbering = head.numbering
    if head.kind is not None and head.kind != paper.kind:
        if not (paper.kind is None and numbering is not None and _continues(numbering, paper)):
            return "header"
    if numbering is not None and (
        numbering.n == 1
        or (paper.numbering is not None and numbering.of != paper.numbering.of and not _continues(numbering, paper))
    ):
        return "page_numbering"
    if head.dnr is not None and paper.dnr is not None and _dnr_key(head.dnr) != _dnr_key(paper.dnr):
        return "dnr"
    return None


def _title(lines: list[str], head: _Head, rules: PapersRules) -> str | None:
    """Return the first line after the header block with enough words to be a title (a labelled
    field, "Handläggare: …", is none)."""
    for text in lines[head.end :]:
        tokens = text.split()
        if len(tokens) >= rules.title_min_words and any(c.isalpha() for c in text) and not _regex(rules.header_field).search(fold(text)):
            return text
    return None


def split_papers(doc: Document, rules: Rules) -> Document:
    """Fill `doc.papers` with the papers the document holds, in page order.

    Args:
        doc: a document after segment (words carry their line numbers).
        rules: validated rules; `rules.papers` says what a new paper's header looks like.

    Returns:
        A copy of `doc` whose papers cover every page: one span for a single paper.
    """
    by_page: dict[int, list[str]] = {page.number: [] for page in doc.pages}
    for page_no, _, words in doc.lines():
        by_page[page_no].append(" ".join(w.text for w in words))
    paper: _Paper | None = None
    spans: list[PaperSpan] = []
    for page_no, lines in by_page.items():
        head = _head(page_no, lines, rules.papers)
        reason = "first_page" if paper is None else _new_paper(head, paper)
        if reason is not None:
            paper = _Paper(page_no, head.kind, head.dnr, head.numbering)
            dnr = next((d for d in (_find_dnr(text, rules.papers) for text in lines) if d), None)
            spans.append(PaperSpan(page_start=page_no, page_end=page_no, title=_title(lines, head, rules.papers),
                                   dnr=dnr, reason=reason))
        else:
            assert paper is not None
            paper = replace(paper, dnr=paper.dnr or head.dnr, numbering=head.numbering or paper.numbering)
            spans[-1] = spans[-1].model_copy(update={"page_end": page_no})
    log.debug("%s: %d papers", doc.doc_id[:12], len(spans))
    return doc.model_copy(update={"papers": tuple(spans)})
