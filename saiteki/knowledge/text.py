"""Text handling for the knowledge base: normalisation, index grams, SudachiPy tokens, safe Markdown,
highlighted snippets.

Everything the search compares goes through :func:`normalize` (NFKC + lower case), on the way into the
index and on the way in from the query box, so 「ＶＰＮ」 finds "vpn" and 「ｶﾞｲﾄﾞ」 finds 「ガイド」.
See docs/adr/0005-japanese-search.md for why the index holds unigrams + bigrams and the ranking uses
SudachiPy tokens.
"""

from __future__ import annotations

import functools
import html
import re
import unicodedata
from dataclasses import dataclass

import nh3
from markdown_it import MarkdownIt

#: Longest normalised text kept per article in the search index (title + body + attachments).
MAX_INDEX_CHARS = 200_000


def normalize(text: str) -> str:
    """NFKC + lower case: full-width/half-width and case differences never decide a match."""
    return unicodedata.normalize("NFKC", text or "").lower()


def is_word_char(ch: str) -> bool:
    """Letters and digits of any script: the characters the gram index holds (SQLite FTS5's unicode61
    tokenizer also treats every one of them as part of a token, so a gram is one FTS token)."""
    return unicodedata.category(ch)[0] in "LN"


def grams(normalized: str) -> set[str]:
    """Distinct unigrams and bigrams of word characters of an already normalised text."""
    out: set[str] = set()
    prev = ""
    for ch in normalized:
        if is_word_char(ch):
            out.add(ch)
            if prev:
                out.add(prev + ch)
            prev = ch
        else:
            prev = ""
    return out


def query_grams(term: str) -> list[str]:
    """The grams every text containing ``term`` (normalised) must hold: its bigrams, or its unigram
    when a run of word characters is one character long. Empty when the term has no word character
    (then the search falls back to a plain scan)."""
    out: list[str] = []
    for run in re.findall(r"\w+", term):
        run = "".join(ch for ch in run if is_word_char(ch))
        if len(run) == 1:
            out.append(run)
        else:
            out.extend(run[i : i + 2] for i in range(len(run) - 1))
    # Word runs may also be split by characters \w accepts but the index does not (e.g. "_").
    return list(dict.fromkeys(g for g in out if g and all(is_word_char(c) for c in g)))


#: Token between runs of word characters in a bigram stream: never a bigram (3+ characters), so a phrase
#: of bigrams cannot match across 「・」 or a line break.
RUN_BREAK = "brk0"


def bigram_stream(normalized: str) -> str:
    """The bigrams of an already normalised text in order, runs separated by :data:`RUN_BREAK`: the
    FTS5 phrase of a term's bigrams then matches exactly where the term occurs as a substring."""
    out: list[str] = []
    run: list[str] = []
    for ch in normalized + " ":
        if is_word_char(ch):
            run.append(ch)
            continue
        if len(run) > 1:
            if out:
                out.append(RUN_BREAK)
            out.extend(run[i] + run[i + 1] for i in range(len(run) - 1))
        run = []
    return " ".join(out)


def heads_text(words: list[str]) -> str:
    """Proper suffixes of each word (自動車税 → 税, 車税, 動車税): Japanese compounds are right-headed, so a
    word ending in the query is a kind of it (県税 is a 税, 税務課 is not)."""
    out: list[str] = []
    for w in words:
        if len(w) > 1 and all(is_word_char(c) for c in w):
            out.extend(w[i:] for i in range(1, len(w)))
    return " ".join(out)


def grams_text(normalized: str) -> str:
    """The gram set as one space-separated string (stored; FTS5 and the PostgreSQL GIN index read it)."""
    return " ".join(sorted(grams(normalized)))


@functools.lru_cache(maxsize=1)
def _tokenizer():
    from sudachipy import Dictionary

    return Dictionary().tokenizer()


def tokens(text: str) -> list[str]:
    """SudachiPy words of ``text`` (normalised surfaces), long units (mode C) and their short parts
    (mode A), so 「県税総合システム」 yields 県税, 総合, システム and 「東京都」 yields 東京都, 東京, 都."""
    from sudachipy import SplitMode

    out: list[str] = []
    tok = _tokenizer()
    # SudachiPy refuses inputs over ~49 KB: tokenise line by line, in bounded chunks.
    for line in (text or "").splitlines():
        for start in range(0, len(line), 4000):
            chunk = line[start : start + 4000]
            if not chunk.strip():
                continue
            for m in tok.tokenize(chunk, SplitMode.C):
                surface = normalize(m.surface()).strip()
                if not surface or not any(is_word_char(c) for c in surface):
                    continue
                out.append(surface)
                parts = m.split(SplitMode.A)
                if len(parts) > 1:
                    out.extend(normalize(p.surface()).strip() for p in parts if p.surface().strip())
    return out


def tokens_text(words: list[str]) -> str:
    """Tokens stored as " a  b  c ": every token wrapped in its own spaces, so ``" 税 "`` matches whole
    tokens only and occurrences can be counted without overlaps."""
    return "".join(f" {w} " for w in words)


# ---------------------------------------------------------------------------------------------------
# Markdown
# ---------------------------------------------------------------------------------------------------

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")

_ALLOWED_TAGS = {
    "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "code", "pre", "blockquote",
    "ul", "ol", "li", "a", "table", "thead", "tbody", "tr", "th", "td", "del", "s",
}  # fmt: skip


def render_markdown(body: str) -> str:
    """Markdown → HTML that is safe to show: raw HTML is escaped by the parser and the output is cleaned
    again with an allow-list (no script, no event handlers, no javascript: links)."""
    rendered = _md.render(body or "")
    return nh3.clean(
        rendered,
        tags=_ALLOWED_TAGS,
        attributes={"a": {"href", "title"}, "th": {"align"}, "td": {"align"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )


def markdown_plain(body: str) -> str:
    """Plain text of a Markdown body (for the index and snippets): tags stripped, entities decoded."""
    rendered = _md.render(body or "")
    # Block ends become line breaks, cells tabs, inline tags vanish: 「**県税**の」 stays 「県税の」.
    text = re.sub(
        r"</?(?:p|h[1-6]|li|ul|ol|tr|table|thead|tbody|blockquote|pre|hr|br)\b[^>]*>", "\n", rendered
    )
    text = re.sub(r"</?t[dh]\b[^>]*>", "\t", text)
    text = re.sub(r"<[^>]+>", "", text)
    text = re.sub(r"[ \t]+", " ", html.unescape(text))
    return re.sub(r"\s*\n\s*", "\n", text).strip()


# ---------------------------------------------------------------------------------------------------
# Snippets
# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Snippet:
    """A short excerpt around the first match: ``text`` plain, ``html`` with ``<mark>`` around matches."""

    text: str
    html: str


def _normalized_with_map(text: str) -> tuple[str, list[int]]:
    """Normalise character by character, remembering which original character each output came from."""
    out: list[str] = []
    index: list[int] = []
    for i, ch in enumerate(text):
        n = normalize(ch)
        out.append(n)
        index.extend([i] * len(n))
    return "".join(out), index


def snippet(text: str, terms: list[str], width: int = 120) -> Snippet:
    """An excerpt of ``text`` of about ``width`` characters around the first occurrence of any term,
    with every occurrence of every term highlighted. Terms are normalised like the index."""
    text = re.sub(r"\s+", " ", text or "").strip()
    norm, index = _normalized_with_map(text)
    spans: list[tuple[int, int]] = []
    for term in {normalize(t) for t in terms if t.strip()}:
        start = norm.find(term)
        while start != -1:
            end = start + len(term)
            spans.append((index[start], index[end - 1] + 1))
            start = norm.find(term, end)
    spans.sort()
    first = spans[0][0] if spans else 0
    lo = max(0, first - width // 3)
    hi = min(len(text), lo + width)
    parts: list[str] = []
    pos = lo
    for s, e in spans:
        if e <= lo or s >= hi or s < pos:
            continue
        parts.append(html.escape(text[pos:s]))
        parts.append(f"<mark>{html.escape(text[s : min(e, hi)])}</mark>")
        pos = min(e, hi)
    parts.append(html.escape(text[pos:hi]))
    prefix = "…" if lo > 0 else ""
    suffix = "…" if hi < len(text) else ""
    return Snippet(text=prefix + text[lo:hi] + suffix, html=prefix + "".join(parts) + suffix)
