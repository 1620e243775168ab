// libFuzzer target: what a peer node sends — bytes decoded as the contract's SearchRequest and RecordRequest
// (schemas/regfed.thrift, binary protocol), then read by the owning node exactly as it reads them in
// FederationServer: the search becomes an HTTP-equivalent body and goes through parseQuery, the record request
// through readRecordRequest.
#include <Poco/URI.h>
#include <RegfedNode.h>
#include <thrift/TConfiguration.h>
#include <thrift/protocol/TBinaryProtocol.h>
#include <thrift/transport/TBufferTransports.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "DataRequest.h"
#include "Lists.h"
#include "PeerTls.h"
#include "WireMapping.h"

using namespace regfed::core;

namespace {

template <class Struct>
bool decode(const std::uint8_t* data, std::size_t size, Struct& out) {
  // Bounded like a frame from a peer: Thrift sizes lists by the bytes left in the message.
  auto limits = std::make_shared<apache::thrift::TConfiguration>(static_cast<int>(size) + 1, static_cast<int>(size) + 1);
  auto buffer = std::make_shared<apache::thrift::transport::TMemoryBuffer>(
      const_cast<std::uint8_t*>(data), static_cast<std::uint32_t>(size),
      apache::thrift::transport::TMemoryBuffer::OBSERVE, limits);
  // Limited as the node limits what its peers send (FederationServer, Federation).
  apache::thrift::protocol::TBinaryProtocol protocol(buffer, static_cast<std::int32_t>(size),
                                                     regfed::core::kMaxPeerContainerItems, false, true);
  try {
    out.read(&protocol);
    return true;
  } catch (const apache::thrift::TException&) {
    return false;
  }
}

std::string encoded(const std::string& text) {
  std::string out;
  Poco::URI::encode(text, "/?#&=,+%", out);
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > (1 << 16)) return 0;
  regfed::wire::SearchRequest search;
  if (decode(data, size, search)) {
    QueryRequest parsed;
    try {
      parseQuery(queryBody(search), parsed);
    } catch (const RequestError&) {
    }
  }
  regfed::wire::RecordRequest record;
  if (decode(data, size, record)) {
    std::string query;
    if (record.__isset.fields) query = "fields=" + encoded(joined(record.fields, ","));
    readRecordRequest(encoded(record.ags), encoded(record.register_name), encoded(record.id), query,
                      [&](const std::string& name) -> std::optional<std::string> {
                        if (name == "Regfed-Purpose") return encoded(record.purpose);
                        if (name == "Regfed-Case-Ref") return record.case_ref;
                        return std::nullopt;
                      });
  }
  return 0;
}
