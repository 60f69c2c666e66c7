/*
 * frame — per-packet fix-ups both AF_PACKET backends apply to a received
 * frame, in the headroom the backend reserved in front of it:
 *  - the 802.1Q tag the kernel stripped (reported in PACKET_AUXDATA or
 *    tp_vlan_tci) goes back after the MAC addresses, as libpcap does, so the
 *    file shows the frame as it was on the wire;
 *  - in cooked mode ("any"), the LINKTYPE_LINUX_SLL2 header is built from the
 *    sockaddr_ll the kernel gave (protocol, ifindex, ARPHRD type, packet type,
 *    link-layer address).
 */
#include <string.h>
#include <linux/if_ether.h>
#include <net/if_arp.h>
#include "capture/afp.h"
#include "util/rd.h"

#define MAC_ADDRS_LEN 12 /* destination + source MAC */

bool afp_loopback_outgoing(const struct sockaddr_ll *sll)
{
        return sll->sll_pkttype == PACKET_OUTGOING && sll->sll_hatype == ARPHRD_LOOPBACK;
}

uint8_t afp_direction(uint8_t sll_pkttype)
{
        switch (sll_pkttype) {
        case PACKET_OUTGOING:
                return CST_DIR_OUTBOUND;
        case PACKET_HOST:
        case PACKET_BROADCAST:
        case PACKET_MULTICAST:
        case PACKET_OTHERHOST:
                return CST_DIR_INBOUND;
        default:
                return CST_DIR_UNKNOWN;
        }
}

uint8_t *afp_vlan_reinsert(uint8_t *data, uint32_t *caplen, uint32_t *origlen, uint16_t tpid,
                           uint16_t tci)
{
        if (*caplen < MAC_ADDRS_LEN)
                return data;
        uint8_t *start = data - AFP_VLAN_TAG_LEN;
        memmove(start, data, MAC_ADDRS_LEN);
        st_be16(start + MAC_ADDRS_LEN, tpid ? tpid : ETH_P_8021Q);
        st_be16(start + MAC_ADDRS_LEN + 2, tci);
        *caplen += AFP_VLAN_TAG_LEN;
        *origlen += AFP_VLAN_TAG_LEN;
        return start;
}

/*
 * SLL2 layout (https://www.tcpdump.org/linktypes/LINKTYPE_LINUX_SLL2.html):
 * protocol(2) reserved(2) ifindex(4) hatype(2) pkttype(1) halen(1) addr(8),
 * all big-endian.  sll_protocol is already in network order.
 */
uint8_t *afp_sll2_prepend(uint8_t *data, const struct sockaddr_ll *sll, uint32_t *caplen,
                          uint32_t *origlen)
{
        uint8_t *h = data - AFP_SLL2_HDR_LEN;
        memcpy(h, &sll->sll_protocol, 2);
        h[2] = h[3] = 0;
        st_be32(h + 4, (uint32_t)sll->sll_ifindex);
        st_be16(h + 8, sll->sll_hatype);
        h[10] = sll->sll_pkttype;
        h[11] = sll->sll_halen > 8 ? 8 : sll->sll_halen;
        memset(h + 12, 0, 8);
        memcpy(h + 12, sll->sll_addr, h[11]);
        *caplen += AFP_SLL2_HDR_LEN;
        *origlen += AFP_SLL2_HDR_LEN;
        return h;
}

/*
 * A stripped tag on a cooked frame, as libpcap does for SLL: SLL2 has no VLAN
 * field, so the tag (TCI, then the encapsulated protocol) goes between the
 * SLL2 header and the network header, and the SLL2 protocol becomes the TPID.
 */
uint8_t *afp_sll2_prepend_vlan(uint8_t *data, const struct sockaddr_ll *sll, uint32_t *caplen,
                               uint32_t *origlen, uint16_t tpid, uint16_t tci)
{
        uint8_t *tag = data - AFP_VLAN_TAG_LEN;
        st_be16(tag, tci);
        memcpy(tag + 2, &sll->sll_protocol, 2);
        *caplen += AFP_VLAN_TAG_LEN;
        *origlen += AFP_VLAN_TAG_LEN;
        uint8_t *h = afp_sll2_prepend(tag, sll, caplen, origlen);
        st_be16(h, tpid ? tpid : ETH_P_8021Q);
        return h;
}

/*
 * struct virtio_net_hdr (virtio spec 5.1.6, host byte order for a packet
 * socket): flags(1) gso_type(1) hdr_len(2) gso_size(2) csum_start(2)
 * csum_offset(2).  gso_type 5 = VIRTIO_NET_HDR_GSO_UDP_L4; 0x80 = ECN.
 */
void afp_vnet_read(const uint8_t *vnet, struct cst_packet *pkt)
{
        struct rd r = rd_init(vnet, AFP_VNET_HDR_LEN);
        rd_skip(&r, 1);
        uint8_t type = rd_u8(&r) & 0x7Fu;
        rd_skip(&r, 2);
        uint16_t size = rd_le16(&r);
        pkt->gso_type = type;
        pkt->gso_size = type == 5 ? size : 0;
}
