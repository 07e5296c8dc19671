"""Mapping the program names a scan reports to software titles (pure: no Django, no database).

Inventory tools report what Windows lists as installed: 「Microsoft Office Professional Plus 2019 -
ja-jp」, 「ＡＴＯＫ　２０２３」, 「一太郎ビューア」, 「Microsoft Visual C++ 2019 X64 Minimum Runtime」. The
text is first normalised with the lifecycle app's :func:`saiteki.lifecycle.matching.normalise` (NFKC so
全角 and 半角 agree, lower case, katakana product words to English, versions spaced from words) — one
normalisation for the whole product — and then reduced to words by :func:`name_key` (kanji and digits
split, locale tags and filler words dropped, a few katakana words of the SAM vocabulary translated).

A :class:`TitleMatcher` then decides, in this order:

1. an admin's *exact* rule for the whole key;
2. 「管理対象外」: an admin's ignore rule or a built-in phrase (runtimes, viewers, updates, language
   packs) appears in the key — such names are neither licences nor queue entries;
3. the titles whose words (the admin's *contains* rules, or the title's own product, edition and
   version) all appear in the key, in any order (「JUST PDF 5 Pro」 and 「JUST PDF Pro 5」 are one
   program); the one with most words wins, and a tie between titles is left unmatched;
4. a name that names a known product line in more words than the winner (「AutoCAD LT 2023」 when only
   「AutoCAD」 and 「AutoCAD LT 2022」 exist) is left unmatched too: a wrong count is worse than a
   question in the queue.

Unmatched names get a :class:`Suggestion` (the closest title and how close), never an automatic match.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from saiteki.lifecycle.matching import normalise

#: Katakana of SAM's own vocabulary (the lifecycle table knows the OS and middleware words already).
SAM_WORDS: dict[str, str] = {
    "アドビ": "adobe",
    "アクロバット": "acrobat",
    "リーダー": "reader",
    "リーダ": "reader",
    "プラス": "plus",
    "ジャストシステム": "justsystems",
    "ジャストシステムズ": "justsystems",
    "コーポレート": "corporate",
    "ビューアー": "viewer",
    "ビューア": "viewer",
    "ビューワー": "viewer",
    "ビューワ": "viewer",
    "ランタイム": "runtime",
    "アップデート": "update",
    "ドライバー": "driver",
    "ドライバ": "driver",
    "ライト": "lt",
    "トレンドマイクロ": "trendmicro",
}
_SAM_RE = re.compile("|".join(re.escape(k) for k in sorted(SAM_WORDS, key=len, reverse=True)))
_TOKEN_RE = re.compile(r"[0-9a-z][0-9a-z.+#]*|[\u3041-\u309f\u30a0-\u30ff\u30fc]+|[\u4e00-\u9fff\u3005]+")
#: Words that never tell two programs apart: locale tags and filler.
DROP = frozenset(
    "ja jp jpn japanese en us english 日本語 日本語版 英語版 版 for the edition version ver v x64 x86".split()
)
#: Phrases that make a name 「管理対象外」 (not a licensable program): runtimes, viewers, patches,
#: language packs, the Office installer's own components. Admins add more as ignore rules.
BUILTIN_IGNORE: tuple[tuple[str, ...], ...] = (
    ("viewer",),
    ("runtime",),
    ("redistributable",),
    ("security", "update"),
    ("update", "for"),
    ("hotfix",),
    ("kb",),
    ("language", "pack"),
    ("proofing",),
    ("mui",),
    ("click", "to", "run"),
    ("extensibility",),
    ("driver",),
)
_VERSIONISH = re.compile(r"^\d[\d.]*[a-z]?$|^(?:dc|xg|cc|r\d|sp\d+)$")


def name_key(text: str) -> str:
    """The comparable form of a program name: normalised words separated by single spaces.

    Idempotent, so rules stored by their key keep matching however the admin typed them.
    """
    s = normalise(text or "")
    s = _SAM_RE.sub(lambda m: f" {SAM_WORDS[m.group(0)]} ", s)
    s = unicodedata.normalize("NFKC", s)
    words = [w.strip(".") for w in _TOKEN_RE.findall(s)]
    return " ".join(w for w in words if w and w not in DROP)


def hostname_key(text: str) -> str:
    """A hostname as stored: NFKC (全角 → 半角), trimmed, lower case, no trailing dot."""
    return unicodedata.normalize("NFKC", text or "").strip().rstrip(".").lower()


def _contains_all(words: Sequence[str], pattern: Sequence[str]) -> bool:
    present = set(words)
    return all(p in present for p in pattern)


def _contains_phrase(words: Sequence[str], phrase: Sequence[str]) -> bool:
    n = len(phrase)
    return any(tuple(words[i : i + n]) == tuple(phrase) for i in range(len(words) - n + 1))


@dataclass(frozen=True)
class TitlePattern:
    """The words that make a name a title. ``rule`` is true for an admin's contains rule (it beats the
    title's own words at equal length)."""

    title: int
    words: tuple[str, ...]
    rule: bool = False

    @property
    def base(self) -> tuple[str, ...]:
        """The product-line words: the pattern without its version words."""
        return tuple(w for w in self.words if not _VERSIONISH.match(w))


@dataclass(frozen=True)
class Suggestion:
    title: int
    score: float


@dataclass(frozen=True)
class NameMatch:
    """The answer for one name: ``title`` (None when unmatched or ignored), ``method`` (rule, auto,
    ignored or none), a suggestion for the queue and, in English, why (for tests and logs)."""

    key: str
    title: int | None
    method: str
    suggestion: Suggestion | None = None
    reason: str = ""


class TitleMatcher:
    """Matches names against titles and rules; build once per import or re-match, match many names."""

    def __init__(
        self,
        titles: Iterable[tuple[int, str]],
        *,
        exact: Iterable[tuple[str, int]] = (),
        contains: Iterable[tuple[str, int]] = (),
        ignore: Iterable[str] = (),
    ) -> None:
        """``titles``: (id, words to match: product, edition, version); ``exact``: (text, title id);
        ``contains``: (words, title id); ``ignore``: words that make a name 管理対象外."""
        self.exact = {name_key(t): title for t, title in exact if name_key(t)}
        self.ignore = [tuple(name_key(t).split()) for t in ignore if name_key(t)]
        self.ignore += list(BUILTIN_IGNORE)
        patterns: list[TitlePattern] = []
        for title, text in titles:
            words = tuple(name_key(text).split())
            if words:
                patterns.append(TitlePattern(title, words))
        for text, title in contains:
            words = tuple(name_key(text).split())
            if words:
                patterns.append(TitlePattern(title, words, rule=True))
        self.patterns = patterns
        # Index by first word: a name is only compared with patterns whose first word it contains.
        self._by_first: dict[str, list[TitlePattern]] = {}
        for p in patterns:
            self._by_first.setdefault(p.words[0], []).append(p)
        self._lines = {p.base for p in patterns if p.base}

    def match(self, text: str) -> NameMatch:
        key = name_key(text)
        if not key:
            return NameMatch(key, None, "none", reason="empty")
        if key in self.exact:
            return NameMatch(key, self.exact[key], "rule", reason="exact rule")
        words = key.split()
        for phrase in self.ignore:
            if _contains_phrase(words, phrase):
                return NameMatch(key, None, "ignored", reason=f"ignored: {' '.join(phrase)}")
        present = set(words)
        found = [
            p for first in present for p in self._by_first.get(first, ()) if _contains_all(words, p.words)
        ]
        if not found:
            return NameMatch(key, None, "none", self.suggest(words), reason="no title")
        best_len = max(len(p.words) for p in found)
        best = [p for p in found if len(p.words) == best_len]
        if len({p.title for p in best}) > 1:
            ruled = [p for p in best if p.rule]
            if len({p.title for p in ruled}) == 1:
                best = ruled
            else:
                return NameMatch(key, None, "none", self.suggest(words), reason="several titles")
        winner = best[0]
        longer_line = [
            line for line in self._lines if len(line) > len(winner.words) and _contains_all(words, line)
        ]
        if longer_line:
            return NameMatch(key, None, "none", self.suggest(words), reason="names a more specific line")
        return NameMatch(key, winner.title, "rule" if winner.rule else "auto", reason="words")

    def suggest(self, words: Sequence[str]) -> Suggestion | None:
        """The closest title for the queue: the longest product line the name contains, else the best
        word overlap (Jaccard ≥ 0.34)."""
        best: tuple[float, int] | None = None
        have = set(words)
        for p in self.patterns:
            if p.base and _contains_all(words, p.base):
                score = 0.5 + 0.5 * len(set(p.words) & have) / len(set(p.words) | have)
            else:
                score = len(set(p.words) & have) / len(set(p.words) | have)
            if score >= 0.34 and (
                best is None or score > best[0] or (score == best[0] and p.title < best[1])
            ):
                best = (score, p.title)
        if best is None:
            return None
        return Suggestion(best[1], round(min(best[0], 0.99), 2))
