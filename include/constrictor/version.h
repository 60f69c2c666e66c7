/*
 * Version of the constrictor headers.  It must equal project(VERSION) in
 * CMakeLists.txt: configuring fails when they differ.  (A checked-in
 * header rather than a generated one, so that anything compiling with
 * -Iinclude, in or out of CMake, sees it.)  cst_version() and
 * cst_version_number() give the library's at run time.
 */
#ifndef CONSTRICTOR_VERSION_H
#define CONSTRICTOR_VERSION_H

#define CST_VERSION_MAJOR  0
#define CST_VERSION_MINOR  1
#define CST_VERSION_PATCH  0
#define CST_VERSION_STRING "0.1.0"
/* MAJOR * 10000 + MINOR * 100 + PATCH, for #if comparisons. */
#define CST_VERSION_NUMBER                                                                         \
        (CST_VERSION_MAJOR * 10000ul + CST_VERSION_MINOR * 100ul + CST_VERSION_PATCH)

#endif
