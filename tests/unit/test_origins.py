"""Origin allow-lists: exact origins, port wildcards and subdomain wildcards, and what none of them
admit."""

import pytest

from widget.origins import origin_allowed

EXACT = "https://etax.gd.gov.cn"
ANY_PORT = "http://127.0.0.1:*"
SUBDOMAINS = "https://*.tax.gov.cn"
IPV6 = "http://[::1]:*"


@pytest.mark.parametrize(
    "origin, patterns, allowed",
    [
        # exact
        ("https://etax.gd.gov.cn", [EXACT], True),
        ("https://etax.gd.gov.cn/", [EXACT], True),
        ("https://etax.gd.gov.cn:8443", [EXACT], False),
        ("https://etax.gd.gov.cn:8443", ["https://etax.gd.gov.cn:8443"], True),
        ("https://etax.gd.gov.cn:8443", ["https://etax.gd.gov.cn:9443"], False),
        ("https://etax.gd.gov.cn.evil.com", [EXACT], False),
        ("https://evil-etax.gd.gov.cn", [EXACT], False),
        ("https://a.etax.gd.gov.cn", [EXACT], False),
        # port wildcard
        ("http://127.0.0.1:5000", [ANY_PORT], True),
        ("http://127.0.0.1:80", [ANY_PORT], True),
        ("http://127.0.0.1", [ANY_PORT], True),
        ("http://127.0.0.2:5000", [ANY_PORT], False),
        ("http://localhost:5000", [ANY_PORT], False),
        # subdomain wildcard, never the bare domain
        ("https://www.tax.gov.cn", [SUBDOMAINS], True),
        ("https://a.b.tax.gov.cn", [SUBDOMAINS], True),
        ("https://tax.gov.cn", [SUBDOMAINS], False),
        ("https://eviltax.gov.cn", [SUBDOMAINS], False),
        ("https://www.tax.gov.cn.evil.com", [SUBDOMAINS], False),
        ("https://www.tax.gov.cn:8443", [SUBDOMAINS], False),
        ("https://www.tax.gov.cn:8443", ["https://*.tax.gov.cn:*"], True),
        ("https://wildcard.tax.gov.cn", [SUBDOMAINS], True),
        # scheme mismatch
        ("http://etax.gd.gov.cn", [EXACT], False),
        ("https://127.0.0.1:5000", [ANY_PORT], False),
        ("http://www.tax.gov.cn", [SUBDOMAINS], False),
        ("wss://etax.gd.gov.cn", ["wss://etax.gd.gov.cn"], False),
        ("file://etax.gd.gov.cn", ["file://etax.gd.gov.cn"], False),
        # opaque, empty and malformed origins
        ("null", [EXACT, ANY_PORT, SUBDOMAINS, "null"], False),
        ("", [EXACT, ANY_PORT, SUBDOMAINS], False),
        (None, [EXACT, ANY_PORT, SUBDOMAINS], False),
        ("etax.gd.gov.cn", [EXACT], False),
        ("https://", ["https://"], False),
        # paths are not origins, on either side
        ("https://etax.gd.gov.cn/index.html", [EXACT], False),
        ("https://etax.gd.gov.cn/a/b", [EXACT], False),
        ("https://etax.gd.gov.cn", ["https://etax.gd.gov.cn/app"], False),
        # host names compare case-insensitively
        ("https://ETAX.GD.GOV.CN", [EXACT], True),
        ("https://etax.gd.gov.cn", ["https://ETAX.gd.gov.cn"], True),
        ("HTTPS://Etax.Gd.Gov.Cn", [EXACT], True),
        ("https://WWW.TAX.GOV.CN", [SUBDOMAINS], True),
        ("https://TAX.GOV.CN", [SUBDOMAINS], False),
        # IPv6 literals
        ("http://[::1]:8080", [IPV6], True),
        ("http://[::1]", [IPV6], True),
        ("http://[::1]:8080", ["http://[::1]:8080"], True),
        ("http://[::1]:8081", ["http://[::1]:8080"], False),
        ("http://[::1]", ["http://[::1]"], True),
        ("http://[::2]:8080", [IPV6], False),
        ("http://[::1]:8080", [ANY_PORT], False),
        ("http://127.0.0.1:8080", [IPV6], False),
    ],
)
def test_origin_allowed(origin, patterns, allowed):
    assert origin_allowed(origin, patterns) is allowed


def test_empty_allow_list_admits_nothing():
    assert not origin_allowed(EXACT, [])


def test_any_matching_pattern_is_enough():
    patterns = [
        "https://other.gov.cn",
        "not a pattern",
        "https://etax.gd.gov.cn/path",
        SUBDOMAINS,
        ANY_PORT,
    ]
    assert origin_allowed("http://127.0.0.1:5000", patterns)
    assert origin_allowed("https://x.tax.gov.cn", patterns)
    assert not origin_allowed("https://other.gov.cn:1", patterns)


def test_a_literal_host_named_wildcard_is_not_a_wildcard():
    # only "*." makes a wildcard; an exact origin whose host starts with "wildcard." admits only
    # itself
    pattern = ["https://wildcard.gd.gov.cn"]
    assert origin_allowed("https://wildcard.gd.gov.cn", pattern)
    assert not origin_allowed("https://evil.gd.gov.cn", pattern)
