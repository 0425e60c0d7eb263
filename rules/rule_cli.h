/* rules/rule_cli.h: `finwatch rules lint|test|explain`, for rule authors and analysts.
 *
 * lint checks rule files and prints gcc-style diagnostics (text or JSON);
 * test runs the sensor on a capture with a rule set and compares the alerts
 * with an expectation file; explain shows why an alert fired. Output goes to
 * stdout, usage errors to stderr. Main thread only (it may fork the sensor).
 */
#ifndef RULE_CLI_H
#define RULE_CLI_H

/* argv[0] is the subcommand ("lint", "test", "explain"). Returns the process exit
 * status: 0 ok, 1 errors or mismatches, 2 usage. */
int rule_cli_main(int argc, char **argv);

#endif
