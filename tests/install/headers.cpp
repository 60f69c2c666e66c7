// Every public header compiles as C++ on its own and together, and a C++
// program links against the library (the extern "C" guards are right).
#include <constrictor/packet.h>
#include <constrictor/config.h>
#include <constrictor/stats.h>
#include <constrictor/engine.h>
#include <constrictor/offline.h>
#include <constrictor/capture.h>
#include <constrictor/pipeline.h>
#include <constrictor/audit.h>
#include <constrictor/version.h>
#include <constrictor/constrictor.h>

#include <cstdio>
#include <cstring>

int main()
{
        char err[CST_ERRBUF];
        struct cst_config *cfg = cst_config_new();
        struct cst_stats *st = cst_stats_new();
        uint64_t v = 1;
        int bad = 0;

        if (!cfg || !st)
                return 1;
        if (cst_config_set(cfg, "tls.app_data_keep_record_bytes", "12", err) != CST_OK ||
            cst_config_get_uint(cfg, "tls.app_data_keep_record_bytes", &v, err) != CST_OK ||
            v != 12)
                bad++;
        if (cst_stats_get(st, "tls_truncated", &v) != CST_OK || v != 0)
                bad++;
        cst_engine *eng = cst_engine_new(cfg, err);
        if (!eng)
                bad++;
        cst_engine_free(eng);
        if (std::strcmp(cst_version(), CST_VERSION_STRING) != 0 ||
            cst_version_number() != CST_VERSION_NUMBER)
                bad++;
        std::printf("C++ %s, %s\n", cst_version(), cst_strerror(CST_EKEY));
        cst_stats_free(st);
        cst_config_free(cfg);
        return bad;
}
