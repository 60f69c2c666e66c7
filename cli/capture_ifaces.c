/*
 * capture_ifaces — `capture -D` / `--list-interfaces`: the interfaces a
 * capture can open, numbered, with their state in tcpdump's words
 * ("1.eth0 [Up, Running, Connected]").  The flags come from getifaddrs(3)
 * (SIOCGIFFLAGS), the link state from /sys/class/net/NAME/operstate as
 * libpcap reads it; "any" is listed last, as the pseudo-device it is.
 */
#include <ifaddrs.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include "capture_report.h"

/* Flags of the interface named by one getifaddrs entry (the first one seen). */
static unsigned iface_flags(const struct ifaddrs *all, const char *name)
{
        for (const struct ifaddrs *a = all; a; a = a->ifa_next)
                if (a->ifa_name && strcmp(a->ifa_name, name) == 0)
                        return a->ifa_flags;
        return 0;
}

/* "Connected", "Disconnected" or NULL (unknown, or not applicable). */
static const char *link_state(const char *name)
{
        char path[128], state[32] = "";
        snprintf(path, sizeof(path), "/sys/class/net/%s/operstate", name);
        FILE *f = fopen(path, "r");
        if (!f)
                return NULL;
        if (!fgets(state, sizeof(state), f))
                state[0] = '\0';
        fclose(f);
        state[strcspn(state, "\n")] = '\0';
        if (strcmp(state, "up") == 0)
                return "Connected";
        if (strcmp(state, "down") == 0 || strcmp(state, "lowerlayerdown") == 0 ||
            strcmp(state, "notpresent") == 0)
                return "Disconnected";
        return NULL;
}

/* Append ", word" (or "word" first) to the flag list. */
static void add_word(char *text, size_t cap, const char *word)
{
        size_t n = strlen(text);
        snprintf(text + n, cap - n, "%s%s", n ? ", " : "", word);
}

int capture_list_interfaces(FILE *out)
{
        struct if_nameindex *ni = if_nameindex();
        struct ifaddrs *ifa = NULL;
        unsigned n = 0;
        if (!ni)
                return -1;
        if (getifaddrs(&ifa) != 0)
                ifa = NULL;
        for (struct if_nameindex *i = ni; i->if_index; i++) {
                unsigned fl = iface_flags(ifa, i->if_name);
                char text[96] = "";
                if (fl & IFF_UP)
                        add_word(text, sizeof(text), "Up");
                if (fl & IFF_RUNNING)
                        add_word(text, sizeof(text), "Running");
                if (fl & IFF_LOOPBACK)
                        add_word(text, sizeof(text), "Loopback");
                const char *st = (fl & IFF_LOOPBACK) ? NULL : link_state(i->if_name);
                if (st)
                        add_word(text, sizeof(text), st);
                fprintf(out, "%u.%s%s%s%s\n", ++n, i->if_name, text[0] ? " [" : "", text,
                        text[0] ? "]" : "");
        }
        fprintf(out, "%u.any (Pseudo-device that captures on all interfaces) [Up, Running]\n", ++n);
        if_freenameindex(ni);
        if (ifa)
                freeifaddrs(ifa);
        return fflush(out) == 0 ? 0 : -1;
}
