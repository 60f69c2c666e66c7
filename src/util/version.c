/* Library version and the names of the status codes. */
#include <constrictor/constrictor.h>

const char *cst_version(void)
{
        return CST_VERSION_STRING;
}

unsigned long cst_version_number(void)
{
        return CST_VERSION_NUMBER;
}

const char *cst_strerror(int status)
{
        switch (status) {
        case CST_OK:
                return "success";
        case CST_EFATAL:
                return "error (see the message)";
        case CST_ETAIL:
                return "input ended with an incomplete record";
        case CST_ENOMEM:
                return "out of memory";
        case CST_CAPTURE_EOF:
                return "end of the capture input";
        case CST_DUMP_FILE_LIMIT:
                return "the last file of the rotation is complete";
        case CST_EKEY:
                return "unknown configuration key or counter name";
        case CST_EVALUE:
                return "invalid value for a configuration key";
        case CST_ETYPE:
                return "configuration key has another type";
        default:
                return "unknown status code";
        }
}
