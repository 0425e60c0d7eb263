/* sensor/fw_err.h: the project's error codes.
 *
 * Functions that act return 0 or one of these negative codes; fw_strerror()
 * names them. Detail text (file:line:col, a Redis URL...) lives in the object
 * that failed and is read with its own x_errmsg(). Any thread may call these.
 */
#ifndef FW_ERR_H
#define FW_ERR_H

enum fw_err {
    FW_OK = 0,
    FW_ENOMEM = -1,     /* allocation failed or a configured cap was hit */
    FW_EINVAL = -2,     /* bad argument or value */
    FW_EIO = -3,        /* read/write/syscall failure; errno saved by caller */
    FW_ENOENT = -4,     /* file, key or object not found */
    FW_EPARSE = -5,     /* syntax or schema error in a file */
    FW_EFULL = -6,      /* ring, table or spool full */
    FW_EAGAIN = -7,     /* nothing to do now, try later */
    FW_ECONN = -8,      /* connection refused or lost */
    FW_EUNSUPP = -9,    /* unsupported link type, feature or version */
    FW_ETIMEDOUT = -10, /* a timeout expired */
    FW_EEXIST = -11,    /* duplicate id or key */
    FW_EAUTH = -12,     /* authentication refused */
};

const char *fw_strerror(int rc);

#endif
