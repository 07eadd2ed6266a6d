"""Named things: parties (organisations), municipal bodies, programmes and participant counts."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, replace

from pipeline.facts.organisations import (
    Mention,
    find_named_parties,
    find_shaped_organisations,
    is_org_word,
    municipal_genitive,
)
from pipeline.facts.text import SPACE, TextStream, Token, any_cue, fold
from pipeline.rules import FactsRules


def _strip(token: str) -> str:
    return token.strip(".,:;()\"”“'’!?")


def _capitalised(token: str) -> bool:
    return bool(token) and token[0].isupper()


NAME_WORDS_AFTER = 3
"""Capitalised words a name may run on with after its organisation word, on its line
("Hyresgästföreningen Region Västra Sverige")."""


def _heading_before(stream: TextStream, prev: Token, token: Token) -> bool:
    """Tell whether `prev` stands on a section's heading line above `token`'s line ("Ärendet" over
    "Föreningen har sedan 2019 …"), not in a name broken over two lines ("Ordförande Internationella
    / kvinnoförbundet i Linköping")."""
    if (prev.page, prev.word.line) == (token.page, token.word.line):
        return False
    return any((s.page_start, s.line_start) == (prev.page, prev.word.line) for s in stream.doc.sections)


def _genitive_at(text: str, end: int, stop: set[str]) -> bool:
    """Whether a name ending at `end` reads as a genitive: a noun in lower case follows it
    ("Stadsmissionens verksamhet"), not punctuation, a capitalised line or "för", "och" …
    ("Föreningen Ungdomens Hus för perioden": the s is the name's own)."""
    following = re.match(r"[ \t]*\n?[ \t]*([^\W\d_][\w-]*)", text[end : end + 40])
    return following is not None and following.group(1)[0].islower() and fold(following.group(1)) not in stop


def _degenitive(name: str) -> str:
    return name[:-1] if name.endswith("s") and not name.endswith("ss") else name


def find_parties(stream: TextStream, rules: FactsRules) -> list[Mention]:
    """Find organisation names: "<X>s kommun", capitalised names around an org-form word, known ones."""
    tokens = stream.tokens
    stop = {fold(w) for w in rules.name_stopwords}
    municipal_forms = {fold(w) for w in rules.municipal_forms}
    org_forms = {fold(w) for w in rules.org_forms}
    org_endings = tuple(sorted(org_forms))
    form_kinds = sorted(rules.org_form_kinds.items(), key=lambda form_kind: -len(form_kind[0]))  # longest first
    found: list[Mention] = []
    for i, token in enumerate(tokens):
        word = _strip(token.word.text)
        f = fold(word)
        base = f[:-1] if f.endswith("s") else f
        municipal = base in municipal_forms or f in municipal_forms
        if not (municipal or is_org_word(f, org_endings) or is_org_word(base, org_endings)):
            continue
        first = i
        if municipal:
            # "Linköpings kommun", "Region Östergötland"
            if base == "region" or f == "region":
                if i + 1 < len(tokens) and _capitalised(_strip(tokens[i + 1].word.text)):
                    name = f"Region {_strip(tokens[i + 1].word.text)}"
                    found.append(Mention(token.start, tokens[i + 1].end, name, True, "public_body"))
                continue
            if i == 0:
                continue
            place = _strip(tokens[i - 1].word.text)
            if not _capitalised(place) or fold(place) in stop or tokens[i - 1].word.text != place:
                continue
            found.append(Mention(tokens[i - 1].start, token.end, f"{municipal_genitive(place)} kommun", True,
                                 "municipality"))
            continue
        while first > 0 and i - first < 2:
            prev = tokens[first - 1].word.text
            if not _capitalised(prev) or fold(_strip(prev)) in stop or prev != _strip(prev) or re.search(r"\d", prev):
                break  # a stopword, punctuation or a code ("IF-2025-00342") is no part of a name
            if tokens[first - 1].word.block != tokens[first].word.block or _heading_before(stream, tokens[first - 1], tokens[first]):
                break  # a name does not run across a paragraph (or table cell) gap, nor up into a heading
            first -= 1
        if not _capitalised(_strip(tokens[first].word.text)):
            continue
        last = i
        purpose = _purpose_end(tokens, i, rules) if first == i and token.word.text == word else None
        if purpose is not None:
            last = purpose
        elif token.word.text == word:  # no punctuation after the org word: the name may go on
            j = i + 1
            while j < len(tokens) and j - i <= NAME_WORDS_AFTER and tokens[j].word.line == token.word.line:
                nxt = tokens[j].word.text
                if nxt == "i" and j + 1 < len(tokens) and _capitalised(tokens[j + 1].word.text):
                    last = j + 1  # its place ends it: "Hyresgästföreningen i Linköping", "Föreningen Fontänhuset i Norrköping"
                    break
                if not _capitalised(nxt) or fold(_strip(nxt)) in stop or nxt.isupper():
                    break
                last = j
                if nxt != _strip(nxt):
                    break
                j += 1
        if first == last == i and f in org_forms:
            continue  # a lone "Förening" / "Förbundet" is a word or a reference back, not a name
        words = [_strip(t.word.text) for t in tokens[first : last + 1]]
        if last == i and not is_org_word(fold(words[-1]), org_endings):  # "kvinnoföreningens" → "-en"
            words[-1] = _degenitive(words[-1])
        kind = _form_kind(fold(_strip(tokens[i].word.text)).rstrip("s"), form_kinds)
        found.append(Mention(tokens[first].start, tokens[last].end, " ".join(words), False, kind))
    shaped = [
        o if o.kind == "company" or not _genitive_at(stream.text, o.end, stop) else replace(o, name=_degenitive(o.name))
        for o in find_shaped_organisations(stream, rules) + find_named_parties(stream, rules)
    ]
    mentions = _longest(shaped + found)
    sentence_words = stop | {fold(w) for w in rules.name_purpose_stops}
    mentions = _longest(mentions + _last_of_a_list(stream.text, mentions, sentence_words))
    return [Mention(m.start, m.end, " ".join(m.name.split()), m.municipal, m.kind) for m in mentions]


_LIST_END = re.compile(r"(?:,[ \t]*|[ \t]+(?:och|samt)[ \t]+)"  # the list's last separator
                       r"(?P<name>[A-ZÅÄÖ][\wåäö]+(?:[ \t]+[a-zåäö]+)?)(?=[ \t]*(?:[.,;:)]|\n|$))")


def _last_of_a_list(text: str, mentions: list[Mention], stop: set[str]) -> list[Mention]:
    """A name that ends a list of two or more municipal units is one too, though no shape of its own
    marks it: "verksamheterna Vatten & Avlopp, Avfall & Återvinning och Kungsbacka bredband". Only a
    capitalised word with at most one lower-case word after it, ending the line or the clause, and no
    word of the sentence around it ("… och Kungsbacka ska" is no name)."""
    out: list[Mention] = []
    for before, last in zip(mentions, mentions[1:]):
        if not (before.kind == last.kind == "municipal_unit" and re.fullmatch(r",[ \t]*", text[before.end:last.start])):
            continue
        if (m := _LIST_END.match(text, last.end)) and not any(fold(w) in stop for w in m.group("name").split()):
            out.append(Mention(m.start("name"), m.end("name"), m.group("name"), True, "municipal_unit"))
    return out


def _form_kind(word: str, form_kinds: list[tuple[str, str]]) -> str:
    """Return the kind of organisation the org-form word (folded) or the end of its compound names, by the
    longest form it ends in (`form_kinds`, longest first): "Samordningsförbundet" ends in a kommunalförbund's
    form, "Studieförbundet" in none (an association)."""
    return next((kind for form, kind in form_kinds if word.endswith(form)), "association")


NAME_PURPOSE_WORDS = 6
"""Words a name may run on with after "för" ("Riksförbundet för social och mental hälsa")."""


def _purpose_end(tokens: list[Token], i: int, rules: FactsRules) -> int | None:
    """Return the last token of a name that goes on from its org word `i` with "för" and what the
    organisation is for, in lower case or not ("Riksförbundet för social och mental hälsa, …",
    "Föreningen för Rörelsehindrade Barn (RBU)"), or None. Only when the words end the clause within
    NAME_PURPOSE_WORDS words (a comma, full stop or bracket after one of them, an abbreviation in
    brackets next, or the end of the heading or paragraph), none of them a word of the sentence
    around the name (`name_purpose_stops`), a figure or in another paragraph: else where the name
    ends is a guess."""
    if i + 2 >= len(tokens) or tokens[i + 1].word.text != "för":
        return None
    stops = {fold(w) for w in rules.name_purpose_stops}
    for k in range(i + 2, min(len(tokens), i + 2 + NAME_PURPOSE_WORDS)):
        text, bare = tokens[k].word.text, _strip(tokens[k].word.text)
        if not bare or fold(bare) in stops or re.search(r"\d", bare) or tokens[k].word.block != tokens[i].word.block:
            return None
        if text != bare:
            return k if text.startswith(bare) and text[len(bare)] in ",.;:)" else None
        nxt = tokens[k + 1].word if k + 1 < len(tokens) else None
        if nxt is None or nxt.block != tokens[i].word.block or nxt.line - tokens[k].word.line not in (0, 1):
            return k  # a heading's or a paragraph's last words (a blank line or another page after them)
        if re.fullmatch(r"\([A-ZÅÄÖ]{2,}\)[,.;:]?", tokens[k + 1].word.text):
            return k
    return None


def _longest(mentions: list[Mention]) -> list[Mention]:
    """Keep the longest of overlapping mentions (the first listed among equals)."""
    out: list[Mention] = []
    for m in sorted(mentions, key=lambda m: (m.start, -(m.end - m.start))):
        if out and m.start < out[-1].end:
            continue
        out.append(m)
    return out


def canonical_names(mentions: list[Mention]) -> dict[str, str]:
    """Map each folded name to the document's fullest form of it.

    A name that begins a longer one ("Internationella kvinnoföreningen") or is one word of a
    longer one ("Stadsmissionen" in "Linköpings Stadsmission") maps to the longer one; the
    first spelling in reading order wins, so the map is deterministic.
    """
    kinds = {fold(m.name): m.kind for m in mentions}
    counts = Counter(m.name for m in mentions)
    spelling: dict[str, str] = {}
    for m in mentions:  # the body's usual spelling: the most frequent, never an all-caps header's
        key = fold(m.name)
        rank = (not m.name.isupper(), counts[m.name])
        if key not in spelling or rank > (not spelling[key].isupper(), counts[spelling[key]]):
            spelling[key] = m.name
    keys = sorted(spelling, key=lambda k: (-len(k), k))

    def fuller(key: str) -> str:
        for other in keys:
            if other == key or len(other) <= len(key) or kinds[other] != kinds[key]:
                continue
            if other.startswith(key + " "):
                return other
            if " " not in key and any(
                len(part) >= 5 and (key == part or key.startswith(part)) for part in other.split()[1:]
            ):
                return other
        return key

    mapping: dict[str, str] = {}
    for key in sorted(spelling, key=len, reverse=True):
        target = fuller(key)
        mapping[key] = mapping.get(target, spelling[target]) if target != key else spelling[key]
    return mapping


def short_mentions(stream: TextStream, parties: dict[str, tuple[str, bool]], municipality: str | None,
                   rules: FactsRules) -> list[Mention]:
    """Find short references to the document's parties ("Bilda", "Stadsmissionen", "kommunen")."""
    place = fold(municipality.split()[0])[:-1] if municipality else None
    generic = {fold(w) for w in rules.org_forms} | {fold(w) for w in rules.name_stopwords}
    out: list[Mention] = []
    for token in stream.tokens:
        word = _strip(token.word.text)
        f = fold(word)
        if municipality and f in ("kommunen", "kommunens"):
            out.append(Mention(token.start, token.end, municipality, True))
            continue
        if not _capitalised(word) or len(f) < 4 or (place and f.startswith(place)):
            continue
        hits = {
            canonical
            for canonical, _ in parties.values()
            for part in fold(canonical).split()
            if len(part) >= 4 and not (place and part.startswith(place))
            and (part == f or part.startswith(f[:-1] if f.endswith("s") else f) or f.startswith(part))
            and part not in generic - {"stadsmission", "stadsmissionen"}
        }
        if len(hits) == 1:
            name = hits.pop()
            out.append(Mention(token.start, token.end, name, parties[fold(name)][1]))
    return out


def find_bodies(stream: TextStream, rules: FactsRules) -> list[Mention]:
    """Find municipal bodies by name ("bildningsnämndens") or abbreviation ("BIN", "AN:s")."""
    out: list[Mention] = []
    for m in re.finditer(r"(?<!\w)(\w*namnd)(en|ens|s)?(?!\w)", stream.folded):
        stem = m.group(1)
        canonical = next((b.name for b in rules.municipal_bodies if fold(b.name).startswith(stem)), None)
        if canonical is None:
            raw = stream.text[m.start(1) : m.end(1)]
            canonical = raw[0].upper() + raw[1:] + "en"
        out.append(Mention(m.start(), m.end(), canonical, True))
    for body in rules.municipal_bodies:
        for abbr in body.abbreviations:
            for m in re.finditer(rf"(?<![\w-]){re.escape(abbr)}(?::?s)?(?![\w-])", stream.text):
                out.append(Mention(m.start(), m.end(), body.name, True))
    return sorted(out, key=lambda m: m.start)


def find_programmes(stream: TextStream, rules: FactsRules, exclude: set[str]) -> list[Mention]:
    """Find programme names: quoted "IOP <Name>", and capitalised names after a cue word ("projektet Garaget")."""
    out: list[Mention] = []
    # OCR drops or misreads the I of "IOP" beside a quote mark ('"OP Bromodellen"', '"lOP …"')
    for m in re.finditer(r"[\"”“][Il1|]?OP\s+(?P<n>[A-ZÅÄÖ][\w\-]+(?:\s+[\w\-]+){0,3})[\"”“]", stream.text):
        out.append(Mention(m.start("n"), m.end("n"), m.group("n"), False))
    cues = "|".join(re.escape(fold(c)) for c in rules.programme_cues)
    for m in re.finditer(rf"(?<!\w)(?:{cues})\s+[\"”“]?", stream.folded):
        rest = re.match(r"[A-ZÅÄÖ][\wåäö\-]+(?:" + SPACE + r"[a-zåäö][\wåäö\-]+)?", stream.text[m.end():])
        if rest:
            name = rest.group(0)
            if fold(name.split()[-1]) in {fold(w) for w in rules.name_stopwords}:
                name = name.split()[0]
            out.append(Mention(m.end(), m.end() + len(name), name, False))
    stop = {fold(w) for w in rules.name_stopwords}
    phrases = "|".join(re.escape(fold(c)) for c in rules.programme_phrase_cues)
    for m in re.finditer(rf"(?<!\w)(?:{phrases})\s+", stream.folded):
        words = re.match(r"[a-zåäö\-]+(?:\s+[a-zåäö\-]+){0,3}", stream.text[m.end():])
        kept = []
        for word in (words.group(0).split() if words else []):
            if fold(word) in stop:
                break
            kept.append(word)
        if 1 < len(kept) <= 3:
            name = " ".join(kept)
            out.append(Mention(m.end(), m.end() + len(name), name[0].upper() + name[1:], False))
    return [
        Mention(m.start, m.end, " ".join(m.name.split()), m.municipal)
        for m in _longest(out)
        if fold(m.name) not in exclude and not m.name.isupper()
    ]


@dataclass(frozen=True)
class CountMatch:
    """A participant count: offsets, number, role (or None), approximate."""

    start: int
    end: int
    value: int
    role: str | None
    approx: bool


def find_participants(stream: TextStream, rules: FactsRules) -> list[CountMatch]:
    """Find participant counts ("60 deltagare i taget", "40 heltidsplatser") with their role."""
    nouns = "|".join(sorted((fold(n) for n in rules.participant_nouns + rules.place_nouns), key=len, reverse=True))
    approx = "|".join(fold(a) for a in rules.approx_words)
    pattern = re.compile(
        rf"(?:(?<!\w)(?P<approx>{approx}){SPACE}+)?(?<![\d,.\-])(?P<n>\d{{1,3}}(?:{SPACE}\d{{3}})*)"
        rf"{SPACE}*(?:st\.?{SPACE}+)?(?P<adj>(?:aktiva|nya|unika|inskrivna){SPACE}+)?(?P<noun>{nouns})(?!\w)"
    )
    text = fold(stream.digits).replace("\n", " ")
    places = {fold(p) for p in rules.place_nouns}
    out = []
    for m in pattern.finditer(text):
        s, e = stream.sentence(m.start())
        after = text[m.start() : min(e, m.end() + 40)]
        before = text[max(s, m.start() - 60) : m.start()]
        role = "places" if m.group("noun") in places else None
        for window in (after, before) if role is None else ():
            role = next((r.role for r in rules.participant_roles if any_cue(r.cues, window)), None)
            if role:
                break
        value = int(re.sub(r"\D", "", m.group("n")))
        out.append(CountMatch(m.start(), m.end(), value, role, m.group("approx") is not None))
    return out
