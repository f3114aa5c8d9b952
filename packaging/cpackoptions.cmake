# Read by cpack for each generator (CPACK_PROJECT_CONFIG_FILE).
if(CPACK_GENERATOR STREQUAL "DEB")
    # Each package's description starts with its own synopsis; CPackDeb would otherwise put the
    # project's summary in front of it (lintian: description-synopsis-is-duplicated).
    unset(CPACK_PACKAGE_DESCRIPTION_SUMMARY)
endif()
