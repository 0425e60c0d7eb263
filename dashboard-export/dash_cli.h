/* dashboard-export/dash_cli.h: `finwatch dashboard`, the threat map web page.
 *
 * Parses the command line (and optionally the config file for the Redis URL
 * and key prefix), refuses to listen beyond loopback without a token, serves
 * until SIGINT or SIGTERM, then shuts down cleanly. Main thread only.
 */
#ifndef DASH_CLI_H
#define DASH_CLI_H

/* argv[0] is "dashboard". Returns the process exit status: 0 after a clean
 * stop or --help, 1 when it cannot start, 2 on a usage error. */
int dash_main(int argc, char **argv);

#endif
