/* sensor/fw_err.c: names for the FW_E* codes. */
#include "fw_err.h"

const char *fw_strerror(int rc)
{
    switch (rc) {
    case FW_OK:        return "success";
    case FW_ENOMEM:    return "out of memory or over a configured cap";
    case FW_EINVAL:    return "invalid argument";
    case FW_EIO:       return "input/output error";
    case FW_ENOENT:    return "not found";
    case FW_EPARSE:    return "parse error";
    case FW_EFULL:     return "full";
    case FW_EAGAIN:    return "try again";
    case FW_ECONN:     return "connection failed";
    case FW_EUNSUPP:   return "unsupported";
    case FW_ETIMEDOUT: return "timed out";
    case FW_EEXIST:    return "already exists";
    case FW_EAUTH:     return "authentication failed";
    default:           return "unknown error";
    }
}
