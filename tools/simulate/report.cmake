# The simulator's invariant checker and compliance report (invariants.h, report.h): pure
# functions over RunFacts, no Kafka, no clock. Included from tools/simulate/CMakeLists.txt.
add_library(csec_sim_report
  ${CMAKE_CURRENT_LIST_DIR}/invariants.cc
  ${CMAKE_CURRENT_LIST_DIR}/report.cc)
target_include_directories(csec_sim_report PUBLIC ${PROJECT_SOURCE_DIR})
target_link_libraries(csec_sim_report
  PUBLIC csec_domain csec_protos absl::strings absl::time
  PRIVATE absl::str_format)

csec_unit_test(report_test ${CMAKE_CURRENT_LIST_DIR}/report_test.cc)
target_link_libraries(report_test PRIVATE csec_sim_report absl::strings absl::time)
