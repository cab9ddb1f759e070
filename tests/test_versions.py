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


def test_satisfiable_agrees_with_trying_every_cap():
    """The linear test against the definition: some cap (or none) gives
    exactly these outcomes.  Caps worth trying: none, each guard version
    and the versions just below and far above it, another major."""
    import random
    far = 10 ** 9
    pool = [V(t) for t in ("1.0", "1.5", "1.5.1", "2.0", "2.3", "3.1")]
    rng = random.Random(7)
    for _ in range(3000):
        size = rng.randint(1, 5)
        constraints = tuple((rng.choice(pool), rng.random() < 0.5)
                            for _ in range(size))
        caps = [None, Version(-1, 0, 0)]
        for g, _ in constraints:
            caps.append(g)
            caps.append(Version(g.major, far, far))
            if g.rev:
                caps.append(Version(g.major, g.minor, g.rev - 1))
            elif g.minor:
                caps.append(Version(g.major, g.minor - 1, far))
        brute = any(holds(constraints, cap) for cap in caps)
        assert satisfiable(constraints) == brute, constraints
