"""The text layer of the product matcher (pure, no Django): :func:`normalise` turns what staff typed
into one canonical form, :func:`tokens` classifies the words of the version part.

Steps 1 and 3 of :mod:`saiteki.lifecycle.matching`; the matcher builds its cycle keys with the *same*
functions, so a catalogue id and a typed name meet in the same form.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# --- Normalisation ------------------------------------------------------------------------------------

#: Katakana (and a few kanji) spellings of product and edition words → their English words.
#: Applied longest first, so ウィンドウズサーバー becomes "windows server".
KATAKANA: dict[str, str] = {
    "ウインドウズ": "windows",
    "ウィンドウズ": "windows",
    "ウインドーズ": "windows",
    "ウィンドーズ": "windows",
    "ウインドウス": "windows",
    "ウィンドウス": "windows",
    "サーバー": "server",
    "サーバ": "server",
    "サーヴァー": "server",
    "マイクロソフト": "microsoft",
    "レッドハット": "red hat",
    "エンタープライズ": "enterprise",
    "エンタプライズ": "enterprise",
    "リナックス": "linux",
    "リヌクス": "linux",
    "オラクル": "oracle",
    "データベース": "database",
    "エスキューエル": "sql",
    "シークェル": "sql",
    "ポストグレスキューエル": "postgresql",
    "ポストグレス": "postgresql",
    "ポスグレ": "postgresql",
    "ポストグレ": "postgre",
    "マイエスキューエル": "mysql",
    "マリアディービー": "mariadb",
    "セントオーエス": "centos",
    "セントos": "centos",
    "ウブントゥ": "ubuntu",
    "ウブンツ": "ubuntu",
    "ユーブンツ": "ubuntu",
    "デビアン": "debian",
    "トムキャット": "tomcat",
    "アパッチ": "apache",
    "ブイエムウェア": "vmware",
    "ヴイエムウェア": "vmware",
    "オフィス": "office",
    "エクスチェンジ": "exchange",
    "シェアポイント": "sharepoint",
    "ジャバ": "java",
    "ジャヴァ": "java",
    "インターネットエクスプローラー": "internet explorer",
    "インターネットエクスプローラ": "internet explorer",
    "エクスプローラー": "explorer",
    "エクスプローラ": "explorer",
    "インターネット": "internet",
    "クローム": "chrome",
    "ファイアフォックス": "firefox",
    "ファイヤーフォックス": "firefox",
    "ロッキー": "rocky",
    "アルマ": "alma",
    "スタンダード": "standard",
    "データセンター": "datacenter",
    "エディション": "edition",
    "エッセンシャルズ": "essentials",
    "エクスプレス": "express",
    "プロフェッショナル": "professional",
    "サービスパック": "service pack",
    "ホーム": "home",
    "プロ": "pro",
}
_KATAKANA_RE = re.compile("|".join(re.escape(k) for k in sorted(KATAKANA, key=len, reverse=True)))

#: Phrases removed before tokenising because they contain numbers that are not versions.
_NOISE_PHRASES = [
    r"standard\s*edition\s*(?:2|two|ii)\b",
    r"standard\s*edition\s*(?:1|one)\b",
    r"\bse\s*[12]\b",
    r"\b(?:x86|amd)?\s*[-_]?\s*(?:32|64)\s*(?:bit|ビット|ﾋﾞｯﾄ)\b",
    r"(?:32|64)\s*(?:bit|ビット)",
    r"\bx86[\s_]*64\b",
    r"\bx(?:64|86)\b",
    r"\b(?:arm|aarch)64\b",
    r"\b\d+\s*(?:cores?|cals?|users?|devices?|vcpus?|cpus?|procs?|processors?|sockets?)\b",
    r"\d+\s*(?:コア|ユーザー?|ライセンス|台|クライアント|本)",
]
_NOISE_PHRASE_RE = re.compile("|".join(_NOISE_PHRASES))


def normalise(text: str) -> str:
    """Canonical form of a product text: NFKC, lower case, English words, spaced versions.

    Idempotent (``normalise(normalise(x)) == normalise(x)``), so stored rules keyed by the normalised
    text keep matching however the staff member typed it.
    """
    s = unicodedata.normalize("NFKC", text or "").lower()
    s = s.replace("〜", " ").replace("～", " ")
    s = _KATAKANA_RE.sub(lambda m: f" {KATAKANA[m.group(0)]} ", s)
    s = re.sub(r"service\s*pack\s*(\d+)", r" sp\1 ", s)
    s = s.replace("&", " and ")
    s = re.sub(r"[‐‑‒–—―\-_/\\:;,|、。・･「」『』【】\[\]{}<>\"“”*=!?]", " ", s)
    # Dots between words ("r.h.e.l", "ver.") are separators; between digits they are versions.
    s = re.sub(r"(?<=[^\d\s])\.(?=[^\d])|(?<=[^\d])\.(?=\s|$)", " ", s)
    s = re.sub(r"(?<![\w.])\.(?=\s|$)", " ", s)
    s = _NOISE_PHRASE_RE.sub(" ", s)
    # Versions followed by words: "2012r2" → "2012 r2", "11gr2" → "11g r2", "2016sp3" → "2016 sp3",
    # "2019standard" → "2019 standard", "7.0u3" → "7.0 u3".
    s = re.sub(r"(\d|\d[cgi])r(?=\d\b)", r"\1 r", s)
    s = re.sub(r"(\d[a-z]?)(sp|cu|su)(?=\d)", r"\1 \2", s)
    # Glued words and versions: "rhel7.9" → "rhel 7.9", "win10" → "win 10".
    s = re.sub(r"([a-z]{2,})(?=\d)", r"\1 ", s)
    s = re.sub(r"(\d)([a-z]{3,})", r"\1 \2", s)
    s = re.sub(r"(\d)u(?=\d)", r"\1 u", s)
    s = re.sub(r"\b(sp|cu|su|ur)\s+(\d+)", r"\1\2", s)
    s = re.sub(r"\s+", " ", s).strip()
    return s


# --- Tokens ---------------------------------------------------------------------------------------------

#: Words that never decide anything: editions, vendors, packaging, generic nouns.
NOISE_WORDS = frozenset(
    """
    standard std enterprise ent datacenter datacentre essentials foundation web express developer dev
    evaluation eval professional pro plus home education business ultimate starter premium basic
    workstation server servers desktop core servercore experience edition editions ed se ee xe
    personal free community oss gpl x64 x86 amd64 arm64 bit bits linux gnu os release version ver v
    the for and jp ja jpn japanese english en lang language license licence sa ltsb ltsc lts esr
    production
    microsoft ms redhat red hat oracle apache vmware broadcom cisco fortinet palo alto networks
    canonical suse novell google mozilla apple citrix veeam amazon aws eclipse adoptium ibm
    hpe dell nec fujitsu hitachi
    platform software product products system stack package pack version edition64 sku
    windows sql database db java jdk jre
    """.split()
)
#: Vendor names (normalised words) → the vendor they stand for. They are noise *for that vendor's
#: products*; beside another vendor's product they say the text is about something else ("Cisco IOS" is
#: not Apple's iOS). Resellers and hardware makers (NEC, Fujitsu, HPE …) sell every vendor's software
#: and stay neutral noise.
VENDOR_WORDS: dict[str, str] = {
    "microsoft": "microsoft",
    "ms": "microsoft",
    "redhat": "redhat",
    "red hat": "redhat",
    "oracle": "oracle",
    "apache": "apache",
    "vmware": "vmware",
    "broadcom": "vmware",
    "cisco": "cisco",
    "fortinet": "fortinet",
    "palo alto": "paloalto",
    "paloalto": "paloalto",
    "canonical": "canonical",
    "suse": "suse",
    "novell": "suse",
    "google": "google",
    "mozilla": "mozilla",
    "apple": "apple",
    "citrix": "citrix",
    "veeam": "veeam",
    "amazon": "amazon",
    "aws": "amazon",
    "eclipse": "eclipse",
    "adoptium": "eclipse",
    "ibm": "ibm",
}
_VENDOR_RE = re.compile(
    r"\b(" + "|".join(re.escape(w) for w in sorted(VENDOR_WORDS, key=len, reverse=True)) + r")\b"
)


def vendors_named(text: str) -> set[str]:
    """The vendors a normalised text names."""
    return {VENDOR_WORDS[m.group(1)] for m in _VENDOR_RE.finditer(text)}


#: Japanese words that qualify rather than name a product (日本語版, 製品 …).
NOISE_JA = frozenset(
    "日本語版 日本語 英語版 英語 版 製品 ライセンス 相当 予定 現行 最新 仮想 物理 上 用 搭載 対応 年版".split()
)
#: Edition words that choose between cycles where the catalogue splits by edition (Windows E/W, LTSC).
EDITION_HINTS: dict[str, str] = {
    "enterprise": "e",
    "ent": "e",
    "education": "e",
    "edu": "e",
    "pro": "w",
    "professional": "w",
    "home": "w",
    "ltsc": "lts",
    "ltsb": "lts",
    "iot": "iot",
}
_PATCH_RE = re.compile(r"^(?:cu|su|ur|u|update|patch|p|build|rev|rtm|gdr|rollup|fp|mr)\d*[a-z]?$")
_VERSION_RE = re.compile(r"^\d+(?:\.\d+)*[a-z]{0,2}\d*$")
#: A release token (R2): a version part of its own, also for the matcher's lookups.
R_RE = re.compile(r"^r\d$")
_SP_RE = re.compile(r"^sp\d+[a-z]?$")
_TOKEN_RE = re.compile(
    r"\(|\)|'|[a-z0-9.][a-z0-9.+#]*|[\u3041-\u309f]+|[\u30a0-\u30ff]+|[\u4e00-\u9fff\u3005]+|\S"
)
_KANJI_RE = re.compile(r"^[\u4e00-\u9fff\u3005\u3041-\u309f]+$")


@dataclass(frozen=True)
class Token:
    """One word of the version part: ``kind`` is version, r (R2), sp (SP3), hint, vocab or unknown."""

    text: str
    kind: str
    bracketed: bool = False


def tokens(
    text: str,
    *,
    vocab: frozenset[str] = frozenset(),
    noise: frozenset[str] = frozenset(),
    keep_noise: bool = False,
) -> list[Token]:
    """Classify the words of an already normalised text.

    ``vocab`` holds the words the product's own cycle names use (xp, vista, bookworm, e, w): those are
    part of the version even when they look like noise. ``noise`` adds admin-defined noise words.
    """
    out: list[Token] = []
    depth = 0
    raw = [t.strip(".") if not t.startswith(".") else t for t in _TOKEN_RE.findall(text)]
    quoted = False
    for i, word in enumerate(raw):
        if not word:
            continue
        if word == "(":
            depth += 1
            continue
        if word == ")":
            depth = max(0, depth - 1)
            continue
        if word == "'":
            quoted = not quoted
            continue
        bracketed = depth > 0 or quoted
        if word in vocab:
            out.append(Token(word, "vocab", bracketed))
        elif _SP_RE.match(word):
            out.append(Token(word, "sp", bracketed))
        elif R_RE.match(word):
            out.append(Token(word, "r", bracketed))
        elif word == "release" and out and out[-1].kind == "version" and out[-1].text[-1:].isalpha():
            nxt = raw[i + 1] if i + 1 < len(raw) else ""
            if re.fullmatch(r"\d", nxt):  # Oracle "12c Release 2" → 12c r2
                raw[i + 1] = f"r{nxt}"
        elif _PATCH_RE.match(word) and not _VERSION_RE.match(word):
            nxt = raw[i + 1] if i + 1 < len(raw) else ""
            if word.isalpha() and re.fullmatch(r"\d+[a-z]?", nxt):  # "Update 3", "CU 23": patch levels
                raw[i + 1] = ""
            continue
        elif _VERSION_RE.match(word):
            out.append(Token(word, "version", bracketed))
        elif word in EDITION_HINTS and EDITION_HINTS[word] in vocab:
            out.append(Token(EDITION_HINTS[word], "hint", bracketed))
        elif word in NOISE_WORDS or word in noise or word in NOISE_JA or word in {"+", "#", "."}:
            if keep_noise and word not in {"+", "#", "."}:
                out.append(Token(word, "noise", bracketed))
            continue
        elif _KANJI_RE.match(word):
            out.append(Token(word, "kanji", bracketed))
        else:
            out.append(Token(word, "unknown", bracketed))
    return out
