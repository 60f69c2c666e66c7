/*
 * rotate: tcpdump's -C/-G/-W file names and decisions (src/sink/rotate.c).
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "check.h"
#include "sink/rotate.h"

static void expect_name(const struct rot_state *r, const char *want)
{
        char name[256];
        CHECK(rot_name(r, name, sizeof(name)) == 0);
        CHECK_STR(name, want);
}

static void test_size_names(void)
{
        struct rot_state r;
        struct rot_policy p = {1000, 0, 0};
        rot_init(&r, "out.pcap", &p, 100);
        expect_name(&r, "out.pcap");
        CHECK(rot_check(&r, 500, 400, true, 100) == ROT_KEEP);
        CHECK(rot_check(&r, 900, 200, false, 100) == ROT_KEEP); /* a fresh file takes any record */
        CHECK(rot_check(&r, 900, 200, true, 100) == ROT_NEXT);
        expect_name(&r, "out.pcap1");
        CHECK(rot_check(&r, 900, 200, true, 100) == ROT_NEXT);
        expect_name(&r, "out.pcap2");
}

static void test_ring(void)
{
        struct rot_state r;
        struct rot_policy p = {1000, 0, 3};
        rot_init(&r, "r", &p, 0);
        expect_name(&r, "r0");
        CHECK(rot_check(&r, 1000, 1, true, 0) == ROT_NEXT);
        expect_name(&r, "r1");
        CHECK(rot_check(&r, 1000, 1, true, 0) == ROT_NEXT);
        expect_name(&r, "r2");
        CHECK(rot_check(&r, 1000, 1, true, 0) == ROT_NEXT);
        expect_name(&r, "r0"); /* oldest overwritten */
        struct rot_policy p11 = {1000, 0, 11};
        rot_init(&r, "r", &p11, 0);
        expect_name(&r, "r00"); /* digits of N-1 */
}

static void test_time(void)
{
        struct rot_state r;
        struct rot_policy p = {0, 60, 2};
        setenv("TZ", "UTC", 1);
        tzset();
        rot_init(&r, "t-%Y%m%d-%H%M%S.pcap", &p, 86400);
        expect_name(&r, "t-19700102-000000.pcap");
        CHECK(rot_check(&r, 10, 10, true, 86459) == ROT_KEEP);
        CHECK(rot_check(&r, 10, 10, true, 86460) == ROT_NEXT);
        expect_name(&r, "t-19700102-000100.pcap");
        CHECK(rot_check(&r, 10, 10, true, 86530) == ROT_STOP); /* -W 2: two files */
        CHECK(!rot_enabled(&(struct rot_policy){0, 0, 5}));
}

int main(void)
{
        test_size_names();
        test_ring();
        test_time();
        return check_summary("rotate");
}
