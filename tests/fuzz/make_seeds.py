#!/usr/bin/env python3
"""make_seeds.py: writes the hand-made seed corpora in corpus/<target>/.

Every seed is a small valid frame (ARP, ICMPv4/v6 echo, NDP NS, UDP echo,
with and without Ethernet, with virtio-net headers) laid out as the
target's input format says (see the comment at the top of each
<target>_fuzz.cc). Run it after changing an input format; the files are
committed, so the smoke runs need no Python.
"""
import os
import shutil
import struct

HERE = os.path.dirname(os.path.abspath(__file__))

OUR_MAC = bytes([2, 0, 0, 0, 0, 1])
PEER_MAC = bytes([2, 0, 0, 0, 0, 2])
OUR4 = bytes([198, 18, 0, 1])
PEER4 = bytes([198, 18, 0, 2])
OUR6 = bytes.fromhex("20010db8000000000000000000000001")
PEER6 = bytes.fromhex("20010db8000000000000000000000002")
SNM6 = bytes.fromhex("ff0200000000000000000001ff000001")
UNSPEC6 = bytes(16)


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s > 0xFFFF:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def ipv4(proto, payload, src=PEER4, dst=OUR4):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 0x1234,
                    0x4000, 64, proto, 0, src, dst)
    return h[:10] + struct.pack("!H", csum(h)) + h[12:] + payload


def ipv6(nh, payload, src=PEER6, dst=OUR6, hop=64):
    return struct.pack("!IHBB", 0x60000000, len(payload), nh, hop) + src + \
        dst + payload


def with_l4_csum(seg, off, pseudo):
    c = csum(pseudo + seg)
    if c == 0 and off == 6:
        c = 0xFFFF
    return seg[:off] + struct.pack("!H", c) + seg[off + 2:]


def pseudo4(proto, n, src=PEER4, dst=OUR4):
    return src + dst + struct.pack("!BBH", 0, proto, n)


def pseudo6(nh, n, src=PEER6, dst=OUR6):
    return src + dst + struct.pack("!IxxxB", n, nh)


DATA = bytes(range(0x40, 0x40 + 24))


def icmp4_echo():
    m = struct.pack("!BBHHH", 8, 0, 0, 0x1234, 1) + DATA
    return ipv4(1, m[:2] + struct.pack("!H", csum(m)) + m[4:])


def udp4_echo():
    u = struct.pack("!HHHH", 40000, 7, 8 + len(DATA), 0) + DATA
    return ipv4(17, with_l4_csum(u, 6, pseudo4(17, len(u))))


def udp4_echo_padded():
    # IP total length covers 4 bytes after the UDP datagram: not echoed.
    u = struct.pack("!HHHH", 40000, 7, 8 + len(DATA), 0) + DATA
    return ipv4(17, with_l4_csum(u, 6, pseudo4(17, len(u))) + b"\xee" * 4)


def tcp4_syn():
    t = struct.pack("!HHIIBBHHH", 40000, 80, 1, 0, 0x50, 0x02, 65535, 0, 0)
    return ipv4(6, with_l4_csum(t, 16, pseudo4(6, len(t))))


def partial_l4(seg, off, pseudo):
    # NEEDS_CSUM: the field holds the (uncomplemented) pseudo-header sum.
    return seg[:off] + struct.pack("!H", (~csum(pseudo)) & 0xFFFF) + \
        seg[off + 2:]


SUPER_PAYLOAD = bytes(range(256)) + bytes(range(94))


def tcp_super(v6):
    t = struct.pack("!HHIIBBHHH", 40000, 80, 1, 7, 0x50, 0x18, 65535, 0,
                    0) + SUPER_PAYLOAD
    if v6:
        return ipv6(6, partial_l4(t, 16, pseudo6(6, len(t))))
    return ipv4(6, partial_l4(t, 16, pseudo4(6, len(t))))


def udp_super(v6):
    u = struct.pack("!HHHH", 40000, 7, 8 + len(SUPER_PAYLOAD), 0) + \
        SUPER_PAYLOAD
    if v6:
        return ipv6(17, partial_l4(u, 6, pseudo6(17, len(u))))
    return ipv4(17, partial_l4(u, 6, pseudo4(17, len(u))))


def icmp6(msg, src=PEER6, dst=OUR6, hop=64, ext=b"", first_nh=58):
    m = with_l4_csum(msg, 2, pseudo6(58, len(msg), src, dst))
    return ipv6(first_nh, ext + m, src, dst, hop)


def icmp6_echo():
    return icmp6(struct.pack("!BBHHH", 128, 0, 0, 0x1234, 1) + DATA)


def icmp6_echo_hbh():
    # Hop-by-hop header with a PadN option, then the echo request.
    hbh = bytes([58, 0, 1, 4, 0, 0, 0, 0])
    return icmp6(struct.pack("!BBHHH", 128, 0, 0, 0x1234, 2) + DATA, ext=hbh,
                 first_nh=0)


def icmp6_echo_frag():
    # An atomic fragment (offset 0, M clear), then the echo request.
    frag = bytes([58, 0, 0, 0, 0, 0, 0, 7])
    return icmp6(struct.pack("!BBHHH", 128, 0, 0, 0x1234, 3) + DATA, ext=frag,
                 first_nh=44)


def udp6_echo():
    u = struct.pack("!HHHH", 40000, 7, 8 + len(DATA), 0) + DATA
    return ipv6(17, with_l4_csum(u, 6, pseudo6(17, len(u))))


def ndp_ns(dad=False):
    ns = struct.pack("!BBHI", 135, 0, 0, 0) + OUR6
    if not dad:
        ns += bytes([1, 1]) + PEER_MAC
    return icmp6(ns, src=UNSPEC6 if dad else PEER6, dst=SNM6, hop=255)


def arp_request():
    return struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1, PEER_MAC, PEER4,
                       bytes(6), OUR4)


def eth(ether_type, payload, dst=OUR_MAC):
    return dst + PEER_MAC + struct.pack("!H", ether_type) + payload


def vnet(flags=0, gso_type=0, hdr_len=0, gso_size=0, start=0, offset=0):
    return struct.pack("<BBHHHH", flags, gso_type, hdr_len, gso_size, start,
                       offset)


BCAST = b"\xff" * 6
SNM_MAC = bytes([0x33, 0x33, 0xff, 0, 0, 1])

IP_PACKETS = {
    "icmpv4_echo": icmp4_echo(),
    "udpv4_echo": udp4_echo(),
    "udpv4_echo_padded": udp4_echo_padded(),
    "icmpv6_echo": icmp6_echo(),
    "icmpv6_echo_hop_by_hop": icmp6_echo_hbh(),
    "icmpv6_echo_fragment": icmp6_echo_frag(),
    "udpv6_echo": udp6_echo(),
    "ndp_ns": ndp_ns(),
    "ndp_ns_dad": ndp_ns(dad=True),
}


def ether_of(name, p):
    if name.startswith("ndp"):
        return eth(0x86DD, p, dst=SNM_MAC)
    return eth(0x86DD if p[0] >> 4 == 6 else 0x0800, p)


ETH_FRAMES = {name: ether_of(name, p) for name, p in IP_PACKETS.items()}
ETH_FRAMES["arp_request"] = eth(0x0806, arp_request(), dst=BCAST)
# Frames padded to the 60-byte Ethernet minimum.
ETH_FRAMES["arp_request_padded"] = ETH_FRAMES["arp_request"] + bytes(18)
ETH_FRAMES["udpv4_echo_padded_frame"] = eth(0x0800, udp4_echo()) + bytes(8)

TEXTS = [b"198.18.0.1", b"255.255.255.255", b"0.0.0.0", b"2001:db8::1",
         b"::", b"::ffff:198.18.0.1", b"fe80::1:2:3:4",
         b"2001:db8:0:0:1:0:0:1", b"ff02::1:ff00:1"]


def corpora():
    c = {}
    c["responder_raw_ip"] = {n: b"\x00" + p for n, p in IP_PACKETS.items()}
    c["responder_ethernet"] = {n: b"\x00" + f for n, f in ETH_FRAMES.items()}
    inbound = {"raw_" + n: b"\x00" + p for n, p in IP_PACKETS.items()}
    inbound.update({"eth_" + n: b"\x01" + f for n, f in ETH_FRAMES.items()})
    inbound["vnet_eth_icmpv4_echo"] = b"\x03" + vnet() + ETH_FRAMES[
        "icmpv4_echo"]
    inbound["vnet_raw_udpv6_echo"] = b"\x02" + vnet() + IP_PACKETS[
        "udpv6_echo"]
    c["inbound"] = inbound
    c["vnet_header"] = {
        "tcpv4_gso": vnet(1, 1, 54, 1448, 20, 16) + b"\x01\x14\x14" +
        tcp4_syn() + bytes(2000),
        "tcpv6_csum_only": vnet(1, 4, 0, 1440, 40, 16) + b"\x00\x28\x14" +
        DATA,
        "none": vnet() + b"\x00\x00\x00" + DATA,
    }
    c["vnet_decode"] = {
        "tcpv4_super": vnet(1, 1, 0, 100, 20, 16) + b"\x00" +
        tcp_super(False),
        "tcpv6_super_eth": vnet(1, 4, 9999, 100, 54, 16) + b"\x01" +
        eth(0x86DD, tcp_super(True)),
        "udpv4_super": vnet(1, 5, 28, 100, 20, 6) + b"\x00" +
        udp_super(False),
        "udpv6_needs_csum": vnet(1, 0, 0, 0, 40, 6) + b"\x00" +
        udp_super(True),
        "plain": vnet() + b"\x00" + udp4_echo(),
    }
    l2 = dict(ETH_FRAMES)
    l2["arp_bare"] = arp_request()
    l2["vnet_eth_arp"] = vnet(2) + ETH_FRAMES["arp_request"]
    c["l2_headers"] = l2
    c["ipv4_headers"] = {"icmpv4_echo": icmp4_echo(),
                         "udpv4_echo": udp4_echo(), "tcpv4_syn": tcp4_syn()}
    c["ipv6_headers"] = {n: p for n, p in IP_PACKETS.items()
                         if p[0] >> 4 == 6}
    c["checksum"] = {
        "odd_udp": bytes(12) + PEER6 + OUR6 + udp4_echo()[20:] + b"\x99",
        "even": bytes(range(64)),
        "short": b"\xff\xff\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a",
    }
    c["ip_address"] = {"text%d" % i: t for i, t in enumerate(TEXTS)}
    return c


def main():
    for target, seeds in corpora().items():
        d = os.path.join(HERE, "corpus", target)
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
        for name, data in seeds.items():
            with open(os.path.join(d, name), "wb") as f:
                f.write(data)


if __name__ == "__main__":
    main()
