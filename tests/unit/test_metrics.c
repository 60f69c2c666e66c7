/*
 * src/metrics (issue 18 item 6): the Prometheus text of a run's counters
 * (HELP/TYPE lines, _total counters, one labelled sample per reason), the
 * JSON object and its atomic file, the listener's address forms and errors,
 * and one request answered in-process after a publish.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <constrictor/constrictor.h>
#include "check.h"

static void sample(struct cst_pipeline_stats *st)
{
        memset(st, 0, sizeof(*st));
        st->packets_total = 1000;
        st->packets_written = 999;
        st->bytes_input = 1500000;
        st->bytes_output = 300000;
        st->ks.kernel_drops = 7;
        st->flows_active = 12;
        st->flows_evicted = 3;
        st->reasons[CST_R_TRUNCATE_TLS_TRACK] = 600;
}

static void test_text(void)
{
        static char buf[16384];
        struct cst_pipeline_stats st;
        sample(&st);
        size_t n = cst_metrics_text(buf, sizeof(buf), &st);
        CHECK(n > 0 && n == strlen(buf));
        CHECK(strstr(buf, "# HELP constrictor_packets_total ") != NULL);
        CHECK(strstr(buf, "# TYPE constrictor_packets_total counter\nconstrictor_packets_total "
                          "1000\n") != NULL);
        CHECK(strstr(buf, "\nconstrictor_bytes_saved_total 1200000\n") != NULL);
        CHECK(strstr(buf, "\nconstrictor_kernel_drops_total 7\n") != NULL);
        CHECK(strstr(buf, "# TYPE constrictor_flows_active gauge\nconstrictor_flows_active 12\n") !=
              NULL);
        CHECK(strstr(buf, "\nconstrictor_flows_evicted_total 3\n") != NULL);
        CHECK(strstr(buf, "\nconstrictor_reason_packets_total{reason=\"truncate.tls_track\"} "
                          "600\n") != NULL);
        /* one sample per reason, every line a comment or "name[{labels}] value" */
        unsigned reasons = 0, bad = 0;
        for (char *line = buf; *line;) {
                char *nl = strchr(line, '\n');
                CHECK(nl != NULL);
                if (!nl)
                        break;
                *nl = '\0';
                if (strncmp(line, "constrictor_reason_packets_total{", 33) == 0)
                        reasons++;
                if (line[0] != '#' &&
                    (strncmp(line, "constrictor_", 12) != 0 || !strchr(line, ' ')))
                        bad++;
                line = nl + 1;
        }
        CHECK_EQ_U(reasons, CST_R_COUNT);
        CHECK_EQ_U(bad, 0);
        CHECK_EQ_U(cst_metrics_text(buf, 100, &st), 0); /* too small: nothing */
}

static void test_json_file(void)
{
        static char buf[16384];
        char err[CST_ERRBUF], path[] = "/tmp/cst_metrics_XXXXXX", file[64];
        struct cst_pipeline_stats st;
        sample(&st);
        CHECK(cst_metrics_json(buf, sizeof(buf), &st, true) > 0);
        CHECK(strstr(buf, "\"final\":true,") != NULL);
        CHECK(strstr(buf, "\"packets\":1000,") != NULL);
        CHECK(strstr(buf, "\"saved_percent\":80.00,") != NULL);
        CHECK(strstr(buf, "\"truncate.tls_track\":600") != NULL);
        CHECK(mkdtemp(path) != NULL);
        snprintf(file, sizeof(file), "%s/s.json", path);
        CHECK(cst_metrics_write_json(file, &st, false, err) == CST_OK);
        FILE *f = fopen(file, "r");
        char got[16384] = "";
        CHECK(f != NULL);
        if (f) {
                CHECK(fgets(got, sizeof(got), f) != NULL);
                fclose(f);
        }
        CHECK(strstr(got, "\"final\":false,") != NULL);
        unlink(file);
        CHECK(rmdir(path) == 0); /* no temporary left beside it */
        CHECK(cst_metrics_write_json("/nonexistent/dir/s.json", &st, true, err) == CST_EFATAL);
        CHECK(strstr(err, "/nonexistent/dir/s.json") != NULL);
}

static void test_listen(void)
{
        char err[CST_ERRBUF];
        cst_metrics *m = NULL;
        static const char *const bad[] = {"127.0.0.1:99999", "127.0.0.1:", ":abc", "300.1.1.1:80",
                                          ""};
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                err[0] = '\0';
                CHECK(cst_metrics_listen(&m, bad[i], err) != CST_OK && m == NULL);
                CHECK(strstr(err, "metrics address") != NULL);
        }
        CHECK(cst_metrics_listen(&m, ":0", err) == CST_OK);
        unsigned port = cst_metrics_port(m);
        CHECK(port > 0);
        struct cst_pipeline_stats st;
        sample(&st);
        cst_metrics_publish(m, &st);
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        CHECK(connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0);
        const char req[] = "GET /metrics HTTP/1.0\r\n\r\n";
        CHECK(write(fd, req, sizeof(req) - 1) == (ssize_t)(sizeof(req) - 1));
        static char resp[32768];
        size_t len = 0;
        ssize_t r;
        while ((r = read(fd, resp + len, sizeof(resp) - 1 - len)) > 0)
                len += (size_t)r;
        resp[len] = '\0';
        close(fd);
        CHECK(strncmp(resp, "HTTP/1.1 200 OK\r\n", 17) == 0);
        CHECK(strstr(resp, "\r\n\r\n# HELP constrictor_packets_total") != NULL);
        CHECK(strstr(resp, "\nconstrictor_packets_written_total 999\n") != NULL);
        cst_metrics_close(m);
        cst_metrics_close(NULL);
}

int main(void)
{
        test_text();
        test_json_file();
        test_listen();
        return check_summary("test_metrics");
}
