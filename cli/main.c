/* constrictor — command-line entry point (placeholder until the CLI lands). */
#include <stdio.h>
#include <constrictor/constrictor.h>

int main(void)
{
        printf("%s %s\n", CST_PROGRAM_NAME, cst_version());
        return 0;
}
