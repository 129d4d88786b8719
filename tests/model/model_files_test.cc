// Checks that the lifecycle model, its runner and its documentation agree:
// the Promela file exists and declares the processes the mapping table in
// docs/CONCURRENCY.md documents, and both runs the ctest entries use exist.
// (The model itself is checked by the model_lifecycle_* ctest entries.)
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#ifndef FDLINK_SOURCE_DIR
#error \
    "FDLINK_SOURCE_DIR must name the source tree (tests/model/CMakeLists.txt)"
#endif

namespace fdlink {
namespace {

// ReadSourceFile returns the contents of `path` (relative to the source
// tree), or an empty string if it cannot be read.
std::string ReadSourceFile(const std::string& path) {
  std::ifstream in(std::string(FDLINK_SOURCE_DIR) + "/" + path);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// Matches returns every first capture group of `re` in `text`.
std::set<std::string> Matches(const std::string& text, const std::regex& re) {
  std::set<std::string> names;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), re);
       it != std::sregex_iterator(); ++it) {
    names.insert((*it)[1].str());
  }
  return names;
}

// ProcessNames returns the proctype names the model declares.
std::set<std::string> ProcessNames(const std::string& pml) {
  return Matches(pml, std::regex(R"(\bproctype\s+([A-Za-z_]\w*)\s*\()"));
}

// DocProcessNames returns the process names of the mapping table: its rows
// start with "| process `Name`".
std::set<std::string> DocProcessNames(const std::string& doc) {
  return Matches(doc, std::regex(R"(\|\s*process\s+`([A-Za-z_]\w*)`)"));
}

TEST(ModelFilesTest, ModelDeclaresTheLifecycleProcesses) {
  const std::string pml = ReadSourceFile("model/endpoint.pml");
  ASSERT_FALSE(pml.empty()) << "model/endpoint.pml is missing or empty";
  const std::set<std::string> expected = {"Control", "Detacher", "Loop",
                                          "Peer",    "Proc",     "Stack"};
  EXPECT_EQ(ProcessNames(pml), expected);
  EXPECT_NE(pml.find("\ninit {"), std::string::npos);
}

TEST(ModelFilesTest, MappingDocumentsExactlyTheModelsProcesses) {
  const std::string pml = ReadSourceFile("model/endpoint.pml");
  const std::string doc = ReadSourceFile("docs/CONCURRENCY.md");
  ASSERT_FALSE(doc.empty()) << "docs/CONCURRENCY.md is missing or empty";
  const std::set<std::string> in_model = ProcessNames(pml);
  ASSERT_FALSE(in_model.empty());
  EXPECT_EQ(DocProcessNames(doc), in_model);
}

TEST(ModelFilesTest, ModelHasThePrefixSwitchAndTheAssertions) {
  const std::string pml = ReadSourceFile("model/endpoint.pml");
  EXPECT_NE(pml.find("#ifdef GVISOR_PREFIX"), std::string::npos);
  EXPECT_NE(pml.find("assert(dispatcher_alive[g] && !quiesced[g])"),
            std::string::npos);
  EXPECT_NE(pml.find("assert(closed_calls[q] == 1"), std::string::npos);
}

TEST(ModelFilesTest, RunnerHandlesEveryModeTheTestsUse) {
  const std::string sh = ReadSourceFile("model/run_spin.sh");
  ASSERT_FALSE(sh.empty()) << "model/run_spin.sh is missing or empty";
  EXPECT_EQ(sh.rfind("#!/usr/bin/env bash", 0), 0u);
  EXPECT_NE(sh.find("set -euo pipefail"), std::string::npos);
  EXPECT_NE(sh.find("endpoint.pml"), std::string::npos);
  for (const char* mode : {"fixed)", "prefix)", "bites)", "ring_mutants)"}) {
    EXPECT_NE(sh.find(mode), std::string::npos) << mode;
  }
}

}  // namespace
}  // namespace fdlink
