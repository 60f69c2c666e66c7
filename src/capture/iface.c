/*
 * iface — which interface to bind and how its frames are written.
 *
 * Ethernet-like devices (ARPHRD_ETHER, and loopback, which carries a zeroed
 * Ethernet header) are read with SOCK_RAW and written as LINKTYPE_ETHERNET.
 * "any" and every other hardware type are read with SOCK_DGRAM (frames start
 * at the network header) and written as LINKTYPE_LINUX_SLL2, whose header
 * carries the interface index, as libpcap does for "any".
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <net/if.h>
#include <net/if_arp.h>
#include "capture/afp.h"

/* ARPHRD_* of an interface, from sysfs (needs no privilege). -1 if unknown. */
static int iface_hatype(const char *name)
{
        char path[128];
        int type = -1;
        snprintf(path, sizeof(path), "/sys/class/net/%s/type", name);
        FILE *f = fopen(path, "r");
        if (!f)
                return -1;
        if (fscanf(f, "%d", &type) != 1)
                type = -1;
        fclose(f);
        return type;
}

bool afp_iface_is_loopback(const char *name)
{
        return iface_hatype(name) == ARPHRD_LOOPBACK;
}

int afp_iface_resolve(const char *name, int *ifindex, uint32_t *linktype, bool *cooked, char *err)
{
        if (!name || !*name) {
                snprintf(err, CST_ERRBUF, "no capture interface given");
                return CST_EFATAL;
        }
        if (strcmp(name, "any") == 0) {
                *ifindex = 0;
                *linktype = CST_LINK_LINUX_SLL2;
                *cooked = true;
                return CST_OK;
        }
        if (strlen(name) >= IF_NAMESIZE) {
                snprintf(err, CST_ERRBUF, "interface name too long: %s", name);
                return CST_EFATAL;
        }
        unsigned idx = if_nametoindex(name);
        if (idx == 0) {
                snprintf(err, CST_ERRBUF, "no such interface: %s", name);
                return CST_EFATAL;
        }
        *ifindex = (int)idx;
        int hatype = iface_hatype(name);
        if (hatype == ARPHRD_ETHER || hatype == ARPHRD_LOOPBACK) {
                *linktype = CST_LINK_ETHERNET;
                *cooked = false;
        } else {
                *linktype = CST_LINK_LINUX_SLL2;
                *cooked = true;
        }
        return CST_OK;
}
