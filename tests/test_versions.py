from rpc_version_lint.versions import Version, cap_allows, holds, satisfiable

V = Version.parse


def test_parse_accepts_what_oslo_accepts():
    assert V("5.13") == Version(5, 13)
    assert V("5.13.2") == Version(5, 13, 2)
    for bad in ("5", "5.x", "v5.0", " 5.0", "5.0 ", "5.0.1.2", "", None, 5.0):
        assert V(bad) is None


def test_ordering_is_numeric():
    assert V("5.10") > V("5.9")
    assert V("6.0") > V("5.13")
    assert str(V("5.0.0")) == "5.0" and str(V("5.1.2")) == "5.1.2"


def test_dispatch_rule():
    assert V("6.5").accepts(V("6.0"))
    assert V("6.5").accepts(V("6.5"))
    assert not V("6.5").accepts(V("6.6"))
    assert not V("6.5").accepts(V("5.0"))  # another major
    assert not V("6.5").accepts(V("6.5.1"))
    assert V("6.5.2").accepts(V("6.5.1"))


def test_caps():
    assert cap_allows(None, V("9.9"))
    assert cap_allows(V("5.12"), V("5.3"))
    assert not cap_allows(V("5.12"), V("6.0"))
    assert not cap_allows(V("6.2"), V("5.0"))  # a cap names one major


def test_guard_outcomes():
    six, five = V("6.0"), V("5.1")
    assert holds(((six, True),), None)
    assert holds(((six, False), (five, True)), V("5.12"))
    assert not holds(((six, False),), None)
    assert satisfiable(((six, False), (five, True)))
    # 6.1 sendable but 6.0 not: no cap does that
    assert not satisfiable(((V("6.1"), True), (six, False)))
    # no cap on major 5 refuses 5.0 but allows 5.1
    assert not satisfiable(((five, True), (V("5.0"), False)))
    assert satisfiable(((six, False), (V("5.0"), False)))
