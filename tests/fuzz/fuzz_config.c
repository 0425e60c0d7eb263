/* tests/fuzz/fuzz_config.c: libFuzzer harness for the config loader.
 *
 * fw_config_load() reads a path, so each input is written to a private temp
 * file first. The loader must return 0 or a negative FW_E* code, leave a
 * config that frees cleanly, keep its error text NUL-terminated, and on
 * success answer zone queries for every zone it accepted.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fw_config.h"

static char tmp_path[64];

static int write_input(const uint8_t *data, size_t size)
{
    FILE *f;

    if (!tmp_path[0])
        snprintf(tmp_path, sizeof(tmp_path), "/tmp/fuzz_config.%ld.yaml", (long)getpid());
    f = fopen(tmp_path, "wb");
    if (!f)
        return -1;
    if (size && fwrite(data, 1, size, f) != size) {
        fclose(f);
        return -1;
    }
    return fclose(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fw_config cfg;
    char err[FW_CONFIG_ERR_MAX];
    size_t i, j;
    int rc;

    if (write_input(data, size) < 0 || fw_config_defaults(&cfg) < 0)
        return 0;
    rc = fw_config_load(&cfg, tmp_path, err, sizeof(err));
    if (rc > 0 || memchr(err, '\0', sizeof(err)) == NULL)
        __builtin_trap();
    for (i = 0; rc == 0 && i < cfg.nzones; i++) {
        for (j = 0; j < cfg.zones[i].ncidrs; j++)
            if (fw_config_zone_of(&cfg, &cfg.zones[i].cidrs[j].ip) != (int)i)
                __builtin_trap();   /* zones were checked not to overlap */
        if (fw_config_zone_find(&cfg, cfg.zones[i].name) != (int)i)
            __builtin_trap();
    }
    fw_config_free(&cfg);
    return 0;
}
