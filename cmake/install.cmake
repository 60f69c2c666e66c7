# Install rules: headers, both libraries, constrictor.pc, the CMake package
# (find_package(constrictor) -> constrictor::constrictor), the program and
# its man page.  `make install PREFIX=... DESTDIR=...` (Makefile) runs them.
include(CMakePackageConfigHelpers)

set(CST_INSTALL_TARGETS constrictor)
if(CST_SHARED)
  list(APPEND CST_INSTALL_TARGETS constrictor_shared)
endif()
install(TARGETS ${CST_INSTALL_TARGETS} EXPORT constrictorTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY include/constrictor DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
  FILES_MATCHING PATTERN "*.h")
install(TARGETS constrictor-bin RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES docs/constrictor.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(FILES docs/constrictor.conf.5 DESTINATION ${CMAKE_INSTALL_MANDIR}/man5)

# pkg-config: the prefix is found from the .pc file's own place, so a tree
# installed with DESTDIR or moved elsewhere still resolves.
file(RELATIVE_PATH CST_PC_TO_PREFIX "/p/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/p")
string(REGEX REPLACE "/$" "" CST_PC_TO_PREFIX "${CST_PC_TO_PREFIX}")
string(REPLACE ";" " " CST_PC_REQUIRES_PRIVATE_LINE "${CST_PC_REQUIRES_PRIVATE}")
configure_file(cmake/constrictor.pc.in ${PROJECT_BINARY_DIR}/constrictor.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/constrictor.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

# CMake package.
set(CST_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/constrictor)
install(EXPORT constrictorTargets NAMESPACE constrictor:: DESTINATION ${CST_CMAKE_DIR})
configure_package_config_file(cmake/constrictorConfig.cmake.in
  ${PROJECT_BINARY_DIR}/constrictorConfig.cmake INSTALL_DESTINATION ${CST_CMAKE_DIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/constrictorConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMajorVersion)
install(FILES ${PROJECT_BINARY_DIR}/constrictorConfig.cmake
  ${PROJECT_BINARY_DIR}/constrictorConfigVersion.cmake DESTINATION ${CST_CMAKE_DIR})
