/* sensor/dpi_risks.c: nDPI 4.2's risk names (see dpi_risks.h). */
#include "dpi_risks.h"

#include <string.h>
#include <strings.h>

/* ndpi_risk2str() of nDPI 4.2, by bit; [0] is NDPI_NO_RISK. */
static const char *const risk_names[] = {
    [0] = "",
    [1] = "XSS Attack",
    [2] = "SQL Injection",
    [3] = "RCE Injection",
    [4] = "Binary Application Transfer",
    [5] = "Known Protocol on Non Standard Port",
    [6] = "Self-signed Certificate",
    [7] = "Obsolete TLS Version (1.1 or older)",
    [8] = "Weak TLS Cipher",
    [9] = "TLS Expired Certificate",
    [10] = "TLS Certificate Mismatch",
    [11] = "HTTP Suspicious User-Agent",
    [12] = "HTTP Numeric IP Address",
    [13] = "HTTP Suspicious URL",
    [14] = "HTTP Suspicious Header",
    [15] = "TLS (probably) Not Carrying HTTPS",
    [16] = "Suspicious DGA Domain name",
    [17] = "Malformed Packet",
    [18] = "SSH Obsolete Client Version/Cipher",
    [19] = "SSH Obsolete Server Version/Cipher",
    [20] = "SMB Insecure Version",
    [21] = "TLS Suspicious ESNI Usage",
    [22] = "Unsafe Protocol",
    [23] = "Suspicious DNS Traffic",
    [24] = "Missing SNI TLS Extension",
    [25] = "HTTP Suspicious Content",
    [26] = "Risky ASN",
    [27] = "Risky Domain Name",
    [28] = "Possibly Malicious JA3 Fingerprint",
    [29] = "Possibly Malicious SSL Cert. SHA1 Fingerprint",
    [30] = "Desktop/File Sharing Session",
    [31] = "Uncommon TLS ALPN",
    [32] = "TLS Certificate Validity Too Long",
    [33] = "TLS Suspicious Extension",
    [34] = "TLS Fatal Alert",
    [35] = "Suspicious Entropy",
    [36] = "Clear-Text Credentials",
    [37] = "DNS Packet Larger Than 512 bytes",
    [38] = "Fragmented DNS Message",
    [39] = "Text Contains Non-Printable Characters",
    [40] = "Possible Exploit Detected",
    [41] = "TLS Certificate About To Expire",
};

#define NRISK (sizeof(risk_names) / sizeof(risk_names[0]))

unsigned dpi_risks_count(void)
{
    return (unsigned)NRISK;
}

const char *dpi_risks_name(unsigned bit)
{
    return bit > 0 && bit < NRISK ? risk_names[bit] : NULL;
}

int dpi_risks_bit(const char *name)
{
    unsigned i;

    for (i = 1; i < NRISK; i++)
        if (strcmp(risk_names[i], name) == 0)
            return (int)i;
    for (i = 1; i < NRISK; i++)
        if (strcasecmp(risk_names[i], name) == 0)
            return (int)i;
    return -1;
}
