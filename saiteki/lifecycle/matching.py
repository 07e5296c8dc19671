"""Matching free-text product names from the ledger to catalogue release cycles (pure, no Django).

Staff write the same product many ways: 「Windows Server 2012 R2 Standard」, 「ＲＨＥＬ７．９」,
「ウインドウズサーバー2019」, 「SQLServer2016SP3」, 「Oracle Database 19c Standard Edition 2」. The
matcher turns such text into a catalogue *product* and *cycle* in four steps, each general rather than
a list of known strings:

1. :func:`normalise` — NFKC (full-width letters, digits and spaces become ASCII), lower case, katakana
   product words to their English names (ウインドウズ → windows, サーバー → server), service-pack and
   bit-width phrases to canonical forms, spaces inserted between glued words and versions
   (``rhel7.9`` → ``rhel 7.9``, ``2012r2`` → ``2012 r2``).
2. Product detection by aliases (catalogue titles, slugs and a table of common spellings; admins add
   more as rules). Aliases match across missing spaces (``windowsserver``). Two different products in
   one text is ambiguous and never matched: a wrong match is worse than none. Vendor-only aliases
   ("oracle", "apache") count only when nothing more specific was found.
3. The rest of the text is tokenised: versions (``7.9``, ``19c``, ``22h2``, ``r2``, ``sp3``) are kept;
   edition, vendor and packaging words (Standard, Datacenter, 64bit, 日本語版 …) are dropped; any other
   Latin or katakana word outside brackets means the text is about something else and stops the match.
4. The version tokens are looked up in the product's cycle keys — built by the *same* tokeniser from
   every cycle's id and label — exactly first, then with service packs or editions the catalogue needs
   (Windows Server 2008 R2 → ``2008-r2-sp1``), then with dotted versions shortened (7.9 → 7). A lookup
   that finds more than one cycle is ambiguous and unmatched.

Every answer carries a confidence in [0, 1] that says how much of this was exact. Steps 1 and 3 (the
text layer) are in :mod:`saiteki.lifecycle.matching_text`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from .matching_text import R_RE, Token, normalise, tokens, vendors_named

# --- Products -------------------------------------------------------------------------------------------

#: Common spellings per catalogue product (beyond its title and slug). Weak aliases are vendor names
#: or short forms that only count when no more specific product appears in the text.
ALIASES: dict[str, tuple[str, ...]] = {
    "windows": ("windows", "microsoft windows", "ms windows", "win"),
    "windows-server": (
        "windows server",
        "win server",
        "winserver",
        "windows svr",
        "win svr",
        "winsvr",
        "winsv",
        "windows srv",
        "win srv",
    ),
    "windows-embedded": ("windows embedded",),
    "office": ("office", "microsoft office", "ms office", "office professional plus", "office standard"),
    "rhel": ("rhel", "red hat enterprise linux", "redhat enterprise linux", "red hat linux", "redhat linux"),
    "centos": ("centos", "cent os", "centos linux"),
    "centos-stream": ("centos stream",),
    "rocky-linux": ("rocky linux", "rockylinux"),
    "almalinux": ("almalinux", "alma linux", "almalinux os"),
    "ubuntu": ("ubuntu", "ubuntu server", "ubuntu linux"),
    "debian": ("debian", "debian gnu linux"),
    "sles": ("sles", "suse linux enterprise server", "suse linux enterprise", "suse enterprise server"),
    "oracle-database": ("oracle database", "oracle db", "oracle rdbms", "oracle database server"),
    "mssqlserver": ("sql server", "sqlserver", "microsoft sql server", "mssql", "ms sql", "mssql server"),
    "postgresql": ("postgresql", "postgres", "pgsql", "postgre sql", "postgre"),
    "mysql": ("mysql", "my sql", "mysql server", "mysql community server"),
    "mariadb": ("mariadb", "maria db"),
    "tomcat": ("tomcat", "apache tomcat"),
    "apache-http-server": ("apache http server", "apache httpd", "httpd", "apache http", "apache web server"),
    "nginx": ("nginx",),
    "oracle-jdk": ("oracle jdk", "oracle java", "oracle java se", "java se development kit", "oracle jre"),
    "eclipse-temurin": ("eclipse temurin", "temurin", "adoptium temurin"),
    "php": ("php",),
    "dotnet": (".net", ".net core", "dotnet", "dotnet core", "net core"),
    "dotnetfx": (".net framework", "dotnet framework", "net framework", ".netframework"),
    "internet-explorer": ("internet explorer", "ie"),
    "vmware-esxi": ("esxi", "vmware esxi", "vsphere esxi", "vmware vsphere esxi", "vsphere hypervisor"),
    "vmware-vcenter": ("vcenter", "vcenter server", "vmware vcenter", "vcsa", "vsphere vcenter"),
    "citrix-vad": (
        "citrix virtual apps and desktops",
        "citrix virtual apps",
        "citrix virtual desktops",
        "xenapp",
        "xendesktop",
        "citrix vad",
        "cvad",
    ),
    "fortios": ("fortios", "forti os"),
    "cisco-ios-xe": ("ios xe", "iosxe", "cisco ios xe"),
    "android": ("android", "android os"),
    "ios": ("ios", "apple ios", "iphone os"),
    "chrome": ("chrome", "google chrome"),
    "firefox": ("firefox", "mozilla firefox", "firefox esr"),
    "oracle-linux": ("oracle linux", "oracle enterprise linux", "oel"),
    "amazon-linux": ("amazon linux", "amzn"),
    "msexchange": ("exchange server", "microsoft exchange", "microsoft exchange server", "ms exchange"),
    "sharepoint": ("sharepoint", "sharepoint server", "microsoft sharepoint"),
    "libreoffice": ("libreoffice", "libre office"),
    "python": ("python",),
    "django": ("django",),
    "veeam-backup-and-replication": (
        "veeam backup and replication",
        "veeam b and r",
        "veeam backup replication",
        "veeam br",
    ),
    "pan-os": ("pan os", "panos"),
    "red-hat-jboss-eap": (
        "jboss eap",
        "jboss enterprise application platform",
        "red hat jboss eap",
        "red hat jboss enterprise application platform",
        "red hat jboss",
        "jboss",
    ),
    "zabbix": ("zabbix", "zabbix server"),
    "macos": ("macos", "mac os x", "os x", "osx", "mac os"),
    "ipados": ("ipados",),
}
WEAK_ALIASES: dict[str, tuple[str, ...]] = {
    "oracle-database": ("oracle",),
    "apache-http-server": ("apache",),
    "rhel": ("red hat", "redhat"),
    "rocky-linux": ("rocky",),
    "almalinux": ("alma",),
    "sles": ("suse",),
    "msexchange": ("exchange",),
    "veeam-backup-and-replication": ("veeam",),
    "windows-server": ("ws",),
}
#: The vendor of each shipped product, for :data:`matching_text.VENDOR_WORDS`. A product listed with no
#: vendor (community projects) matches no text that names a vendor; a product not listed at all (an
#: admin's own) is not checked.
VENDORS: dict[str, frozenset[str]] = {
    **dict.fromkeys(
        (
            "windows",
            "windows-server",
            "windows-embedded",
            "office",
            "mssqlserver",
            "msexchange",
            "sharepoint",
            "internet-explorer",
            "dotnet",
            "dotnetfx",
        ),
        frozenset({"microsoft"}),
    ),
    **dict.fromkeys(("rhel", "red-hat-jboss-eap", "centos", "centos-stream"), frozenset({"redhat"})),
    **dict.fromkeys(("oracle-database", "oracle-jdk", "oracle-linux", "mysql"), frozenset({"oracle"})),
    **dict.fromkeys(("apache-http-server", "tomcat"), frozenset({"apache"})),
    **dict.fromkeys(("vmware-esxi", "vmware-vcenter"), frozenset({"vmware"})),
    "cisco-ios-xe": frozenset({"cisco"}),
    "fortios": frozenset({"fortinet"}),
    "pan-os": frozenset({"paloalto"}),
    "ubuntu": frozenset({"canonical"}),
    "sles": frozenset({"suse"}),
    **dict.fromkeys(("chrome", "android"), frozenset({"google"})),
    "firefox": frozenset({"mozilla"}),
    **dict.fromkeys(("ios", "ipados", "macos"), frozenset({"apple"})),
    "citrix-vad": frozenset({"citrix"}),
    "veeam-backup-and-replication": frozenset({"veeam"}),
    "amazon-linux": frozenset({"amazon"}),
    "eclipse-temurin": frozenset({"eclipse"}),
    **dict.fromkeys(
        (
            "postgresql",
            "mariadb",
            "nginx",
            "php",
            "python",
            "django",
            "debian",
            "libreoffice",
            "almalinux",
            "rocky-linux",
            "zabbix",
        ),
        frozenset(),
    ),
}
#: When a text names one product but its version exists only in a sibling product, the sibling is
#: taken (at lower confidence): "Windows 2012 R2" is Windows Server — the client never had 2012.
FAMILIES: dict[str, tuple[str, ...]] = {"windows": ("windows-server",), "windows-server": ("windows",)}


def _alias_pattern(alias: str) -> str:
    parts = [re.escape(p) for p in alias.split()]
    body = r"\s*".join(parts)
    return rf"(?<![a-z]){body}(?![a-z])"


# --- The matcher ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CatalogueCycle:
    """What the matcher needs of a cycle: its product, id and label."""

    product: str
    cycle: str
    label: str = ""


@dataclass(frozen=True)
class MatchResult:
    """The answer for one text. ``product``/``cycle`` are catalogue identifiers ("" when unmatched);
    ``candidate_product`` is the product recognised even when no cycle could be chosen (for the
    unmatched queue); ``reason`` says in English why a text stayed unmatched (for logs and tests)."""

    matched: bool
    product: str = ""
    cycle: str = ""
    confidence: float = 0.0
    method: str = ""
    reason: str = ""
    candidate_product: str = ""
    candidates: tuple[str, ...] = ()


@dataclass
class _ProductIndex:
    keys: dict[tuple[str, ...], set[str]] = field(default_factory=dict)
    vocab: set[str] = field(default_factory=set)


def _key(toks: Iterable[Token]) -> tuple[str, ...]:
    return tuple(sorted(t.text for t in toks))


class Matcher:
    """A matcher over one catalogue state plus the admins' rules. Build once, match many texts.

    ``aliases`` (alias → product), ``exact`` (normalised text → (product, cycle)), ``blocked``
    (normalised texts that must never match) and ``noise`` (extra noise words) come from the stored
    rules; everything else comes from the catalogue itself.
    """

    def __init__(
        self,
        products: Mapping[str, str],
        cycles: Iterable[CatalogueCycle],
        *,
        aliases: Mapping[str, str] | None = None,
        exact: Mapping[str, tuple[str, str]] | None = None,
        blocked: Iterable[str] = (),
        noise: Iterable[str] = (),
    ) -> None:
        self.products = dict(products)
        self.noise = frozenset(normalise(n) for n in noise if n)
        self.exact = {normalise(k): v for k, v in (exact or {}).items()}
        self.blocked = {normalise(b) for b in blocked}
        strong: dict[str, str] = {}
        weak: dict[str, str] = {}
        for slug, title in self.products.items():
            for alias in (title, slug.replace("-", " "), *ALIASES.get(slug, ())):
                strong.setdefault(normalise(alias), slug)
            for alias in WEAK_ALIASES.get(slug, ()):
                weak.setdefault(normalise(alias), slug)
        for alias, slug in (aliases or {}).items():
            if slug in self.products and normalise(alias):
                strong[normalise(alias)] = slug
        for alias in list(weak):
            if alias in strong:
                del weak[alias]
        self.strong = strong
        self.weak = weak
        self._strong_re = [(re.compile(_alias_pattern(a)), a, s) for a, s in strong.items() if a]
        self._weak_re = [(re.compile(_alias_pattern(a)), a, s) for a, s in weak.items() if a]
        self.index: dict[str, _ProductIndex] = {}
        by_product: dict[str, list[CatalogueCycle]] = {}
        for c in cycles:
            by_product.setdefault(c.product, []).append(c)
        for slug, rows in by_product.items():
            self.index[slug] = self._build_index(slug, rows)

    # Index ------------------------------------------------------------------------------------------

    def _product_aliases(self, slug: str) -> list[str]:
        own = [a for a, s in self.strong.items() if s == slug] + [
            a for a, s in self.weak.items() if s == slug
        ]
        extra = {
            "windows": ["windows"],
            "almalinux": ["almalinux os"],
            "macos": ["macos", "mac os x", "os x"],
        }
        return sorted({*own, *extra.get(slug, [])}, key=len, reverse=True)

    def _build_index(self, slug: str, rows: list[CatalogueCycle]) -> _ProductIndex:
        idx = _ProductIndex()
        aliases = self._product_aliases(slug)
        texts: list[tuple[str, str]] = []
        for c in rows:
            texts.append((c.cycle, normalise(c.cycle.replace("-", " "))))
            label = normalise(c.label)
            for alias in aliases:
                label = re.sub(_alias_pattern(alias), " ", label)
            texts.append((c.cycle, label))
        # Vocabulary: every non-version word the product's own cycle names use (xp, vista, bookworm,
        # the E/W/LTS edition marks of Windows, "standard" of Windows Embedded Standard 7).
        for _cycle, text in texts:
            for t in tokens(text, keep_noise=True):
                if t.kind in ("unknown", "noise"):
                    idx.vocab.add(t.text)
        for cycle, text in texts:
            toks = [t for t in tokens(text, vocab=frozenset(idx.vocab)) if t.kind != "kanji"]
            if not toks:
                continue
            idx.keys.setdefault(_key(toks), set()).add(cycle)
            unbracketed = [t for t in toks if not t.bracketed]
            if unbracketed and len(unbracketed) != len(toks):
                idx.keys.setdefault(_key(unbracketed), set()).add(cycle)
        return idx

    # Matching ---------------------------------------------------------------------------------------

    def detect_products(self, text: str) -> tuple[list[tuple[int, int, str, bool]], str]:
        """Alias spans found in a normalised text: (start, end, product, weak), non-overlapping,
        longest first; weak aliases only when no strong alias was found."""

        def find(patterns, weak):
            found = []
            for rx, _alias, slug in patterns:
                for m in rx.finditer(text):
                    found.append((m.start(), m.end(), slug, weak))
            return found

        spans = self._resolve(find(self._strong_re, False))
        if not spans:
            spans = self._resolve(find(self._weak_re, True))
        return spans, text

    @staticmethod
    def _resolve(found: list[tuple[int, int, str, bool]]) -> list[tuple[int, int, str, bool]]:
        chosen: list[tuple[int, int, str, bool]] = []
        for span in sorted(found, key=lambda s: (-(s[1] - s[0]), s[0])):
            if all(span[1] <= c[0] or span[0] >= c[1] for c in chosen):
                chosen.append(span)
        return sorted(chosen)

    def match(self, text: str) -> MatchResult:
        """The catalogue cycle a free text names, or an unmatched result saying why."""
        norm = normalise(text)
        if not norm:
            return MatchResult(False, reason="empty")
        if norm in self.blocked:
            return MatchResult(False, reason="blocked by rule", method="rule")
        if norm in self.exact:
            product, cycle = self.exact[norm]
            return MatchResult(True, product, cycle, 1.0, method="rule")
        spans, _ = self.detect_products(norm)
        products = list(dict.fromkeys(s[2] for s in spans))
        if not products:
            return MatchResult(False, reason="no known product")
        if len(products) > 1:
            return MatchResult(False, reason="several products", candidates=tuple(products))
        product = products[0]
        weak = all(s[3] for s in spans)
        rest = norm
        for start, end, _slug, _weak in reversed(spans):
            rest = rest[:start] + " " + rest[end:]
        foreign = vendors_named(rest) - VENDORS.get(product, frozenset(vendors_named(rest)))
        if foreign:
            return MatchResult(
                False, reason=f"another vendor: {' '.join(sorted(foreign))}", candidate_product=product
            )
        result = self._match_cycle(product, rest)
        if not result.matched:
            for sibling in FAMILIES.get(product, ()):
                alt = self._match_cycle(sibling, rest)
                if alt.matched:
                    result = MatchResult(
                        True, alt.product, alt.cycle, round(alt.confidence * 0.85, 2), method="family"
                    )
                    break
        if result.matched and weak:
            result = MatchResult(
                True, result.product, result.cycle, round(result.confidence * 0.9, 2), method=result.method
            )
        if not result.matched:
            return MatchResult(
                False, reason=result.reason, candidate_product=product, candidates=result.candidates
            )
        return result

    def _match_cycle(self, product: str, rest: str) -> MatchResult:
        idx = self.index.get(product)
        if idx is None:
            return MatchResult(False, reason="product has no cycles")
        toks = tokens(rest, vocab=frozenset(idx.vocab), noise=self.noise)
        unknown = [t.text for t in toks if t.kind == "unknown" and not t.bracketed]
        if unknown:
            return MatchResult(False, reason=f"unknown words: {' '.join(unknown)}")
        penalty = 0.97 if any(t.kind in ("unknown", "kanji") for t in toks) else 1.0
        toks = [t for t in toks if t.kind not in ("unknown", "kanji")]
        versions = [t for t in toks if t.kind in ("version", "r", "sp", "vocab")]
        if not any(t.kind == "version" or (t.kind == "vocab" and not t.bracketed) for t in versions):
            # Bracketed versions only ("Windows Server (2019)") still count.
            if not any(t.kind == "version" for t in toks):
                return MatchResult(False, reason="no version")
        hints = [t for t in toks if t.kind == "hint"]
        attempts: list[tuple[list[Token], float]] = [(versions + hints, 1.0)]
        if hints:
            attempts.append((versions, 0.97))
        unbracketed = [t for t in versions if not t.bracketed]
        if unbracketed and len(unbracketed) != len(versions):
            attempts.append((unbracketed + hints, 0.95))
            if hints:
                attempts.append((unbracketed, 0.93))
        for candidate_tokens, conf in attempts:
            found = self._lookup(idx, candidate_tokens)
            if found is None:
                continue
            cycles, how = found
            if len(cycles) == 1:
                return MatchResult(True, product, next(iter(cycles)), round(conf * how * penalty, 2), "auto")
            return MatchResult(False, reason="several cycles", candidates=tuple(sorted(cycles)))
        return self._match_restated_version(product, idx, versions, hints, penalty)

    def _match_restated_version(
        self, product: str, idx: _ProductIndex, versions: list[Token], hints: list[Token], penalty: float
    ) -> MatchResult:
        """A version stated twice, as a name and as a number, with the same major: Oracle's banner
        「19c … Release 19.0.0.0.0」, 「12c … Release 12.2.0.1」. Each spelling is looked up alone;
        the text matches when the ones that resolve agree on one cycle (12c alone is ambiguous, 12.2.0.1
        decides). Versions with different majors (2022 and 21H2) are two claims, not one restated."""
        numbers = [t for t in versions if t.kind == "version"]
        majors = {re.match(r"\d+", t.text).group(0) for t in numbers}  # type: ignore[union-attr]
        if len(numbers) < 2 or len(majors) != 1:
            return MatchResult(False, reason="no such cycle")
        others = [t for t in versions if t.kind != "version"]
        found: set[str] = set()
        for t in numbers:
            hit = self._lookup(idx, [t, *others, *hints])
            if hit is not None and len(hit[0]) == 1:
                found |= hit[0]
        if len(found) != 1:
            return MatchResult(False, reason="no such cycle")
        return MatchResult(True, product, next(iter(found)), round(0.9 * penalty, 2), "auto")

    def _lookup(self, idx: _ProductIndex, toks: list[Token]) -> tuple[set[str], float] | None:
        """Exact key, then the catalogue's service-pack/edition variants, then shortened versions."""
        if not toks:
            return None
        key = _key(toks)
        if key in idx.keys:
            return idx.keys[key], 0.97
        sps = [t for t in toks if t.kind == "sp"]
        base = [t for t in toks if t.kind != "sp"]
        # A service pack the catalogue does not split by is a patch level: drop it, but only when no
        # cycle of this version carries a service pack (SQL Server 2016 SP4 must not become RTM).
        if sps:
            base_key = _key(base)
            sp_siblings = [
                k for k in idx.keys if set(base_key) < set(k) and any(w.startswith("sp") for w in k)
            ]
            if base_key in idx.keys and not sp_siblings:
                return idx.keys[base_key], 0.93
        # SUSE numbers its service packs as cycles: SLES 15 SP5 is cycle 15.5.
        plain_versions = [t for t in base if t.kind == "version" and re.fullmatch(r"\d+", t.text)]
        if len(sps) == 1 and len(plain_versions) == 1:
            minor = re.sub(r"\D", "", sps[0].text)
            as_minor = [
                Token(f"{plain_versions[0].text}.{minor}", "version") if t is plain_versions[0] else t
                for t in base
            ]
            if _key(as_minor) in idx.keys:
                return idx.keys[_key(as_minor)], 0.93
        # The catalogue names the cycle with more words than the text (2008 R2 → 2008 R2 SP1): accept
        # when the extra words are service packs, editions or names — never another version number.
        supersets: set[str] = set()
        for k, cycles in idx.keys.items():
            extra = list(k)
            ok = True
            for w in key:
                if w in extra:
                    extra.remove(w)
                else:
                    ok = False
                    break
            if ok and extra and all(not w[0].isdigit() and not R_RE.match(w) for w in extra):
                supersets |= cycles
        if supersets:
            return supersets, 0.88
        # Shorten the most precise dotted version: 7.9 → 7, 8.0.32 → 8.0 → 8; or lengthen 9 → 9.0
        # when the product has exactly one 9.x cycle.
        dotted = [t for t in toks if t.kind == "version" and "." in t.text]
        if dotted:
            t = max(dotted, key=lambda x: x.text.count("."))
            shorter = t.text.rsplit(".", 1)[0]
            replaced = [Token(shorter, "version") if x is t else x for x in toks]
            found = self._lookup(idx, replaced)
            if found is not None:
                return found[0], round(found[1] * 0.95, 3)
            return None
        plain = [t for t in toks if t.kind == "version" and re.fullmatch(r"\d+", t.text)]
        if len(plain) == 1:
            t = plain[0]
            family = [k for k in idx.keys if any(re.fullmatch(rf"{t.text}\.\d+", w) for w in k)]
            exact0 = [k for k in family if f"{t.text}.0" in k]
            if family and len(family) == len(exact0):
                replaced = [Token(f"{t.text}.0", "version") if x is t else x for x in toks]
                k2 = _key(replaced)
                if k2 in idx.keys:
                    return idx.keys[k2], 0.9
        return None
