/* sensor/dpi_risks.h: the names of nDPI 4.2's flow risks, without nDPI.
 *
 * Flow records carry risks as a bitmap (1 << ndpi_risk_enum). Rules
 * (ndpi.risks), the ndpi_risk detector's params and the JSON records all name
 * risks exactly as ndpi_risk2str() of nDPI 4.2 prints them; this table is that
 * list, so modules that must not include nDPI (STYLE rule 16) can use it.
 * test_dpi_ndpi checks it against ndpi_risk2str() bit by bit, so an nDPI
 * upgrade that renames a risk fails the tests instead of silently breaking
 * rules. Read-only data; any thread.
 */
#ifndef DPI_RISKS_H
#define DPI_RISKS_H

#define DPI_RISK_MAX 64         /* bits in the flow record's risk bitmap */

/* Number of named risks + 1 (bit 0, NDPI_NO_RISK, has no name). */
unsigned dpi_risks_count(void);
/* Name of risk bit, or NULL for 0 and unknown bits. */
const char *dpi_risks_name(unsigned bit);
/* Bit of a risk name (exact, then case-insensitive), or -1. */
int dpi_risks_bit(const char *name);

#endif
