/*
 * onefile — replay driver for the fuzz targets without libFuzzer (the
 * libpcap testprogs/fuzz/onefile.c idea): runs LLVMFuzzerTestOneInput over
 * every file named on the command line (directories are walked one level),
 * each from an exactly-sized heap buffer so ASan sees any overread.  Exits
 * 0 after printing how many inputs ran, 1 when an input cannot be read.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay_file(const char *path)
{
        FILE *f = fopen(path, "rb");
        if (!f) {
                fprintf(stderr, "onefile: cannot open %s\n", path);
                return -1;
        }
        struct stat st;
        if (fstat(fileno(f), &st) != 0 || st.st_size < 0) {
                fclose(f);
                fprintf(stderr, "onefile: cannot stat %s\n", path);
                return -1;
        }
        size_t size = (size_t)st.st_size;
        uint8_t *buf = malloc(size ? size : 1);
        if (!buf || fread(buf, 1, size, f) != size) {
                free(buf);
                fclose(f);
                fprintf(stderr, "onefile: cannot read %s\n", path);
                return -1;
        }
        fclose(f);
        LLVMFuzzerTestOneInput(buf, size);
        free(buf);
        return 0;
}

static int replay_dir(const char *dir, unsigned long *count)
{
        DIR *d = opendir(dir);
        if (!d) {
                fprintf(stderr, "onefile: cannot open directory %s\n", dir);
                return -1;
        }
        int rc = 0;
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
                if (e->d_name[0] == '.')
                        continue;
                char path[4096];
                snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
                if (replay_file(path) != 0)
                        rc = -1;
                else
                        (*count)++;
        }
        closedir(d);
        return rc;
}

int main(int argc, char **argv)
{
        unsigned long count = 0;
        int rc = 0;
        for (int i = 1; i < argc; i++) {
                struct stat st;
                if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
                        if (replay_dir(argv[i], &count) != 0)
                                rc = 1;
                } else if (replay_file(argv[i]) != 0) {
                        rc = 1;
                } else {
                        count++;
                }
        }
        printf("onefile: replayed %lu input(s)\n", count);
        return rc;
}
