#include "NodeInbox.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>

namespace regfed::bench {

NodeInbox::NodeInbox(const std::string& host, int port, std::string items, const std::string& token,
                     std::string mandate)
    : session_(host, static_cast<Poco::UInt16>(port)),
      items_(std::move(items)),
      authorization_("Bearer " + token),
      mandate_(std::move(mandate)) {
  session_.setKeepAlive(true);
  session_.setTimeout(Poco::Timespan(30, 0));
}

int NodeInbox::call(const std::string& method, const std::string& path, const std::string& body,
                    std::string& answer) {
  Poco::Net::HTTPRequest request(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
  request.setKeepAlive(true);
  request.set("Authorization", authorization_);
  request.set("Regfed-Mandate", mandate_);
  if (method == "POST") {
    request.setContentType("application/json");
    request.setContentLength(static_cast<std::streamsize>(body.size()));
  }
  try {
    session_.sendRequest(request) << body;
    Poco::Net::HTTPResponse response;
    answer.clear();
    Poco::StreamCopier::copyToString(session_.receiveResponse(response), answer);
    return static_cast<int>(response.getStatus());
  } catch (const Poco::Exception& e) {
    session_.reset();
    error_ = method + " " + path + ": " + e.displayText();
    return 0;
  }
}

bool NodeInbox::page(int limit, InboxPage& out) {
  std::string answer;
  const int status = call("GET", items_ + "?status=open&limit=" + std::to_string(limit), "", answer);
  if (status != 200) {
    if (status != 0) error_ = "list: HTTP " + std::to_string(status) + " " + answer;
    return false;
  }
  out = {};
  try {
    Poco::JSON::Parser parser;
    auto items = parser.parse(answer).extract<Poco::JSON::Object::Ptr>()->getArray("items");
    for (std::size_t i = 0; i < items->size(); ++i) {
      auto item = items->getObject(static_cast<unsigned>(i));
      if (item->isNull("claim")) out.unclaimed.push_back(item->getValue<std::string>("id"));
    }
    out.shown = items->size();
    return true;
  } catch (const Poco::Exception& e) {
    error_ = "list: unexpected answer (" + e.displayText() + "): " + answer.substr(0, 200);
    return false;
  }
}

ClaimAnswer NodeInbox::claim(const std::string& id) {
  std::string answer;
  const int status = call("POST", items_ + "/" + id + "/claim", "", answer);
  if (status == 200) return ClaimAnswer::Won;
  if (status == 409 && answer.find("\"code\":\"already_claimed\"") != std::string::npos)
    return ClaimAnswer::HeldByOther;
  // A helper is told that an item decided in the meantime is gone (they see open items only).
  if (status == 404 && answer.find("\"code\":\"item_not_found\"") != std::string::npos)
    return ClaimAnswer::NotOpen;
  if (status != 0) error_ = "claim " + id + ": HTTP " + std::to_string(status) + " " + answer;
  return ClaimAnswer::Failed;
}

bool NodeInbox::approve(const std::string& id) {
  std::string answer;
  const int status = call("POST", items_ + "/" + id + "/complete", R"({"decision":"approved"})", answer);
  if (status != 200 && status != 0)
    error_ = "complete " + id + ": HTTP " + std::to_string(status) + " " + answer;
  return status == 200;
}

}  // namespace regfed::bench
