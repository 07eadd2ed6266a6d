"""The two-pass repair of a document's slots: damage level, look-alike choice, context rules, document evidence."""

from __future__ import annotations

import copy
import math
import re
from collections import Counter
from difflib import SequenceMatcher
from typing import NamedTuple

from pipeline.lexicon import Lexicon, load_lexicon, pair_token
from pipeline.repair.candidates import _DIACRITICS
from pipeline.repair.scoring import Choice, _scorer, unused_abbreviation
from pipeline.repair.tokens import Slot
from pipeline.rules import Rules

_WORDISH = re.compile(r"^[^\W\d_]{2,}$")


def _neighbour(slot: Slot | None) -> str:
    """Return a neighbouring slot as context rules and word pairs see it (see pair_token)."""
    if slot is None:
        return ""
    return pair_token(slot.result if slot.result is not None else slot.lower)



class _Evidence(NamedTuple):
    """What one form says about its page: a correct diacritic word or damage (for the damage
    level), a form a dropped glyph explains or look-alike damage (for the dropped-glyph test)."""

    correct: bool
    damaged: bool
    restorable: bool
    lookalike: bool


class Repairer:
    """Repair the words of one document (or one batch of lines) in two passes."""

    def __init__(self, rules: Rules, lexicon: Lexicon | None = None):
        self.rules = rules.repair
        self.lexicon = lexicon or load_lexicon()
        self.scorer = _scorer(rules, self.lexicon)
        self._restored = self.scorer.restored  # per form, shared by every run of one scorer
        self._evidence_memo = self.scorer.evidence
        self.context = {}
        self.max_bonus = sum(sorted((r.bonus for r in self.rules.context), reverse=True)[:2]) + 4.0
        for rule in self.rules.context:
            for word in rule.words:
                self.context.setdefault(word, []).append(rule)

    def damage(self, slots: list[Slot]) -> dict[int, float]:
        """Estimate, per page, the share of å/ä/ö the text lost: correct diacritic words against
        damage evidence (non-words holding a look-alike mark, words whose diacritic variant is far
        commoner), shrunk towards one half on short pages."""
        ok: Counter = Counter()
        bad: Counter = Counter()
        for s in slots:
            if s.eligible and len(s.lower) >= 2:
                evidence = self._evidence(s.lower)
                ok[s.page] += evidence.correct
                bad[s.page] += evidence.damaged
        low, high = self.rules.damage_min, self.rules.damage_max
        return {
            page: min(high, max(low, (bad[page] + 1) / (bad[page] + ok[page] + 2)))
            for page in {s.page for s in slots}
        }

    def dropped_pages(self, slots: list[Slot]) -> set[int]:
        """Return the pages whose text layer drops glyphs rather than misreading them.

        A font without a Unicode map loses å/ä/ö outright ("ndring", "rets", "fr"): forms that
        become a clearly commoner word when one letter is put back, while the other letters are
        exact. OCR damage instead leaves look-alike marks (é, 6, &) and plain-vowel forms of
        common words ("fran", "over"). A page is of the dropped kind when restorable forms
        outnumber both kinds of look-alike evidence `dropped_glyph_ratio` times over.
        """
        dropped: Counter = Counter()
        lookalike: Counter = Counter()
        for s in slots:
            if s.eligible and len(s.lower) >= 2:
                evidence = self._evidence(s.lower)
                if evidence.restorable:
                    dropped[s.page] += 1
                lookalike[s.page] += evidence.lookalike
        need = self.rules.dropped_glyph_ratio
        return {page for page, n in dropped.items() if n >= need * (lookalike[page] + 1)}

    def _evidence(self, form: str) -> _Evidence:
        """Return what an eligible form of two or more letters says about its page's damage (the
        same wherever the form stands, so worked out once per form and scorer)."""
        hit = self._evidence_memo.get(form)
        if hit is not None:
            return hit
        freqs, ratio = self.lexicon.frequencies, self.rules.damage_evidence_ratio
        letters = form.isalpha()
        marked = not letters and any(ch in self.scorer.channel.symbols for ch in form)
        correct = damaged = restorable = lookalike = False
        if _DIACRITICS.intersection(form):
            correct = form in freqs
        elif not letters:
            damaged = marked
        else:
            f = freqs.get(form, 0.0)
            damaged = any(v != form and _DIACRITICS.intersection(v) and freqs[v] > max(f * ratio, 1e-6)
                          for v in self.lexicon.same_skeleton(form))
        if not letters:
            lookalike = marked
        elif self._restoration(form, 1):
            restorable = True
        elif form in freqs:
            lookalike = any(v != form and freqs[v] > max(freqs[form] * ratio, 1e-6) for v in self.lexicon.same_skeleton(form))
        hit = self._evidence_memo[form] = _Evidence(correct, damaged, restorable, lookalike)
        return hit

    def _restoration(self, form: str, max_letters: int, rare: bool = False) -> str:
        """Return the word `form` is with up to `max_letters` of å/ä/ö put back, or "" if none clearly.

        Only insertions: the letters that are there are exact, so no other word is reached by
        changing one. One restored letter is preferred to two; the commonest restoration must be
        `dropped_glyph_margin` times commoner than the next and than the form itself (with `rare`,
        a form of `dropped_long_length` letters or more that no listed word of `realword_min_frequency`
        explains may be any rarer listed word with one letter more put back: "Beslutsgng" is
        "Beslutsgång"; only where the page is known to drop glyphs, as building that index is slow), and a
        listed form of two letters ("nr", "tv") is restored only when it has no vowel and the
        training text never writes it (`unused_abbreviation`: "fr" is "för", "nr" stays).
        """
        key = (form, max_letters, rare)
        hit = self._restored.get(key)
        if hit is not None:
            return hit
        freqs, floor = self.lexicon.frequencies, self.rules.realword_min_frequency
        own = freqs.get(form, 0.0)
        hit = ""
        if own < floor or len(form) >= 3 or unused_abbreviation(form, self.lexicon):
            hit = self._commonest_restoration(form, own, floor, max_letters)
            if not hit and rare and len(form) >= self.rules.dropped_long_length:
                hit = (self._commonest_restoration(form, own, self.rules.dropped_long_floor, max_letters + 1)
                       or self._compound_restoration(form))
        self._restored[key] = hit
        return hit

    def _compound_restoration(self, form: str) -> str:
        """Return the compound of listed parts that a long form no listed word explains is with one
        å/ä/ö put back ("Samordningsfrbundet" is "samordnings|förbundet", "Storgteborgs" is
        "stor|göteborgs"), when the likeliest such reading is `dropped_glyph_margin` times likelier
        than the next (by the compound prior), else ""."""
        lex = self.lexicon
        if form in lex.frequencies or lex.split_compound(form) or lex.in_dictionary(form) or lex.hunspell_knows(form):
            return ""  # a word as it stands
        readings = {w for i in range(len(form) + 1) for ch in "åäö"
                    if len(lex.split_compound(w := form[:i] + ch + form[i:])) >= 2}
        if not readings:
            return ""
        ranked = sorted(((self.scorer.quick_prior(w), w) for w in readings), reverse=True)
        if len(ranked) > 1 and ranked[0][0] - ranked[1][0] < math.log(self.rules.dropped_glyph_margin):
            return ""
        return ranked[0][1]

    def _commonest_restoration(self, form: str, own: float, floor: float, max_letters: int) -> str:
        """Return the commonest listed word (at least `floor` frequent) that `form` is with the fewest
        of up to `max_letters` å/ä/ö put back, if it is `dropped_glyph_margin` times commoner than
        the next and than `form` itself; else ""."""
        freqs = self.lexicon.frequencies
        for restored in self.lexicon.restorations(floor, max_letters):
            found = sorted(restored.get(form, ()), key=lambda f: (-freqs[f], f))
            if found:
                rival = max(own, freqs[found[1]] if len(found) > 1 else 0.0)
                return found[0] if freqs[found[0]] >= self.rules.dropped_glyph_margin * rival else ""
        return ""

    def _restore_dropped(self, slots: list[Slot], k: int) -> None:
        """Put back the å/ä/ö a text layer dropped (see `_restoration`, else `_restoration_in_context`);
        the first letter's case follows the sentence: a capital at a sentence's or a heading's
        start, else lower case."""
        s = slots[k]
        word = (self._restoration(s.lower, 2, rare=True) or self._restoration_in_context(slots, k)) if s.lower.isalpha() else ""
        if not word:
            return
        s.result, s.reason, s.confidence = word, "dropped-glyph", 1.0
        if word[:1] != s.lower[:1]:
            s.first_case = "upper" if _starts_sentence(slots, k) else "lower"

    def _restoration_in_context(self, slots: list[Slot], k: int) -> str:
        """Return the word a short form of a dropped-glyph page is with one å/ä/ö put back, chosen
        by its neighbours when frequency alone is no clear call ("fr": "för" or "får"; "r": "är" or
        "år"): each restoration, and the form itself unless it is a vowel-less form the training
        text never writes, scored by log frequency plus the word pairs' evidence; the best must be
        `dropped_glyph_margin` times likelier than the next, as without context. Whole words of at
        most `dropped_context_max_length` letters."""
        s, freqs = slots[k], self.lexicon.frequencies
        if len(s.lower) > self.rules.dropped_context_max_length or not s.bare:
            return ""  # not a word of its own: an abbreviation's piece ("bl.a."), a code
        found = self.lexicon.restorations(self.rules.realword_min_frequency, 1)[0].get(s.lower, ())
        if not found:
            return ""
        before = _prev_slot(slots, k)
        prev = "" if before is None or before.ends_sentence else _neighbour(before)
        nxt = "" if s.ends_sentence else _neighbour(_next_slot(slots, k))
        options = list(found)
        if s.lower in freqs and not unused_abbreviation(s.lower, self.lexicon):
            options.append(s.lower)
        window = self._clause_before(slots, k)
        scored = sorted(((math.log(freqs[w]) + self._neighbours_bonus(w, prev, nxt, prev, nxt, window), w) for w in options),
                        reverse=True)
        best, second = scored[0], scored[1][0] if len(scored) > 1 else -math.inf
        return best[1] if best[1] != s.lower and best[0] - second >= math.log(self.rules.dropped_glyph_margin) else ""

    def run(self, slots: list[Slot]) -> None:
        """Decide every slot (in reading order; `slots` carries joins of hyphenated line ends);
        then, when the document's own repairs show look-alikes far commoner in it than the
        learned weights say (or far rarer), decide them all again with those weights (`_own_weights`)."""
        damage, dropped = self.damage(slots), self.dropped_pages(slots)  # the same in both passes
        self._decide(slots, damage, dropped)
        own = self._own_weights(slots)
        if not own:
            return
        for s in slots:
            s.choice, s.result, s.confidence, s.reason, s.first_case = None, None, 0.0, "", ""
        again = copy.copy(self)
        again.scorer = self.scorer.adapted(own)
        again._decide(slots, damage, dropped)

    def _own_weights(self, slots: list[Slot]) -> dict[tuple[str, str], float]:
        """Return the look-alike weights this document's own repairs change, per (scanned, truth)
        piece. One OCR engine reads one typeface the same way throughout a paper, so a look-alike
        it used often in the words repaired is likely in its other words too: P(piece | letter)
        is re-estimated from those repairs, the learned weight counting as `own_channel_prior`
        repairs, rounded down to a power of two and kept where that is at least twice the learned
        weight: a weight the paper bears out changes nothing, and papers of one engine change the
        same weights and share one scorer (`Scorer.adapted`). Which letter a mark (é, 6, &) stands
        for is the engine's habit too: where the paper's repairs read a mark for a letter more
        often (and at least `own_channel_min_uses` times) than for one the weights rank above it,
        the higher weight is re-estimated the same way and lowered where, rounded up, it is at
        most half the learned one (an old engine's é for å and ä, where the weights say ö)."""
        channel = self.scorer.channel
        repairs = Counter((s.lower, s.result.lower()) for s in slots
                          if s.result is not None and s.reason in ("lookalike", "context") and s.joined_with is None)
        used: Counter = Counter()
        for (scanned, word), times in repairs.items():
            for op, i1, i2, j1, j2 in SequenceMatcher(None, scanned, word, autojunk=False).get_opcodes():
                piece = (scanned[i1:i2], word[j1:j2])
                if op != "equal" and piece in channel.subs:
                    used[piece] += times
        per_letter: Counter = Counter()
        for (_, truth), n in used.items():
            per_letter[truth] += n
        weight, least = self.rules.own_channel_prior, self.rules.own_channel_min_uses
        changed = {}
        for (scanned, truth), p in channel.subs.items():
            n = used[(scanned, truth)]
            if not per_letter[truth] or p <= 0:
                continue
            # the paper reads this mark for a letter the weights rank below `truth` more often
            overturned = scanned in channel.marks and any(
                m >= least and m > n and channel.subs[piece] < p for piece, m in used.items() if piece[0] == scanned)
            if not (n or overturned):
                continue
            own = math.log2((n + weight * p) / (per_letter[truth] + weight))
            if n >= least and 2.0 ** math.floor(own) >= 2 * p:
                changed[(scanned, truth)] = 2.0 ** math.floor(own)
            elif overturned and 2.0 ** math.ceil(own) <= p / 2:
                changed[(scanned, truth)] = 2.0 ** math.ceil(own)
        return changed

    def _decide(self, slots: list[Slot], damage: dict[int, float], dropped: set[int]) -> None:
        """One pass over every slot (`damage` and `dropped`: per page, see `damage` and
        `dropped_pages`): look-alike choices first, then the close calls in context."""
        margin, amb = self.rules.min_margin_nonword, self.rules.ambiguity_margin
        seen: Counter = Counter()
        plain: Counter = Counter()
        """Forms without å/ä/ö the first pass kept as written: evidence for a look-alike
        elsewhere that reads so ("Kommunstyreisen" where "kommunstyrelsen" stands intact), never
        for the scanned form itself (its own repeats share its damage)."""
        pending: list[int] = []
        for k, s in enumerate(slots):
            if s.page in dropped:
                if (s.eligible or _lone_word(s)) and s.joined_with is None and not s.join_tail:
                    self._restore_dropped(slots, k)
                continue
            lone = len(s.lower) == 1 and self._lone_dropped(slots, k)
            if s.join_tail or ((not s.eligible or len(s.lower) == 1) and not lone):
                if not _DIACRITICS.isdisjoint(s.lower) and s.lower.isalpha():
                    seen[s.lower] += 1
                continue
            form = s.lower if s.joined_with is None else s.lower + slots[s.joined_with].lower
            if s.joined_with is not None and not slots[s.joined_with].eligible:
                continue
            if not form.isalpha() and damage[s.page] < self.rules.realword_min_damage:
                continue  # a mark on a page whose å/ä/ö are intact is as written: "&gt;", "|NAMN|", "{sektion"
            choice = self.scorer.choose(form, damage[s.page])
            if lone:
                choice = self._as_nonword(choice)
            s.choice = choice
            best, best_score = choice.options[0]
            second = choice.options[1][1] if len(choice.options) > 1 else -math.inf
            if len(choice.options) > 1 and (self._proper_name(slots, k, choice) or self._name_on_clean_page(slots, k, damage)):
                continue
            if best == form:
                if not _DIACRITICS.isdisjoint(form):
                    seen[form] += 1
                elif form.isalpha():
                    plain[form] += 1
                if best_score - second < self.max_bonus:
                    pending.append(k)  # context might still turn it
                continue
            keep_score = next((score for word, score in choice.options if word == form), -math.inf)
            contested = any(word in self.context for word, score in choice.options if best_score - score < self.max_bonus)
            if best_score - keep_score >= margin and best_score - second >= amb and not choice.listed and not contested:
                s.result, s.reason = best, "lookalike"
                s.confidence = _confidence(choice.options, 0)
                seen[best] += 1
            else:
                pending.append(k)
        # A lone "|" or "1" read as "i" is the previous word context rules and word pairs see
        # ("bidrag | ar har": "i år"); decided again once the words around it are, since what
        # they become may forbid it ("år 1").
        self._one_as_i(slots, damage, dropped)
        for k in pending:
            self._decide_in_context(slots, k, seen, plain, damage[slots[k].page])
        for s in slots:
            if s.reason == "lone-i":
                s.result, s.reason, s.confidence = None, "", 0.0
        self._one_as_i(slots, damage, dropped)
        self._first_letter_case(slots)

    def _lone_dropped(self, slots: list[Slot], k: int) -> bool:
        """Return whether slot `k` is a lone letter that is no Swedish word but a short word that
        lost its å/ä/ö ("dokumentet r digitalt" for "är", "p" for "på"; `lone_letter_damage`),
        standing inside a line between two words of prose (the one before it bare: not "grap, r -
        refer", a list of letters): then it is scored like a form no list holds, so the words it
        may have been compete with the unknown prior, not with a letter's frequency."""
        s = slots[k]
        if s.text not in self.rules.lone_letter_damage or not _lone_word(s) or s.line_start:
            return False
        p, n = _prev_slot(slots, k), _next_slot(slots, k)
        return (p is not None and p.bare and (_WORDISH.match(p.lower) is not None or p.lower.isdigit())
                and n is not None and n.word_start and not n.line_start and _WORDISH.match(n.lower) is not None)

    def _as_nonword(self, choice: Choice) -> Choice:
        """Return `choice` with its scanned form scored as a word no list holds: a lone letter's
        listed frequency counts letters named or used as symbols, not a word of prose."""
        form = choice.scanned
        unknown = math.log(self.rules.unknown_prior)
        options = [(w, score - self.scorer.prior(w) + unknown if w == form else score) for w, score in choice.options]
        return Choice(form, tuple(sorted(options, key=lambda o: -o[1])), False)

    def _proper_name(self, slots: list[Slot], k: int, choice: Choice) -> bool:
        """Return whether slot `k` is a name as written: a capitalised word inside a line and a
        sentence that hunspell-sv accepts only with its capital ("Skanska", "Hakon", "Lage": it lists
        names with theirs), so the capital is the writer's and the letters are the name's own.
        Not when a candidate changes the capital itself ("Ian" for "lån"): then it is a look-alike's."""
        s = slots[k]
        if not s.text[:1].isupper() or not s.text[1:].islower():
            return False
        if s.line_start or k == 0 or slots[k - 1].ends_sentence:
            return False
        if any(word[:1] != s.lower[:1] for word, _ in choice.options):
            return False
        return self.lexicon.hunspell_knows(s.text) and not self.lexicon.hunspell_knows(s.lower)

    def _name_on_clean_page(self, slots: list[Slot], k: int, damage: dict[int, float]) -> bool:
        """Return whether slot `k` is a name as written because its page shows no damage at all (its
        damage level at `damage_min`: no word there lost an å/ä/ö or holds a look-alike mark): a
        capitalised word inside a sentence that no list holds ("Mitch Kapor", not "Kåpor")."""
        s = slots[k]
        return (damage[s.page] <= self.rules.damage_min and s.text[:1].isupper() and s.text[1:].islower()
                and not s.line_start and k > 0 and not slots[k - 1].ends_sentence
                and s.lower not in self.lexicon.frequencies)

    def _first_letter_case(self, slots: list[Slot]) -> None:
        """Decide the case of a repaired first letter that the scan's look-alike does not tell.

        A digit or sign read for the first letter ("4rets", "&rende") has no case: the word is
        capitalised at a sentence's or a heading's start, as a dropped letter put back is.
        Old OCR reads a word-initial ö as "O" ("Okning" for "ökning"): the capital is the
        look-alike's, not the writer's. When the repair changed that very first letter, the word
        stands mid-sentence outside a run of capitalised words, and hunspell-sv knows the lower-case
        form (it lists names only with their capital), the word is written as the language writes
        it; any other case is kept.
        """
        for k, s in enumerate(slots):
            if s.result is None or s.first_case:
                continue
            if not s.text[:1].isalpha() and s.result[:1].isalpha() and s.text[1:2].islower():
                s.first_case = "upper" if _starts_sentence(slots, k) else "lower"
                continue
            if not s.text[:1].isupper() or s.text[1:2].isupper():
                continue
            if s.result[:1] == s.lower[:1] or s.line_start or _starts_sentence(slots, k):
                continue
            if _in_capitalised_run(slots, k):
                continue
            if self.lexicon.hunspell_knows(s.result):
                s.first_case = "lower"

    def _decide_in_context(self, slots: list[Slot], k: int, seen: Counter, plain: Counter, damage: float) -> None:
        s = slots[k]
        choice = s.choice
        assert choice is not None
        if choice.listed and damage < self.rules.realword_min_damage:  # the writer's own word
            return
        form = choice.scanned
        before = _prev_slot(slots, k)
        if s.after_slash:
            prev = "/"
        else:  # a sentence's first word has no previous word to go by ("etapp 2. är i")
            prev = "" if before is not None and before.ends_sentence else _neighbour(before)
        nxt = _neighbour(_next_slot(slots, k))
        if s.joined_with is not None:
            nxt = _neighbour(_next_slot(slots, s.joined_with))
        window: set[str] | None = None  # the words before it, built when a rule asks for them
        pair_prev = "" if s.after_slash else prev
        pair_next = "" if s.ends_sentence else nxt
        scored = []
        for word, score in choice.options:
            if score == -math.inf:
                continue
            if any(rule.before for rule in self.context.get(word, ())) and window is None:
                window = self._clause_before(slots, k)
            bonus = self._neighbours_bonus(word, pair_prev, pair_next, prev, nxt, window)
            count = seen.get(word, 0) + (plain.get(word, 0) if word != form else 0)
            bonus += self.rules.document_weight * math.log1p(count)
            scored.append((word, score + bonus))
        scored.sort(key=lambda o: -o[1])
        if not scored:
            return
        best, best_score = scored[0]
        if best == form:
            return
        keep = dict(scored).get(form, -math.inf)
        second = scored[1][1] if len(scored) > 1 else -math.inf
        margin = self.rules.min_margin_realword if choice.listed else self.rules.min_margin_nonword
        if best_score - keep >= margin and best_score - second >= self.rules.ambiguity_margin:
            s.result, s.reason = best, "context"
            s.confidence = _confidence(tuple(scored), 0)

    def _neighbours_bonus(self, word: str, pair_prev: str, pair_next: str, prev: str, nxt: str,
                          window: set[str] | None) -> float:
        """Return the evidence the neighbours give `word`: the word pairs' with `pair_prev` and
        `pair_next` (capped), plus the bonus of the context rules that hold between `prev` and `nxt`
        (`window`: the words before it in its clause, needed by rules with `before`)."""
        freqs = self.lexicon.frequencies
        bonus = self.rules.pair_weight * min(self.rules.pair_evidence_cap,
                                             self.lexicon.pairs.evidence(pair_prev, word, pair_next, freqs))
        for rule in self.context.get(word, ()):
            if (
                (not rule.prev or prev in rule.prev)
                and (not rule.next or nxt in rule.next)
                and (not rule.next_not or (nxt and nxt not in rule.next_not))
                and (not rule.before or (window is not None and not window.isdisjoint(rule.before)))
            ):
                bonus += rule.bonus
        return bonus

    def _clause_before(self, slots: list[Slot], k: int) -> set[str]:
        """Return up to `context_window` words before slot `k` in its sentence, as context rules see them."""
        window: set[str] = set()
        for i in range(k - 1, max(-1, k - 1 - self.rules.context_window), -1):
            if slots[i].ends_sentence:
                break  # the clause's tense ends with its sentence
            window.add(_neighbour(slots[i]))
        return window

    def _one_as_i(self, slots: list[Slot], damage: dict[int, float], dropped: set[int]) -> None:
        """Read a lone look-alike of "i" ("1", "|", "j") standing between words as the preposition.

        Not where it or the token after it is no word of prose ("-1", "--soft", "<namn>"), nor a "|"
        on a line that holds another lone "|": there the bars are a table's column rules or a list of
        alternatives ("init | list | set"); OCR reads a lone "i" as "|" far too rarely to do so
        twice in a line.
        """
        letters = self.rules.one_as_i_letters
        ruled = _ruled_lines(slots)
        line = -1
        for k, s in enumerate(slots):
            line += s.line_start
            if len(s.lower) != 1 or not s.bare or not s.word_start or s.page in dropped or (s.text == "|" and line in ruled):
                continue
            if not (s.eligible and (s.lower, "i") in self.scorer.channel.subs) and s.text not in letters:
                continue
            d = damage[s.page]
            if d < self.rules.one_as_i_min_damage:
                continue
            p, n = _prev_slot(slots, k), _next_slot(slots, k)
            if n is None or not n.word_start or not _WORDISH.match(n.result or n.lower):
                continue
            sentence_start = _starts_sentence(slots, k)
            if s.lower.isdigit() and (sentence_start or not _WORDISH.match(p.result or p.lower)):
                continue  # "1 Inledning", "1. Informationen": a number, not a word
            if p is not None and (p.result or p.lower).lower() in self.rules.one_as_i_not_after:
                continue
            after = _next_slot(slots, k + 1)
            if (n.result or n.lower).lower() in self.rules.one_as_i_not_before or (
                n.lower in ("och", "eller", "till") and after is not None and _neighbour(after) in ("<num>", "<year>")
            ):
                continue  # "1 juli", "studieväg 1 och 2": a number in a date or a list
            if not sentence_start and p is not None and not _WORDISH.match(p.result or p.lower):
                continue
            if s.lower.isdigit() and self._reads_as_number(p, n):
                continue  # "1 mnkr": the training text's word pairs put a number there
            s.result, s.reason, s.confidence = ("I" if sentence_start else "i"), "lone-i", round(d, 3)

    def _reads_as_number(self, prev: Slot | None, nxt: Slot) -> bool:
        """Return whether the in-domain word pairs put a number rather than "i" between `prev` and
        `nxt`: a digit standing alone is a number unless its neighbours speak for the preposition."""
        before = "" if prev is None or prev.ends_sentence else _neighbour(prev)
        after, pairs, freqs = _neighbour(nxt), self.lexicon.pairs, self.lexicon.frequencies
        return pairs.evidence(before, "<num>", after, freqs) > pairs.evidence(before, "i", after, freqs)


def _lone_word(s: Slot) -> bool:
    """Tell whether a slot is one letter standing as a word of its own: on a page that drops its
    å/ä/ö, the remains of a short word ("r" for "är", "p" for "på", "n" for "än"), which its
    restoration in context decides (`Repairer._restoration_in_context`)."""
    return len(s.text) == 1 and s.text.isalpha() and s.bare and s.word_start


def _ruled_lines(slots: list[Slot]) -> set[int]:
    """Return the lines (counted by their first slot) that hold two or more lone "|"."""
    bars: Counter = Counter()
    line = -1
    for s in slots:
        line += s.line_start
        bars[line] += s.text == "|"
    return {line for line, n in bars.items() if n >= 2}


def _starts_sentence(slots: list[Slot], k: int) -> bool:
    """Return whether slot `k` begins a sentence or a heading: the text's first word, the word after
    a sentence's end, a line's first word after a blank line or when the line before does not run
    on into it, or the first word after a heading's number ("1.1 Årets resultat", "§ 12 Ärende")."""
    prev, s = _prev_slot(slots, k), slots[k]
    if prev is None or prev.ends_sentence or (s.line_start and (s.after_blank or not prev.text[-1:].islower())):
        return True
    j = k - 1
    while j >= 0 and not any(ch.isalpha() for ch in slots[j].text):
        if slots[j].line_start:
            return True
        j -= 1
    return False


def _in_capitalised_run(slots: list[Slot], k: int) -> bool:
    """Return whether slot `k` stands among capitalised words the writer set: after an "&" that
    follows a capitalised word ("Avfall & Återvinning"), or on a line whose every word begins with a
    capital ("Delegat Ärende": a table's header). Not after any capitalised word: a name is often
    followed by a verb ("Kommunen ökar")."""
    if k >= 2 and slots[k - 1].text == "&" and slots[k - 2].text[:1].isupper() and not slots[k - 1].line_start:
        return True
    start = k
    while start > 0 and not slots[start].line_start:
        start -= 1
    end = k + 1
    while end < len(slots) and not slots[end].line_start:
        end += 1
    words = [slot.text for slot in slots[start:end] if slot.text[:1].isalpha()]
    return len(words) > 1 and all(word[:1].isupper() for word in words)


def _prev_slot(slots: list[Slot], k: int) -> Slot | None:
    return slots[k - 1] if k > 0 else None


def _next_slot(slots: list[Slot], k: int) -> Slot | None:
    return slots[k + 1] if k + 1 < len(slots) else None


def _confidence(options: tuple[tuple[str, float], ...], index: int) -> float:
    top = max(score for _, score in options)
    z = sum(math.exp(score - top) for _, score in options if score > -math.inf)
    return round(math.exp(options[index][1] - top) / z, 3)

