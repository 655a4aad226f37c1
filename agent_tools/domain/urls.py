"""Is a link a look-alike of an exchange or wallet site? Offline checks against the bundled official domains.

Pure logic, offline. `parse_url` refuses what is not an http(s) URL with a public host (the tool maps its
`ValueError` to INVALID_ARGUMENT). `inspect_url` compares the host with the official domains of the
exchanges, wallets and dapps in ``data/official_domains.csv``:

* the official domain or one of its subdomains: low (an official site);
* an official domain inside another host (``binance.com.account-verify.io``), or the brand as a word of
  another domain (``secure-metamask.io``);
* an IDN homograph: a punycode label whose rendering, reduced to its Unicode confusable skeleton
  (UTS #39 data, ``confusable_homoglyphs``), spells a brand (``xn--bnance-…``);
* ASCII look-alikes (``rn``/``m``, ``l``/``i``/``1``, ``0``/``o``, ``vv``/``w``, ``cl``/``d``) and
  typo-squats: one insertion, omission, adjacent transposition, or substitution by a keyboard neighbour
  or look-alike (two for brands of ten letters or more), measured with ``rapidfuzz``;
* the brand's name under another suffix (``uniswap.app``);
* and, whoever the host imitates, a TLD over-represented in phishing reports, a raw IP address, a
  ``user@`` part that hides the real host, and plain http.

Registrable domains come from the Public Suffix List as bundled by ``publicsuffixlist`` (private
suffixes included, so ``metamask.github.io`` is its own site, not GitHub's), IDNA from ``idna``; nothing
is fetched at run time. Brands whose name is a common word (Gate, Ledger, Safe, ...) get medium rather
than high for a word match, since such words appear in unrelated domains.
"""

from __future__ import annotations

import csv
import io
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Literal, cast
from urllib.parse import urlsplit

from agent_tools.domain.findings import Finding, Severity, by_severity

if TYPE_CHECKING:
    from publicsuffixlist import PublicSuffixList

MAX_URL_LEN = 2048
OFFLINE_CHECKS = ("official_domains", "brand_in_domain", "idn_homograph", "typo_squat", "url_form")
BUNDLED = "official_domains_list"
LONG_BRAND = 10  # letters from which two typos still make a typo-squat
MIN_TYPO_BRAND = 5  # shorter brand names are one typo away from too many words
MIN_SUBSTRING_BRAND = 6  # a brand inside a longer word (``mymetamask``) counts from this length

SUSPICIOUS_TLDS = frozenset(
    # over-represented in phishing reports (Interisle's Phishing Landscape, Spamhaus' most-abused TLDs):
    # cheap or free registrations; .zip and .mov also pass for file names
    {"top", "xyz", "icu", "cyou", "cfd", "sbs", "bond", "buzz", "rest", "click", "tk", "ml", "ga", "cf", "gq"}
    | {"zip", "mov", "lol", "monster", "quest", "support"}
)
_ASCII_LOOKALIKES = (("rn", "m"), ("vv", "w"), ("cl", "d"), ("1", "l"), ("i", "l"), ("|", "l"), ("0", "o"))
_KEYBOARD = ("1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm")
_SWAPS = frozenset(
    {("l", "i"), ("i", "l"), ("l", "1"), ("1", "l"), ("i", "1"), ("1", "i"), ("o", "0"), ("0", "o")}
)


@dataclass(frozen=True, slots=True)
class Official:
    brand: str
    domain: str
    label: str  # the registrable label: "binance" for binance.com
    generic: bool  # the name is a common word


@dataclass(frozen=True, slots=True)
class ParsedUrl:
    url: str  # scheme://host[:port]/ : what is sent to a phishing list (no path, query or user part)
    scheme: str
    host: str  # ASCII (punycode), lower case, no trailing dot
    host_unicode: str  # as a browser may render it
    registrable: str | None  # None for an IP address
    suffix: str | None
    is_ip: bool
    has_userinfo: bool


@dataclass(frozen=True, slots=True)
class UrlInspection:
    findings: list[Finding]
    official: Official | None  # the host is this brand's official domain or a subdomain of it
    lookalike_of: str | None  # the official domain the host imitates


@dataclass(frozen=True, slots=True)
class PhishingVerdict:
    """A phishing list's answer for a site: listed or not, and what it says of the contracts the site uses."""

    listed: bool
    flagged_contracts: tuple[str, ...] = ()  # EIP-55 addresses of the site's contracts that carry risk tags
    contract_tags: tuple[str, ...] = ()  # those tags, cleaned (provider text)


def phishing_findings(verdict: PhishingVerdict, url: str, source: str) -> list[Finding]:
    """A listed site is critical; a site whose contracts carry the list's risk tags is high (a drainer
    is often a fresh site that only its contracts give away)."""
    found: list[Finding] = []
    if verdict.listed:
        found.append(
            Finding(
                code="PHISHING_SITE",
                severity="critical",
                title="Listed as a phishing site",
                evidence={"phishing_site": 1, "url": url},
                source=source,
            )
        )
    if verdict.contract_tags:
        found.append(
            Finding(
                code="SITE_CONTRACT_FLAGGED",
                severity="high",
                title="Contracts this site uses are tagged as risky",
                evidence={
                    "contracts": list(verdict.flagged_contracts),
                    "address_risk": list(verdict.contract_tags),
                },
                source=source,
            )
        )
    return found


# --- data ------------------------------------------------------------------------------------------------


@cache
def _psl() -> PublicSuffixList:
    from publicsuffixlist import PublicSuffixList

    return PublicSuffixList()


@cache
def _rows() -> tuple[dict[str, str], ...]:
    text = resources.files("agent_tools.data").joinpath("official_domains.csv").read_text(encoding="utf-8")
    return tuple(csv.DictReader(io.StringIO(text)))


def brands() -> list[str]:
    """The brands whose official domains are bundled, in the list's order (cheap: no suffix list)."""
    return list(dict.fromkeys(row["brand"] for row in _rows()))


@cache
def official_domains() -> tuple[Official, ...]:
    out: list[Official] = []
    for row in _rows():
        domain = row["domain"].strip().lower()
        suffix = _psl().publicsuffix(domain)
        if suffix is None or not domain.endswith("." + suffix):
            raise ValueError(f"official_domains.csv: {domain!r} has no public suffix")
        out.append(Official(row["brand"], domain, domain[: -len(suffix) - 1], row["generic_word"] == "1"))
    return tuple(out)


def official_for(registrable: str | None) -> Official | None:
    return next((o for o in official_domains() if o.domain == registrable), None)


# --- parsing ---------------------------------------------------------------------------------------------


def parse_url(text: str) -> ParsedUrl:
    """An http(s) URL with a public host, or `ValueError` saying exactly what is wrong."""
    if len(text) > MAX_URL_LEN:
        raise ValueError(f"URL is {len(text)} characters long; at most {MAX_URL_LEN} are allowed")
    value = text.strip()
    if not value:
        raise ValueError("URL is empty")
    if any(ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf") for ch in value):
        raise ValueError("URL contains spaces or invisible characters; a link has none")
    parts = urlsplit(value)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        shown = f"'{scheme}:'" if scheme else "none"
        raise ValueError(
            f"only http and https URLs can be checked (scheme: {shown}); write it as https://example.com"
        )
    try:
        port = parts.port
    except ValueError:
        raise ValueError("URL has an invalid port") from None
    raw_host = (parts.hostname or "").rstrip(".")
    if not raw_host:
        raise ValueError("URL has no host; write it as https://example.com")
    has_userinfo = "@" in parts.netloc
    import ipaddress  # here, not at start-up: only this check needs it

    try:
        ip = ipaddress.ip_address(raw_host)
    except ValueError:
        ip = None
    if ip is not None:
        host = str(ip)
        shown_host = f"[{host}]" if ip.version == 6 else host
        return ParsedUrl(
            f"{scheme}://{shown_host}{_port(port)}/", scheme, host, host, None, None, True, has_userinfo
        )
    host = _ascii_host(raw_host)
    registrable = _psl().privatesuffix(host)
    if registrable is None or "." not in host:
        raise ValueError("URL host is not a public domain name (it has no registrable domain)")
    suffix = _psl().publicsuffix(host)
    return ParsedUrl(
        f"{scheme}://{host}{_port(port)}/",
        scheme,
        host,
        ".".join(_render(label) for label in host.split(".")),
        registrable,
        suffix,
        False,
        has_userinfo,
    )


def _port(port: int | None) -> str:
    return "" if port is None else f":{port}"


def _ascii_host(host: str) -> str:
    import idna

    try:
        return idna.encode(host, uts46=True).decode("ascii").lower()
    except (idna.IDNAError, UnicodeError):
        raise ValueError("URL host is not a valid domain name") from None


def _render(label: str) -> str:
    """A punycode label as it renders; labels that are not valid punycode stay as they are."""
    if not label.startswith("xn--"):
        return label
    try:
        return label[4:].encode("ascii").decode("punycode")
    except UnicodeError:
        return label


# --- look-alikes -----------------------------------------------------------------------------------------


def ascii_skeleton(text: str) -> str:
    for seen, meant in _ASCII_LOOKALIKES:
        text = text.replace(seen, meant)
    return text


def unicode_skeleton(text: str) -> str:
    """What a label looks like in ASCII: compatibility forms folded, accents dropped, and each character
    that is confusable with an ASCII letter or digit (UTS #39 data) replaced by it."""
    from confusable_homoglyphs import confusables  # pyright: ignore[reportMissingTypeStubs]

    folded = "".join(
        ch for ch in unicodedata.normalize("NFKD", text) if unicodedata.category(ch) != "Mn"
    ).lower()
    found = cast(
        "list[dict[str, object]] | Literal[False]",
        confusables.is_confusable(folded, greedy=True, preferred_aliases=["latin"]),  # pyright: ignore[reportUnknownMemberType]
    )
    mapping: dict[str, str] = {}
    for item in found or []:
        glyphs = cast(list[dict[str, str]], item["homoglyphs"])
        ascii_glyph = next((g["c"] for g in glyphs if g["c"].isascii() and g["c"].isalnum()), None)
        if ascii_glyph is not None:
            mapping[cast(str, item["character"])] = ascii_glyph.lower()
    return "".join(mapping.get(ch, ch) for ch in folded)


def _neighbours(a: str, b: str) -> bool:
    for row in _KEYBOARD:
        i, j = row.find(a), row.find(b)
        if i >= 0 and j >= 0 and abs(i - j) == 1:
            return True
    return (a, b) in _SWAPS


def typo_of(label: str, brand: str) -> str | None:
    """How `label` is a typo of `brand` (omission, insertion, transposition, replacement), or None."""
    from rapidfuzz.distance import OSA, Levenshtein

    if label == brand or len(brand) < MIN_TYPO_BRAND:
        return None
    allowed = 2 if len(brand) >= LONG_BRAND else 1
    if OSA.distance(label, brand, score_cutoff=allowed + 1) > allowed:
        return None
    if OSA.distance(label, brand) < Levenshtein.distance(label, brand):
        return "transposition"  # a swap of neighbours, one edit for OSA and two for Levenshtein
    kinds: list[str] = []
    for op in Levenshtein.editops(label, brand):
        if op.tag == "replace":
            if not _neighbours(label[op.src_pos], brand[op.dest_pos]):
                return None
            kinds.append("replacement")
        else:
            kinds.append("insertion" if op.tag == "delete" else "omission")
    return "+".join(dict.fromkeys(kinds))


def _finding(
    code: str, severity: Severity, title: str, official: Official | None, **evidence: str
) -> Finding:
    shown = {"lookalike_of": official.domain, **evidence} if official else dict(evidence)
    return Finding(code=code, severity=severity, title=title, evidence=dict(shown), source=BUNDLED)


def _brand_findings(parsed: ParsedUrl) -> list[Finding]:
    """The worst way the host imitates each brand (one finding per brand)."""
    assert parsed.registrable is not None
    assert parsed.suffix is not None
    labels = parsed.host[: -len(parsed.suffix) - 1].split(".")
    reg_label = labels[-1]
    rendered = _render(reg_label)
    skeleton = unicode_skeleton(rendered) if rendered != reg_label else None
    words = [w for label in labels for w in label.split("-") if w]
    out: list[Finding] = []
    seen: set[str] = set()
    for o in official_domains():
        if o.brand in seen:
            continue
        word = "medium" if o.generic else "high"
        title_brand = f"{o.brand} ({o.domain})"
        found: Finding | None = None
        if f".{o.domain}." in f".{parsed.host}.":
            found = _finding(
                "BRAND_IN_DOMAIN",
                "high",
                f"The official domain of {title_brand} is only a part of this host, which belongs to "
                "another domain",
                o,
                registrable_domain=parsed.registrable,
            )
        elif skeleton is not None and (
            ascii_skeleton(skeleton) == ascii_skeleton(o.label) or typo_of(skeleton, o.label)
        ):
            found = _finding(
                "IDN_HOMOGRAPH",
                "critical",
                f"Internationalised domain that renders like {title_brand}",
                o,
                rendered=rendered,
            )
        elif reg_label != o.label and ascii_skeleton(reg_label) == ascii_skeleton(o.label):
            found = _finding(
                "CONFUSABLE", "high", f"Look-alike letters imitate {title_brand}", o, label=reg_label
            )
        elif reg_label == o.label:
            found = _finding(
                "TLD_SWAP", word, f"The name of {title_brand} under another domain ending", o, label=reg_label
            )
        elif (kind := typo_of(reg_label, o.label)) is not None:
            found = _finding("TYPO_SQUAT", word, f"Typo-squat of {title_brand} ({kind})", o, label=reg_label)
        elif o.label in words or (
            not o.generic
            and len(o.label) >= MIN_SUBSTRING_BRAND
            and any(o.label in label for label in labels)
        ):
            found = _finding(
                "BRAND_IN_DOMAIN",
                word,
                f"The name of {title_brand} inside another domain",
                o,
                host=parsed.host,
            )
        if found is not None:
            seen.add(o.brand)
            out.append(found)
    return out


def _form_findings(parsed: ParsedUrl) -> list[Finding]:
    out: list[Finding] = []
    if parsed.has_userinfo:
        out.append(
            _finding(
                "USERINFO_TRICK",
                "high",
                "The link has a user@ part: the text before '@' is not where it goes",
                None,
                host=parsed.host,
            )
        )
    if parsed.is_ip:
        out.append(
            _finding("IP_ADDRESS_HOST", "medium", "The link goes to a raw IP address", None, host=parsed.host)
        )
    elif parsed.host != parsed.host_unicode:
        from confusable_homoglyphs import confusables  # pyright: ignore[reportMissingTypeStubs]

        if confusables.is_mixed_script(parsed.host_unicode.replace(".", "").replace("-", "")):  # pyright: ignore[reportUnknownMemberType]
            out.append(
                _finding(
                    "MIXED_SCRIPT",
                    "medium",
                    "The domain mixes alphabets (e.g. Latin with Cyrillic), a homograph trick",
                    None,
                    rendered=parsed.host_unicode,
                )
            )
    tld = (parsed.suffix or "").rsplit(".", 1)[-1]
    if tld in SUSPICIOUS_TLDS:
        out.append(
            _finding("SUSPICIOUS_TLD", "low", "A domain ending often used for phishing", None, tld=tld)
        )
    if parsed.scheme == "http":
        out.append(_finding("NOT_HTTPS", "low", "Plain http: the connection is not encrypted", None))
    return out


def inspect_url(parsed: ParsedUrl) -> UrlInspection:
    """The offline findings for a parsed URL, the official site it is (if any) and the one it imitates."""
    official = official_for(parsed.registrable)
    findings: list[Finding] = []
    if official is not None:
        findings.append(
            _finding(
                "OFFICIAL_DOMAIN",
                "info",
                f"An official domain of {official.brand} ({official.domain}) or one of its subdomains",
                None,
                official_domain=official.domain,
            )
        )
    elif not parsed.is_ip:
        findings += _brand_findings(parsed)
    form = _form_findings(parsed)
    if any(f.code == "IDN_HOMOGRAPH" for f in findings):
        form = [f for f in form if f.code != "MIXED_SCRIPT"]
    findings = by_severity(findings + form)
    lookalike = next((f.evidence.get("lookalike_of") for f in findings if "lookalike_of" in f.evidence), None)
    return UrlInspection(findings, official, lookalike if isinstance(lookalike, str) else None)
