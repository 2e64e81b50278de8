"""Shadow mode's peer parity from P2P status announcements, end to end.

The watched node is named by its P2P node key (docs/SHADOW.md: any node whose P2P identity is that key can be
the reference). That key is not a validator key, so no block it seals can be counted for it: every announcement
and match on the observer comes from the `status` messages the watched node sends (net's peer_status event,
wired through the daemon to shadow mode). A second observer watching a key nobody holds counts nothing.
"""
from conftest import status, wait_for


def parity(n):
    return n.get("/v1/parity")


def test_status_announcements_of_the_watched_node_are_counted(net):
    v0 = net["make"]("v0")
    v0_p2p_key = status(v0)["node"]["p2p_node_key"]
    assert v0_p2p_key != net["v0_pub"]  # the P2P identity is its own key, not the validator key
    peers = ["--peers", f"127.0.0.1:{v0.p2p_port}"]

    def observer(name, watched):
        return net["make"](name, key=None, extra=peers + [
            "--set", "consensus.shadow_mode.enabled=true",
            "--set", f"consensus.shadow_mode.compare_with_validator={watched}"])

    watching = observer("watching", v0_p2p_key)
    control = observer("control", "11" * 32)

    def counted():
        p = parity(watching)["peer"]
        return p["announcements"] >= 5 and p["matches"] >= 3 and p
    p = wait_for(counted, 30, "the observer counts v0's status announcements as matches")
    assert p["enabled"] is True
    assert p["drifts"] == 0, parity(watching)["last_divergences"]
    assert p["validator_height"] is not None and p["validator_height"] >= 3

    c = parity(control)
    assert c["peer"]["enabled"] is True
    assert status(control)["peers"] >= 1
    assert c["peer"]["announcements"] == 0 and c["peer"]["matches"] == 0, c
