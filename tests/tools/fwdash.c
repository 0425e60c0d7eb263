/* tests/tools/fwdash.c: `fwdash [dashboard options]` runs dash_main() on its
 * own, so the dashboard tests work before (and independently of) the
 * `finwatch dashboard` wiring in sensor/fw_main.c. */
#include "dash_cli.h"

int main(int argc, char **argv)
{
    argv[0] = "dashboard";
    return dash_main(argc, argv);
}
