from lawtrail.testing.personas import World


def test_it_builds_the_personas(world: World) -> None:
    assert world.alice.cert_no
    assert world.company.uscc
