# Finds BearSSL for wsclient.h (used by CMakeLists.txt and the installed
# wsclientConfig.cmake). Debian's libbearssl-dev ships neither a pkg-config
# file nor a CMake package, so the header and the library are looked up by
# name. Gives the imported target wsclient::bearssl, or leaves
# WSCLIENT_BEARSSL_MISSING set to a message saying what to install.
unset(WSCLIENT_BEARSSL_MISSING)
if(NOT TARGET wsclient::bearssl)
  find_path(BEARSSL_INCLUDE_DIR bearssl.h)
  find_library(BEARSSL_LIBRARY bearssl)
  if(NOT BEARSSL_INCLUDE_DIR OR NOT BEARSSL_LIBRARY)
    string(CONCAT WSCLIENT_BEARSSL_MISSING
        "wsclient.h needs BearSSL, not found here (bearssl.h: ${BEARSSL_INCLUDE_DIR}, "
        "library: ${BEARSSL_LIBRARY}). Install it (Debian, Ubuntu: apt-get install libbearssl-dev) "
        "or point BEARSSL_INCLUDE_DIR and BEARSSL_LIBRARY at it.")
  else()
    # GLOBAL: through add_subdirectory, wsclient::wsclient names it from the
    # parent project's directories too.
    add_library(wsclient::bearssl UNKNOWN IMPORTED GLOBAL)
    set_target_properties(wsclient::bearssl PROPERTIES
      IMPORTED_LOCATION "${BEARSSL_LIBRARY}"
      INTERFACE_INCLUDE_DIRECTORIES "${BEARSSL_INCLUDE_DIR}")
  endif()
endif()
