/*
 * Flow table: canonical keys, lookups after many inserts/removals
 * (backward-shift deletion), growth up to the cap, LRU eviction and idle
 * timeouts by packet time.
 */
#include "check.h"
#include "policy/flowtable.h"

#include <constrictor/constrictor.h>
#include "config/config_def.h" /* struct layouts: private to the library */
#include "stats/stats_def.h"

static uint64_t key_of(uint32_t i, struct flow_key *k, unsigned *dir)
{
        uint8_t a[4] = {10, (uint8_t)(i >> 16), (uint8_t)(i >> 8), (uint8_t)i};
        uint8_t b[4] = {192, 0, 2, 1};
        return ft_make_key(k, a, b, 4, (uint16_t)(1024 + i % 50000), 443, 6, dir);
}

static void test_canonical(void)
{
        struct flow_key k1, k2;
        unsigned d1, d2;
        uint8_t a[16] = {0x20, 1}, b[16] = {0x20, 2};
        uint64_t h1 = ft_make_key(&k1, a, b, 16, 5000, 443, 6, &d1);
        uint64_t h2 = ft_make_key(&k2, b, a, 16, 443, 5000, 6, &d2);
        CHECK(h1 == h2 && memcmp(&k1, &k2, sizeof(k1)) == 0);
        CHECK(d1 != d2);
        uint64_t h3 = ft_make_key(&k2, a, b, 16, 5000, 443, 17, &d2);
        CHECK(h3 != h1); /* TCP and UDP are different flows */
}

static void test_insert_remove(void)
{
        struct flowtable ft;
        char err[CST_ERRBUF];
        enum { N = 20000 };
        CHECK(ft_init(&ft, N, 0, err) == 0);
        struct flow_key k;
        unsigned dir;
        for (uint32_t i = 0; i < N; i++) {
                uint64_t h = key_of(i, &k, &dir);
                CHECK(ft_lookup(&ft, &k, h, 1) == NULL || i == 0);
                struct flow *f = ft_insert(&ft, &k, h, 1);
                CHECK(f != NULL);
                if (f)
                        f->u.tcp.dir[0].expected_seq = i;
        }
        CHECK_EQ_U(ft_active(&ft), N);
        CHECK_EQ_U(ft.evicted, 0);
        for (uint32_t i = 0; i < N; i += 3) { /* remove every third */
                uint64_t h = key_of(i, &k, &dir);
                struct flow *f = ft_lookup(&ft, &k, h, 2);
                CHECK(f != NULL);
                if (f)
                        ft_remove(&ft, f);
        }
        int bad = 0;
        for (uint32_t i = 0; i < N; i++) {
                uint64_t h = key_of(i, &k, &dir);
                struct flow *f = ft_lookup(&ft, &k, h, 3);
                if ((i % 3 == 0) != (f == NULL) || (f && f->u.tcp.dir[0].expected_seq != i))
                        bad++;
        }
        CHECK_EQ_U(bad, 0);
        CHECK_EQ_U(ft_active(&ft), N - (N + 2) / 3);
        ft_free(&ft);
}

static void test_lru_eviction(void)
{
        struct flowtable ft;
        char err[CST_ERRBUF];
        CHECK(ft_init(&ft, 100, 0, err) == 0);
        struct flow_key k;
        unsigned dir;
        for (uint32_t i = 0; i < 100; i++) {
                uint64_t h = key_of(i, &k, &dir);
                ft_insert(&ft, &k, h, i);
        }
        uint64_t h0 = key_of(0, &k, &dir);
        CHECK(ft_lookup(&ft, &k, h0, 100) != NULL); /* flow 0 becomes the most recent */
        for (uint32_t i = 100; i < 150; i++) {
                uint64_t h = key_of(i, &k, &dir);
                CHECK(ft_insert(&ft, &k, h, i) != NULL);
        }
        CHECK_EQ_U(ft.evicted, 50);
        CHECK_EQ_U(ft_active(&ft), 100);
        CHECK(ft_lookup(&ft, &k, key_of(0, &k, &dir), 200) != NULL);
        CHECK(ft_lookup(&ft, &k, key_of(1, &k, &dir), 200) == NULL);  /* evicted */
        CHECK(ft_lookup(&ft, &k, key_of(51, &k, &dir), 200) != NULL); /* survived */
        ft_free(&ft);
}

static void test_idle_timeout(void)
{
        struct flowtable ft;
        char err[CST_ERRBUF];
        CHECK(ft_init(&ft, 1000, 30, err) == 0);
        struct flow_key k;
        unsigned dir;
        for (uint32_t i = 0; i < 10; i++) {
                uint64_t h = key_of(i, &k, &dir);
                ft_insert(&ft, &k, h, 1000 + i);
        }
        ft_expire(&ft, 1030); /* nothing idle for more than 30 s yet */
        CHECK_EQ_U(ft_active(&ft), 10);
        ft_expire(&ft, 1035); /* flows seen at 1000..1004 expire */
        CHECK_EQ_U(ft.timed_out, 5);
        CHECK_EQ_U(ft_active(&ft), 5);
        ft_expire(&ft, 900); /* time going backwards expires nothing */
        CHECK_EQ_U(ft_active(&ft), 5);
        ft_free(&ft);
}

int main(void)
{
        test_canonical();
        test_insert_remove();
        test_lru_eviction();
        test_idle_timeout();
        printf("sizeof(struct flow) = %zu\n", sizeof(struct flow));
        CHECK(sizeof(struct flow) <= 96);
        return check_summary("test_flowtable");
}
