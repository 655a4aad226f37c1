"""Look-alike domains, table-driven: what must be caught (and which real domain it imitates) and what must
not be (official sites, their subdomains, unrelated domains that merely resemble a brand word)."""

from __future__ import annotations

import pytest

from agent_tools.domain.urls import (
    MAX_URL_LEN,
    ascii_skeleton,
    brands,
    inspect_url,
    official_domains,
    parse_url,
    typo_of,
    unicode_skeleton,
)

# url -> (expected finding code, lookalike_of)
LOOKALIKES: dict[str, tuple[str, str | None]] = {
    "https://binance.com.account-verify.io/login": ("BRAND_IN_DOMAIN", "binance.com"),
    "https://trezor.io.start-wallet.io": ("BRAND_IN_DOMAIN", "trezor.io"),
    "https://secure-metamask.io": ("BRAND_IN_DOMAIN", "metamask.io"),
    "https://mymetamask.io/restore": ("BRAND_IN_DOMAIN", "metamask.io"),
    "https://okx-wallet.com": ("BRAND_IN_DOMAIN", "okx.com"),
    "https://claim.uniswap-airdrop.net": ("BRAND_IN_DOMAIN", "uniswap.org"),
    "https://ledger-live-update.com": ("BRAND_IN_DOMAIN", "ledger.com"),
    "https://binnance.com": ("TYPO_SQUAT", "binance.com"),
    "https://bianance.com": ("TYPO_SQUAT", "binance.com"),
    "https://coinbasse.com": ("TYPO_SQUAT", "coinbase.com"),
    "https://kucion.com": ("TYPO_SQUAT", "kucoin.com"),
    "https://bybitt.com": ("TYPO_SQUAT", "bybit.com"),
    "https://pancakeswaps.finance": ("TYPO_SQUAT", "pancakeswap.finance"),
    "https://pamcakeswap.finance": ("TYPO_SQUAT", "pancakeswap.finance"),
    "https://trust-wallet.com": ("TYPO_SQUAT", "trustwallet.com"),
    "https://blnance.com": ("CONFUSABLE", "binance.com"),
    "https://metarnask.io": ("CONFUSABLE", "metamask.io"),
    "https://0pensea.io": ("CONFUSABLE", "opensea.io"),
    "https://unisvvap.org": ("CONFUSABLE", "uniswap.org"),
    "https://bіnance.com": ("IDN_HOMOGRAPH", "binance.com"),  # Cyrillic і, given as Unicode
    "https://xn--bnance-pvf.com": ("IDN_HOMOGRAPH", "binance.com"),  # the same host, as punycode
    "https://openseа.io": ("IDN_HOMOGRAPH", "opensea.io"),  # Cyrillic а
    "https://ｍetamask.io": (
        "OFFICIAL_DOMAIN",
        None,
    ),  # full-width m folds to ASCII under IDNA: the real site
    "https://uniswap.app": ("TLD_SWAP", "uniswap.org"),
    "https://kucoin.top": ("TLD_SWAP", "kucoin.com"),
    "https://binance.com@evil.example.io": ("USERINFO_TRICK", None),
    "http://203.0.113.7/binance": ("IP_ADDRESS_HOST", None),
    "https://wallet-connect.xyz": ("TYPO_SQUAT", "walletconnect.com"),
    "https://cheap-shoes.top": ("SUSPICIOUS_TLD", None),
    "https://xn--80ak6aa92e.xn--p1ai": (None, None),  # a legitimate Cyrillic domain: no brand, one script
}

NOT_LOOKALIKES = [
    "https://binance.com",
    "https://www.binance.com/en/login",
    "https://accounts.binance.com",
    "https://binance.us",
    "https://app.uniswap.org/swap",
    "https://docs.metamask.io",
    "https://pancakeswap.finance",
    "https://gate.io",
    "https://www.kraken.com/sign-in",
    "https://phantom.app",
    "https://jup.ag",
    "https://finance.yahoo.com",  # one letter from "binance", but not a keyboard or look-alike slip
    "https://finance.com",
    "https://gateway.com",  # Gate is a common word: only a whole word counts
    "https://delegate.org",
    "https://unit.fyi",
    "https://bitcoin.org",
    "https://ethereum.org",
    "https://github.com/MetaMask",
    "https://yandex.ru",
]


@pytest.mark.parametrize(("url", "expected"), list(LOOKALIKES.items()))
def test_lookalikes_are_caught_and_name_the_real_domain(
    url: str, expected: tuple[str | None, str | None]
) -> None:
    code, real = expected
    inspection = inspect_url(parse_url(url))
    codes = [f.code for f in inspection.findings]
    if code is None:
        assert codes == []
    else:
        assert code in codes, codes
    assert inspection.lookalike_of == real


@pytest.mark.parametrize("url", NOT_LOOKALIKES)
def test_real_and_unrelated_domains_are_not_lookalikes(url: str) -> None:
    inspection = inspect_url(parse_url(url))
    assert inspection.lookalike_of is None
    assert all(f.severity in ("info", "low") for f in inspection.findings), inspection.findings


def test_official_domains_and_subdomains_name_their_brand() -> None:
    inspection = inspect_url(parse_url("https://app.uniswap.org/swap?x=1"))
    assert inspection.official is not None and inspection.official.brand == "Uniswap"
    assert [f.code for f in inspection.findings] == ["OFFICIAL_DOMAIN"]


def test_homograph_outranks_mixed_script_and_only_one_finding_per_brand() -> None:
    inspection = inspect_url(parse_url("https://bіnance.com"))
    assert [f.code for f in inspection.findings] == ["IDN_HOMOGRAPH"]
    assert inspection.findings[0].severity == "critical"


def test_mixed_script_without_a_brand_is_medium() -> None:
    inspection = inspect_url(parse_url("https://gооgle.com"))  # Cyrillic о: not one of our brands
    assert [(f.code, f.severity) for f in inspection.findings] == [("MIXED_SCRIPT", "medium")]


def test_common_word_brands_are_medium_for_a_word_match() -> None:
    [finding] = inspect_url(parse_url("https://ledger-live-update.com")).findings
    assert finding.severity == "medium"
    [strict] = inspect_url(parse_url("https://secure-metamask.io")).findings
    assert strict.severity == "high"


@pytest.mark.parametrize(
    ("label", "brand", "kind"),
    [
        ("binnance", "binance", "insertion"),
        ("binace", "binance", "omission"),
        ("bianance", "binance", "insertion"),
        ("ibnance", "binance", "transposition"),
        ("bunance", "binance", "replacement"),  # u is next to i
        ("finance", "binance", None),  # f is not next to b
        ("binance", "binance", None),
        ("okc", "okx", None),  # brands under five letters are too close to words
        ("pancakeswpa", "pancakeswap", "transposition"),
        ("pancaksewapp", "pancakeswap", "transposition"),  # two slips count for long names
    ],
)
def test_typo_kinds(label: str, brand: str, kind: str | None) -> None:
    assert typo_of(label, brand) == kind


def test_skeletons() -> None:
    assert ascii_skeleton("rnetarnask") == "metamask"
    assert unicode_skeleton("bіnаnсе") == "binance"  # Cyrillic і, а, с, е
    assert unicode_skeleton("ｂｉｎａｎｃｅ") == "binance"  # full width
    assert unicode_skeleton("bínance") == "binance"  # accents dropped


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("binance.com", "scheme: none"),
        ("javascript:alert(document.cookie)", "'javascript:'"),
        ("data:text/html,<script>", "'data:'"),
        ("ftp://binance.com", "'ftp:'"),
        ("https://", "no host"),
        ("https:///path", "no host"),
        ("https://bin ance.com", "spaces"),
        ("https://binance.com/\u202egnp.exe", "invisible"),
        ("https://localhost/", "not a public domain"),
        ("https://com/", "not a public domain"),
        ("https://exa_mple..com", "not a valid domain"),
        ("https://binance.com:99999/", "invalid port"),
        ("https://" + "a" * MAX_URL_LEN + ".com", "at most"),
        ("https://" + "a" * 10_000 + ".com", "at most"),
        ("", "empty"),
    ],
)
def test_what_is_not_a_url_is_refused_with_the_reason(url: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_url(url)


def test_only_scheme_and_host_are_kept_for_the_phishing_list() -> None:
    parsed = parse_url("HTTPS://user:pw@WWW.Binance.COM:8443/login?token=secret#x")
    assert (parsed.url, parsed.host, parsed.has_userinfo) == (
        "https://www.binance.com:8443/",
        "www.binance.com",
        True,
    )
    assert parse_url("http://[2001:db8::1]/").url == "http://[2001:db8::1]/"


def test_bundled_official_domains_are_well_formed() -> None:
    domains = official_domains()
    assert len({o.domain for o in domains}) == len(domains)
    for o in domains:
        assert parse_url(f"https://{o.domain}").registrable == o.domain, o
    # the fee-schedule exchanges and the wallets the issue names are all there
    for brand in (
        "Binance",
        "Coinbase",
        "Kraken",
        "OKX",
        "Bybit",
        "KuCoin",
        "Gate",
        "Bitget",
        "Bitstamp",
        "Gemini",
    ):
        assert brand in brands()
    for brand in ("MetaMask", "Uniswap", "Phantom", "Ledger", "Trezor"):
        assert brand in brands()
