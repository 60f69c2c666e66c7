/* Placeholder until the config loader lands: defaults only. */
#include <string.h>
#include <constrictor/constrictor.h>

void cst_config_defaults(struct cst_config *c)
{
        memset(c, 0, sizeof(*c));
        c->min_saved_bytes_per_packet = 16;
        c->max_flows = 1048576;
        c->flow_idle_timeout_sec = 300;
        c->tls_enabled = true;
        c->tls_ports.any = true;
        c->app_data_keep_record_bytes = 8;
        c->app_data_continuation_keep_bytes = 8;
        c->tls_policy = CST_TLS_FINAL_ONLY;
        c->quic_enabled = true;
        c->quic_ports.any = true;
        c->short_header_keep_packet_bytes = 32;
        c->require_dcid_match = true;
        c->fill_byte = 0xAB;
        c->default_snaplen = 262144;
        c->max_capture_len = 262144;
        c->stats_enabled = true;
}
