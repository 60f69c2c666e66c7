/*
 * Sources and sinks of capture records behind small operation tables
 * (as libpcap's struct pcap and netsniff-ng's pcap_file_ops do).  Each backend
 * keeps its state private; the pipeline only sees these ops.
 */
#ifndef CST_FORMAT_H
#define CST_FORMAT_H

#include <stddef.h>
#include <stdint.h>
#include <constrictor/constrictor.h>

/* Result of source next_batch(): >0 records, 0 end, CST_EFATAL / CST_ETAIL. */
struct cst_source_ops {
        int (*next_batch)(void *priv, struct cst_packet *recs, unsigned max, char *err);
        void (*close)(void *priv);
};

struct cst_source {
        const struct cst_source_ops *ops;
        void *priv;
        enum cst_file_format format;
};

struct cst_sink_ops {
        /* Write a packet keeping its first keep_len bytes (or a raw block). */
        int (*write)(void *priv, const struct cst_packet *pkt, uint32_t keep_len, char *err);
        int (*flush)(void *priv, char *err);
        int (*close)(void *priv, char *err); /* flushes; frees priv in every case */
};

struct cst_sink {
        const struct cst_sink_ops *ops;
        void *priv;
};

#endif
