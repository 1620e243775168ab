#pragma once
// The register adapter contract. Required calls are pure virtual; calls added later get default
// implementations and go at the end, so adapters built against an older minor SDK version keep working.

#include <regfed/sdk/Types.h>

namespace regfed::sdk {

/// One adapter instance serves one configured register. The host calls open() once, then describe(), then
/// get(), search() and health() from many threads at once: implementations must be thread-safe after open().
/// Exceptions are contained by the host, but a well-behaved adapter reports failures through Status.
class RegisterAdapter {
 public:
  virtual ~RegisterAdapter() = default;

  /// Connects to the backend and checks the configured schema against it.
  virtual Status open(const OpenRequest& request) = 0;

  /// Fields and capabilities. Before open() it must still report the capabilities (fields may be empty), so
  /// `regfed plugin check` can show them.
  virtual Description describe() const = 0;

  /// Fetches one record by id.
  virtual Status get(const GetRequest& request, GetResult& result) = 0;

  /// Searches with the declared operators.
  virtual Status search(const SearchRequest& request, SearchResult& result) = 0;

  /// Reports whether the backend can serve right now.
  virtual Health health() = 0;

  /// Since 1.1. Checks the options without connecting, for `regfed config check`: appends one plain sentence per
  /// problem (naming the option) to `problems`. The default accepts everything; open() still checks them.
  virtual void validateOptions(const std::vector<Option>& options, std::vector<std::string>& problems) const {
    (void)options;
    (void)problems;
  }
};

}  // namespace regfed::sdk
