# tests/tools/netns.sh: veth_pair_up, a private two-namespace test network. Sourced
# (not run) by tests/e2e/lib.sh (live-capture tests) and tests/bench/run.sh (live
# throughput). Needs root and iproute2.
#
# veth_pair_up PREFIX: namespaces ${PREFIX}a/${PREFIX}b joined by a veth pair
# (interfaces ${PREFIX}va in a, ${PREFIX}vb in b), IPv6 off and no addresses so the
# kernel sends nothing of its own and nothing can leave. Sets NS_A, NS_B, IF_A,
# IF_B. Returns 1 when namespaces cannot be made here. The caller removes them
# (veth_pair_down) and should do so from an EXIT trap.
veth_pair_up() {
    NS_A=${1}a NS_B=${1}b IF_A=${1}va IF_B=${1}vb
    ip netns add "$NS_A" 2>/dev/null && ip netns add "$NS_B" 2>/dev/null || return 1
    ip link add "$IF_A" netns "$NS_A" type veth peer name "$IF_B" netns "$NS_B" || return 1
    for ns in "$NS_A" "$NS_B"; do
        ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
        ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
    done
    ip -n "$NS_A" link set "$IF_A" mtu 9000 up && ip -n "$NS_B" link set "$IF_B" mtu 9000 up
}

veth_pair_down() {
    ip netns del "$NS_A" 2>/dev/null
    ip netns del "$NS_B" 2>/dev/null
    return 0
}
