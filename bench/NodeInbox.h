#pragma once
// A helper's inbox through the node's HTTP API: one keep-alive connection, the helper's token and the mandate
// in every request (GET …/items?status=open, POST …/items/{id}/claim, POST …/items/{id}/complete).

#include <Poco/Net/HTTPClientSession.h>

#include "Inbox.h"

namespace regfed::bench {

class NodeInbox : public Inbox {
 public:
  /// `items` is the path of the procedure's items, e.g. "/v1/procedures/15088220/online-antraege/items".
  NodeInbox(const std::string& host, int port, std::string items, const std::string& token,
            std::string mandate);

  bool page(int limit, InboxPage& out) override;
  ClaimAnswer claim(const std::string& id) override;
  bool approve(const std::string& id) override;
  const std::string& error() const override { return error_; }

 private:
  /// Sends one request on the kept-alive connection; returns the HTTP status, or 0 when the exchange failed.
  int call(const std::string& method, const std::string& path, const std::string& body, std::string& answer);

  Poco::Net::HTTPClientSession session_;
  std::string items_, authorization_, mandate_, error_;
};

}  // namespace regfed::bench
