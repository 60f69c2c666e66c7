/* Library version. */
#include <constrictor/constrictor.h>

const char *cst_version(void)
{
        return CST_VERSION_STRING;
}
