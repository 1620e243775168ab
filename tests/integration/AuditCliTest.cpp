// The DPO's command line against a real node and PostgreSQL: the log's key and newest head, verification as
// the read-only auditor role (with a head kept earlier), proofs checked offline, retention by the pruning
// role, the yearly report and the record of processing activities.
#define BOOST_TEST_MODULE audit_cli
#include <Poco/JSON/Parser.h>
#include <regfed/audit/AuditWriter.h>
#include <regfed/audit/MerkleTree.h>
#include <regfed/audit/Retention.h>
#include <regfed/audit/TreeHeadSigner.h>
#include <regfed/audit/Witness.h>

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <fstream>
#include <map>
#include <pqxx/pqxx>
#include <sstream>
#include <thread>

#include "CalendarDate.h"
#include "NodeFixture.h"

using namespace regfed::test;
using Poco::JSON::Object;
namespace audit = regfed::audit;

namespace {

const char* kNode = "test-node";

NodeOptions options(const std::string& rootExtra = "") {
  NodeOptions o;
  o.signEveryEvents = 3;
  o.signIntervalMs = 200;
  o.rootExtra = rootExtra;
  return o;
}

struct Cli {
  int rc = -1;
  std::string out;
};

Cli command(std::vector<std::string> args) {
  args.insert(args.begin(), regfedBinary());
  Cli r;
  r.rc = run(args, r.out);
  return r;
}

std::string readText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string ownSearch(const std::string& ags) {
  return R"({"register":"melderegister","municipalities":[")" + std::string(ags) +
         R"("],"filter":{"familienname":"Müller"},"purpose":"Prüfung Wohnsitz","case_ref":"AZ-CLI-1"})";
}

// The node's public tree-head key, written where the DPO would keep it.
std::string publicKeyFile(const NodeFixture& fx) {
  return fx.dir.write("log-key.pub.pem",
                      audit::TreeHeadSigner::fromPrivateKeyFile(fx.config.audit.signingKey).publicKeyPem());
}

long long signedSize(const NodeFixture& fx) {
  return std::stoll(fx.db.scalar("SELECT coalesce(max(size), 0) FROM regfed_audit.tree_heads"));
}

// Waits until a signed head covers every event.
void waitSigned(const NodeFixture& fx) {
  for (int i = 0; i < 100 && signedSize(fx) != fx.auditCount(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  BOOST_REQUIRE_EQUAL(signedSize(fx), fx.auditCount());
}

// Some data requests: a clerk of each municipality searching at home, one get, one refused request.
void makeEvents(NodeFixture& fx, int rounds = 2) {
  const std::string mer = fx.token("anna.schulz", kMerseburg, {"clerk"});
  const std::string leu = fx.token("karl.beck", kLeuna, {"clerk"});
  for (int i = 0; i < rounds; ++i) {
    BOOST_REQUIRE(fx.query(mer, ownSearch(kMerseburg)).status == 200);
    BOOST_REQUIRE(fx.query(leu, ownSearch(kLeuna)).status == 200);
  }
  BOOST_REQUIRE(
      fx.get(mer, "/v1/registers/15088220/melderegister/records/MER-000001", purposeHeaders()).status == 200);
  // A helper of Leuna without a mandate on Merseburg's data: denied, no_mandate.
  BOOST_REQUIRE(fx.query(fx.token("lena.wagner", kLeuna, {"helper"}), ownSearch(kMerseburg)).status == 200);
}

std::string auditorDsn(const NodeFixture& fx) { return fx.db.dsn("regfed_auditor"); }

Cli verify(const NodeFixture& fx, const std::string& key, std::vector<std::string> extra = {}) {
  std::vector<std::string> args = {"audit", "verify", "--dsn", auditorDsn(fx), "--key", key};
  args.insert(args.end(), extra.begin(), extra.end());
  return command(args);
}

// The newest head as `regfed audit head` prints it, kept in a file.
std::string keepHead(const NodeFixture& fx, const std::string& name) {
  Cli head = command({"audit", "head", "--dsn", auditorDsn(fx)});
  BOOST_REQUIRE_MESSAGE(head.rc == 0, head.out);
  return fx.dir.write(name, head.out);
}

Object::Ptr parse(const std::string& json) { return Poco::JSON::Parser().parse(json).extract<Object::Ptr>(); }

std::string stringify(const Object::Ptr& o) {
  std::ostringstream out;
  o->stringify(out);
  return out.str();
}

// Flips the last hex digit of a hash.
std::string flipped(const std::string& hex) {
  std::string out = hex;
  out.back() = out.back() == '0' ? '1' : '0';
  return out;
}

void tamper(const NodeFixture& fx, const std::string& sql) {
  fx.db.exec(
      "ALTER TABLE regfed_audit.events DISABLE TRIGGER USER; ALTER TABLE regfed_audit.tree_heads DISABLE "
      "TRIGGER USER; " +
      sql +
      "; ALTER TABLE regfed_audit.events ENABLE TRIGGER USER; ALTER TABLE regfed_audit.tree_heads ENABLE "
      "TRIGGER USER");
}

bool refused(const std::string& dsn, const std::string& sql) {
  try {
    pqxx::connection c(dsn);
    pqxx::nontransaction tx(c);
    tx.exec(sql);
    return false;
  } catch (const pqxx::sql_error&) {
    return true;
  }
}

}  // namespace

BOOST_AUTO_TEST_CASE(audit_key_prints_the_key_the_node_signs_with_and_the_key_history) {
  NodeFixture fx(options());
  makeEvents(fx, 1);
  waitSigned(fx);
  const auto key = audit::TreeHeadSigner::fromPrivateKeyFile(fx.config.audit.signingKey);
  Cli fromConfig = command({"audit", "key", "--config", fx.configPath});
  BOOST_TEST(fromConfig.rc == 0);
  BOOST_TEST(fromConfig.out.find(key.publicKeyPem()) != std::string::npos);
  BOOST_TEST(fromConfig.out.find(key.keyId()) != std::string::npos);
  // The same key the API shows the DPO.
  auto api = fx.get(fx.token("dora.dpo", kMerseburg, {"dpo"}), "/v1/audit/key").json();
  BOOST_TEST(api->getValue<std::string>("public_key") == key.publicKeyPem());
  BOOST_TEST(api->getValue<std::string>("key_id") == key.keyId());

  Cli history = command({"audit", "key", "--dsn", auditorDsn(fx)});
  BOOST_TEST(history.rc == 0);
  BOOST_TEST(history.out.find("key " + key.keyId() + " first used ") != std::string::npos);
  BOOST_TEST(history.out.find(key.publicKeyPem()) != std::string::npos);

  BOOST_TEST(command({"audit", "key"}).rc == 2);
  BOOST_TEST(command({"audit", "key", "--config", fx.configPath, "--dsn", auditorDsn(fx)}).rc == 2);
}

BOOST_AUTO_TEST_CASE(verify_as_the_auditor_passes_and_finds_a_changed_event) {
  NodeFixture fx(options());
  makeEvents(fx);
  waitSigned(fx);
  const std::string key = publicKeyFile(fx);
  const std::string kept = keepHead(fx, "head.json");
  auto head = parse(readText(kept));
  BOOST_TEST(head->getValue<std::string>("node") == kNode);
  BOOST_TEST(head->getValue<long long>("size") == fx.auditCount());
  BOOST_TEST(head->getValue<std::string>("root").size() == 64u);
  BOOST_TEST(!head->getValue<std::string>("signature").empty());

  Cli ok = verify(fx, key, {"--since", kept});
  BOOST_TEST_INFO(ok.out);
  BOOST_TEST(ok.rc == 0);
  BOOST_TEST(ok.out.find("OK: " + std::to_string(fx.auditCount()) + " events") != std::string::npos);
  BOOST_TEST(ok.out.find("the kept head of") != std::string::npos);
  BOOST_TEST(ok.out.find("pruned") == std::string::npos);
  // --node names the log; a node without events has none to verify.
  BOOST_TEST(verify(fx, key, {"--node", kNode}).rc == 0);
  // The config form still works.
  BOOST_TEST(command({"audit", "verify", "--config", fx.configPath}).rc == 0);
  // Bad usage: no key without a config, an unknown option.
  BOOST_TEST(command({"audit", "verify", "--dsn", auditorDsn(fx)}).rc == 2);
  BOOST_TEST(command({"audit", "verify", "--dsn", auditorDsn(fx), "--key", key, "--bogus", "1"}).rc == 2);

  tamper(fx, "UPDATE regfed_audit.events SET purpose = 'Neugier' WHERE seq = 3");
  Cli changed = verify(fx, key);
  BOOST_TEST_INFO(changed.out);
  BOOST_TEST(changed.rc == 1);
  BOOST_TEST(changed.out.find("FAILED: first bad event 3") != std::string::npos);

  // A time no writer stores (PostgreSQL takes 'infinity' and years past 9999) is a change like any other: named,
  // not a reason for the verifier to stop.
  for (const char* time : {"infinity", "-infinity", "12000-01-01 00:00:00+00"}) {
    // (Event 3 stays changed: an earlier bad event is named first.)
    tamper(fx, "UPDATE regfed_audit.events SET time = '" + std::string(time) + "' WHERE seq = 2");
    Cli odd = verify(fx, key);
    BOOST_TEST_INFO(time << ": " << odd.out);
    BOOST_TEST(odd.rc == 1);
    BOOST_TEST(odd.out.find("FAILED: first bad event 2") != std::string::npos);
  }
}

BOOST_AUTO_TEST_CASE(a_truncated_log_passes_alone_but_not_against_a_kept_head) {
  NodeFixture fx(options());
  makeEvents(fx);
  waitSigned(fx);
  const std::string key = publicKeyFile(fx);
  const std::string kept = keepHead(fx, "head.json");
  const long long size = fx.auditCount();
  fx.node->stop();  // nothing is appended while the log is cut
  // A superuser removes the newest events together with every head that covered them.
  tamper(fx, "DELETE FROM regfed_audit.events WHERE seq > " + std::to_string(size - 3) +
                 "; DELETE FROM regfed_audit.tree_heads WHERE size > " + std::to_string(size - 3));
  if (fx.db.scalar("SELECT count(*) FROM regfed_audit.tree_heads") != "0") {
    Cli alone = verify(fx, key);
    BOOST_TEST_INFO(alone.out);
    BOOST_TEST(alone.rc == 0);  // consistent in itself: only a head kept outside shows what is missing
  }
  Cli since = verify(fx, key, {"--since", kept});
  BOOST_TEST_INFO(since.out);
  BOOST_TEST(since.rc == 1);
  BOOST_TEST(since.out.find("FAILED: first bad event " + std::to_string(size - 2)) != std::string::npos);
  BOOST_TEST(since.out.find("events were deleted") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(inserted_and_reordered_events_are_found) {
  NodeFixture fx(options());
  makeEvents(fx);
  waitSigned(fx);
  const std::string key = publicKeyFile(fx);
  fx.node->stop();
  // Reordered: events 2 and 3 swap places.
  tamper(fx,
         "UPDATE regfed_audit.events SET seq = 1000002 WHERE seq = 2; "
         "UPDATE regfed_audit.events SET seq = 2 WHERE seq = 3; "
         "UPDATE regfed_audit.events SET seq = 3 WHERE seq = 1000002");
  Cli reordered = verify(fx, key);
  BOOST_TEST_INFO(reordered.out);
  BOOST_TEST(reordered.rc == 1);
  BOOST_TEST(reordered.out.find("FAILED: first bad event 2") != std::string::npos);
  // Put back, then an event slipped in after event 1 (the later ones moved up by one).
  tamper(fx,
         "UPDATE regfed_audit.events SET seq = 1000002 WHERE seq = 2; "
         "UPDATE regfed_audit.events SET seq = 2 WHERE seq = 3; "
         "UPDATE regfed_audit.events SET seq = 3 WHERE seq = 1000002");
  BOOST_REQUIRE(verify(fx, key).rc == 0);
  tamper(fx,
         "UPDATE regfed_audit.events SET seq = seq + 1000000 WHERE seq >= 2; "
         "UPDATE regfed_audit.events SET seq = seq - 1000000 + 1 WHERE seq > 1000000; "
         "CREATE TEMP TABLE slipped AS SELECT * FROM regfed_audit.events WHERE seq = 1; "
         "UPDATE slipped SET seq = 2, purpose = 'eingeschoben'; "
         "INSERT INTO regfed_audit.events SELECT * FROM slipped");
  Cli inserted = verify(fx, key);
  BOOST_TEST_INFO(inserted.out);
  BOOST_TEST(inserted.rc == 1);
  BOOST_TEST(inserted.out.find("FAILED: first bad event 2") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_forged_kept_head_or_one_of_another_node_is_refused) {
  NodeFixture fx(options());
  makeEvents(fx, 1);
  waitSigned(fx);
  const std::string key = publicKeyFile(fx);
  auto head = parse(readText(keepHead(fx, "head.json")));

  auto forged = parse(stringify(head));
  forged->set("signature", flipped(head->getValue<std::string>("signature")));
  Cli badSignature = verify(fx, key, {"--since", fx.dir.write("forged.json", stringify(forged))});
  BOOST_TEST_INFO(badSignature.out);
  BOOST_TEST(badSignature.rc == 1);
  BOOST_TEST(badSignature.out.find("FAILED: forged head") != std::string::npos);

  // Signed with another key that names itself honestly: not one of the keys given.
  auto other = audit::TreeHeadSigner::fromPrivateKeyFile(writeKeyPair(fx.dir.path(), "other-log").first);
  audit::TreeHead h;
  h.node = kNode;
  h.size = head->getValue<long long>("size");
  BOOST_REQUIRE(audit::fromHex(head->getValue<std::string>("root"), h.root));
  h.time = head->getValue<std::string>("time");
  other.sign(h);
  auto foreignKey = parse(stringify(head));
  foreignKey->set("key_id", h.keyId);
  foreignKey->set("signature", audit::bytesToHex(h.signature));
  Cli wrongKey = verify(fx, key, {"--since", fx.dir.write("other-key.json", stringify(foreignKey))});
  BOOST_TEST(wrongKey.rc == 1);
  BOOST_TEST(wrongKey.out.find("FAILED: forged head") != std::string::npos);

  auto otherNode = parse(stringify(head));
  otherNode->set("node", "other-node");
  Cli wrongNode = verify(fx, key, {"--since", fx.dir.write("other-node.json", stringify(otherNode))});
  BOOST_TEST_INFO(wrongNode.out);
  BOOST_TEST(wrongNode.rc == 1);
  BOOST_TEST(wrongNode.out.find("of node other-node, not of node test-node") != std::string::npos);

  // A validly signed head with another root at a stored size (the node's key, a forked log): caught.
  auto signer = audit::TreeHeadSigner::fromPrivateKeyFile(fx.config.audit.signingKey);
  h.root[0] ^= 1;
  signer.sign(h);
  auto fork = parse(stringify(head));
  fork->set("root", audit::toHex(h.root));
  fork->set("signature", audit::bytesToHex(h.signature));
  Cli forked = verify(fx, key, {"--since", fx.dir.write("fork.json", stringify(fork))});
  BOOST_TEST_INFO(forked.out);
  BOOST_TEST(forked.rc == 1);
  BOOST_TEST(forked.out.find("FAILED") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(the_auditor_role_reads_but_cannot_change_anything) {
  NodeFixture fx(options());
  makeEvents(fx, 1);
  waitSigned(fx);
  const std::string auditor = auditorDsn(fx);
  BOOST_TEST(!refused(auditor, "SELECT count(*) FROM regfed_audit.events"));
  BOOST_TEST(!refused(auditor, "SELECT count(*) FROM regfed.mandates"));
  BOOST_TEST(
      refused(auditor, "INSERT INTO regfed_audit.events SELECT * FROM regfed_audit.events WHERE seq = 1"));
  BOOST_TEST(refused(auditor, "UPDATE regfed_audit.events SET actor = '' WHERE seq = 1"));
  BOOST_TEST(refused(auditor,
                     "INSERT INTO regfed_audit.prunings (node, category, cutoff, events) "
                     "VALUES ('test-node', 'x', now(), 1)"));
  BOOST_TEST(refused(auditor, "DELETE FROM regfed.alerts"));
  BOOST_TEST(refused(auditor, "UPDATE regfed.mandates SET purpose = 'x'"));

  // With the logs of two nodes in one database, verify asks which one.
  const std::string key = publicKeyFile(fx);
  fx.db.exec(
      "CREATE TEMP TABLE other AS SELECT * FROM regfed_audit.events WHERE seq = 1; "
      "UPDATE other SET node = 'other-node'; INSERT INTO regfed_audit.events SELECT * FROM other");
  Cli which = verify(fx, key);
  BOOST_TEST_INFO(which.out);
  BOOST_TEST(which.rc == 2);
  BOOST_TEST(which.out.find("several nodes (other-node, test-node)") != std::string::npos);
  BOOST_TEST(verify(fx, key, {"--node", kNode}).rc == 0);
}

BOOST_AUTO_TEST_CASE(proofs_from_the_api_check_out_and_any_change_fails) {
  NodeFixture fx(options());
  makeEvents(fx);
  waitSigned(fx);
  const std::string key = publicKeyFile(fx);
  const std::string kept = keepHead(fx, "head.json");
  const long long keptSize = parse(readText(kept))->getValue<long long>("size");
  const std::string dpo = fx.token("dpo.mer", kMerseburg, {"dpo"});
  auto fetch = [&](const std::string& path) {
    auto r = fx.get(dpo, path);
    BOOST_REQUIRE_MESSAGE(r.status == 200, r.body);
    return r.json();
  };
  auto check = [&](const Object::Ptr& proof, std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"audit", "proof", "check", fx.dir.write("proof.json", stringify(proof)),
                                     "--key", key};
    args.insert(args.end(), extra.begin(), extra.end());
    return command(args);
  };

  // Inclusion of a Merseburg clerk's search in the signed tree the DPO kept.
  const std::string seq = fx.db.scalar(
      "SELECT min(seq) FROM regfed_audit.events WHERE actor_ags = '15088220' AND action = 'search'");
  auto inclusion = fetch("/v1/audit/proof/inclusion?seq=" + seq + "&size=" + std::to_string(keptSize));
  BOOST_REQUIRE(!inclusion->isNull("tree_head"));
  BOOST_REQUIRE(!inclusion->isNull("leaf"));
  Cli ok = check(inclusion, {"--since", kept});
  BOOST_TEST_INFO(ok.out);
  BOOST_TEST(ok.rc == 0);
  BOOST_TEST(ok.out.find("OK: event " + seq + " is in the log of node test-node") != std::string::npos);
  BOOST_TEST(ok.out.find("signed head of") != std::string::npos);

  auto path = parse(stringify(inclusion));
  auto hashes = path->getArray("audit_path");
  BOOST_REQUIRE(hashes->size() > 0u);
  hashes->set(0, flipped(hashes->getElement<std::string>(0)));
  Cli badPath = check(path);
  BOOST_TEST_INFO(badPath.out);
  BOOST_TEST(badPath.rc == 1);
  BOOST_TEST(badPath.out.find("FAILED: the audit path does not lead") != std::string::npos);

  auto leaf = parse(stringify(inclusion));
  std::string text = leaf->getValue<std::string>("leaf");
  text.replace(text.find("\"decision\":\"allow\""), std::string("\"decision\":\"allow\"").size(),
               "\"decision\":\"deny\"");
  leaf->set("leaf", text);
  Cli badLeaf = check(leaf);
  BOOST_TEST(badLeaf.rc == 1);
  BOOST_TEST(badLeaf.out.find("FAILED: the leaf does not hash to leaf_hash") != std::string::npos);

  auto root = parse(stringify(inclusion));
  root->set("root", flipped(root->getValue<std::string>("root")));
  Cli badRoot = check(root);
  BOOST_TEST(badRoot.rc == 1);
  BOOST_TEST(badRoot.out.find("FAILED") != std::string::npos);

  // The head that comes with the proof must carry the node's signature.
  auto head = parse(stringify(inclusion));
  head->getObject("tree_head")
      ->set("signature", flipped(head->getObject("tree_head")->getValue<std::string>("signature")));
  Cli badHead = check(head);
  BOOST_TEST(badHead.rc == 1);
  BOOST_TEST(badHead.out.find("FAILED: tree_head is forged") != std::string::npos);

  // Consistency from an early size to the kept head, and from the kept head to now.
  makeEvents(fx, 1);
  waitSigned(fx);
  auto consistency = fetch("/v1/audit/proof/consistency?from=2&to=" + std::to_string(keptSize));
  Cli consistent = check(consistency);
  BOOST_TEST_INFO(consistent.out);
  BOOST_TEST(consistent.rc == 0);
  BOOST_TEST(consistent.out.find("extends the log at 2 events") != std::string::npos);
  auto bad = parse(stringify(consistency));
  bad->set("from_root", flipped(bad->getValue<std::string>("from_root")));
  BOOST_TEST(check(bad).rc == 1);
  auto onward = fetch("/v1/audit/proof/consistency?from=" + std::to_string(keptSize));
  Cli sinceKept = check(onward, {"--since", kept});
  BOOST_TEST_INFO(sinceKept.out);
  BOOST_TEST(sinceKept.rc == 0);
  BOOST_TEST(sinceKept.out.find("it starts at the kept head") != std::string::npos);
  // Replayed: a proof that does not start at the kept head.
  Cli replay = check(consistency, {"--since", kept});
  BOOST_TEST(replay.rc == 1);
  BOOST_TEST(replay.out.find("FAILED: the proof starts at 2 events") != std::string::npos);
  // Forked: the kept head, validly signed, has another root at that size.
  auto forkedHead = parse(readText(kept));
  audit::TreeHead h;
  h.node = kNode;
  h.size = keptSize;
  BOOST_REQUIRE(audit::fromHex(flipped(forkedHead->getValue<std::string>("root")), h.root));
  h.time = forkedHead->getValue<std::string>("time");
  audit::TreeHeadSigner::fromPrivateKeyFile(fx.config.audit.signingKey).sign(h);
  forkedHead->set("root", audit::toHex(h.root));
  forkedHead->set("signature", audit::bytesToHex(h.signature));
  Cli fork = check(onward, {"--since", fx.dir.write("fork.json", stringify(forkedHead))});
  BOOST_TEST(fork.rc == 1);
  BOOST_TEST(fork.out.find("FAILED: fork") != std::string::npos);
  BOOST_TEST(command({"audit", "proof", "check", fx.dir.write("junk.json", "[1]"), "--key", key}).rc == 1);
  BOOST_TEST(command({"audit", "proof", "check"}).rc == 2);
}

// RFC 6962 known answers: the eight inputs of certificate-transparency's merkle tree tests (leaf i is the hex
// bytes below), with the roots, an audit path and consistency proofs published with them.
BOOST_AUTO_TEST_CASE(rfc6962_known_answers_check_out_through_the_command) {
  TempDir dir;
  const std::vector<std::string> inputs = {
      "", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"};
  std::vector<audit::Hash> leaves;
  for (const auto& hex : inputs) {
    std::string bytes;
    BOOST_REQUIRE(audit::hexToBytes(hex, bytes));
    leaves.push_back(audit::leafHash(bytes));
  }
  const std::vector<std::string> roots = {"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
                                          "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
                                          "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
                                          "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
                                          "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
                                          "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
                                          "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
                                          "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"};
  for (std::size_t n = 1; n <= 8; ++n) BOOST_TEST(audit::toHex(audit::rootOf(leaves, n)) == roots[n - 1]);
  const std::string key = writeKeyPair(dir.path(), "kat").second;
  auto checkKat = [&](const std::string& json) {
    return command({"audit", "proof", "check", dir.write("kat.json", json), "--key", key});
  };
  // Leaf 0 ("") in the tree of 8, with the published audit path.
  const std::string inclusion =
      R"({"node":"kat","seq":1,"size":8,"leaf_index":0,"leaf_hash":")" + audit::toHex(leaves[0]) +
      R"(","leaf":null,"audit_path":["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",)"
      R"("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",)"
      R"("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"],"root":")" +
      roots[7] + R"(","tree_head":null})";
  Cli ok = checkKat(inclusion);
  BOOST_TEST_INFO(ok.out);
  BOOST_TEST(ok.rc == 0);
  BOOST_TEST(ok.out.find("no signed head vouches for the root") != std::string::npos);
  BOOST_TEST(checkKat(std::string(inclusion).replace(inclusion.find("96a2"), 4, "96a3")).rc == 1);
  // Consistency 6 -> 8 and 2 -> 5, as published.
  const std::string six =
      R"({"node":"kat","from":6,"to":8,"from_root":")" + roots[5] + R"(","to_root":")" + roots[7] +
      R"(","proof":["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",)"
      R"("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",)"
      R"("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"],"from_head":null,"to_head":null})";
  BOOST_TEST(checkKat(six).rc == 0);
  const std::string two =
      R"({"node":"kat","from":2,"to":5,"from_root":")" + roots[1] + R"(","to_root":")" + roots[4] +
      R"(","proof":["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",)"
      R"("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"],"from_head":null,"to_head":null})";
  BOOST_TEST(checkKat(two).rc == 0);
  // The same proof claimed for another old root: refused.
  BOOST_TEST(checkKat(std::string(two).replace(two.find(roots[1]), 64, roots[2])).rc == 1);
}

BOOST_AUTO_TEST_CASE(prune_clears_old_payload_keeps_the_log_verifiable_and_only_the_pruner_may) {
  NodeFixture fx(options(R"(, "retention": {"register_access": 12, "idnr_fields": ["steuer_id"]})"));
  makeEvents(fx);
  const std::string dpo = fx.token("dpo.mer", kMerseburg, {"dpo"});
  BOOST_REQUIRE(fx.get(dpo, "/v1/audit/events?limit=5").status == 200);  // an audit_read event
  waitSigned(fx);
  const std::string key = publicKeyFile(fx);
  const std::string pruner = fx.db.dsn("regfed_pruner");

  // The node's own role cannot prune, not even in the allowed shape.
  BOOST_TEST(
      refused(fx.db.dsn("regfed_node"),
              "UPDATE regfed_audit.events SET actor = '', purpose = NULL, case_ref = NULL, criteria = NULL, "
              "subjects = '{}', withheld = '{}', correlation_id = NULL, pruned_at = now() WHERE seq = 1"));
  // The pruner only in that shape: a kept actor, a changed hash, a deleted row are refused.
  BOOST_TEST(refused(
      pruner, "UPDATE regfed_audit.events SET actor = 'someone else', pruned_at = now() WHERE seq = 1"));
  BOOST_TEST(refused(pruner, "UPDATE regfed_audit.events SET leaf_hash = leaf_hash WHERE seq = 1"));
  BOOST_TEST(refused(pruner, "DELETE FROM regfed_audit.events WHERE seq = 1"));
  BOOST_TEST(fx.db.scalar("SELECT count(*) FROM regfed_audit.events WHERE pruned_at IS NOT NULL") == "0");

  // Nothing is old yet.
  Cli now = command({"audit", "prune", "--config", fx.configPath, "--dsn", pruner});
  BOOST_TEST_INFO(now.out);
  BOOST_TEST(now.rc == 0);
  BOOST_TEST(now.out.find("changed 0 in all") != std::string::npos);

  // Events from 2024, written by the node's own writer (its key, its log) while the node is stopped: old enough
  // for every event category but mandates (36 months). Today's events stay as they are.
  fx.node->stop();
  const long long fresh = fx.auditCount();
  {
    audit::AuditWriterOptions o;
    o.dsn = fx.config.audit.dsn;
    o.node = fx.config.nodeId;
    o.headLog = fx.config.audit.headLog;
    audit::AuditWriter w(o, audit::TreeHeadSigner::fromPrivateKeyFile(fx.config.audit.signingKey), nullptr);
    w.start();
    for (int i = 0; i < 6; ++i) {
      audit::AuditEvent e;
      e.time = "2024-02-0" + std::to_string(i + 1) + "T10:00:00.000000Z";
      e.requestId = "old-" + std::to_string(i);
      e.actor = "lena.wagner";
      e.actorAgs = kLeuna;
      e.roles = {i == 5 ? "dpo" : "helper"};
      e.action = i == 5 ? "audit_read" : "get";
      e.ownerAgs = std::string(kMerseburg);
      e.registerName = "melderegister";
      e.purpose = "Bearbeitung Online-Antrag";
      e.caseRef = "ANT-2024-" + std::to_string(i);
      e.subjects = {"MER-00000" + std::to_string(i + 1)};
      e.fields = i == 4 ? std::vector<std::string>{"familienname", "steuer_id"}
                        : std::vector<std::string>{"familienname"};
      e.resultCount = 1;
      e.decision = i == 3 ? "deny" : "allow";
      e.reason = i == 3 ? "mandate_not_in_force" : "mandate";
      std::vector<audit::AuditEvent> one = {e};
      BOOST_REQUIRE(w.record(one));
    }
  }
  const long long total = fx.auditCount();
  BOOST_TEST(total == fresh + 6);

  Cli dry = command({"audit", "prune", "--config", fx.configPath, "--dsn", pruner, "--dry-run"});
  BOOST_TEST_INFO(dry.out);
  BOOST_TEST(dry.rc == 0);
  BOOST_TEST(dry.out.find("dry run") != std::string::npos);
  BOOST_TEST(fx.db.scalar("SELECT count(*) FROM regfed_audit.events WHERE pruned_at IS NOT NULL") == "0");
  // A date in the future would prune what the law says to keep: refused.
  BOOST_TEST(command({"audit", "prune", "--config", fx.configPath, "--dsn", pruner, "--today", "2030-01-01"}).rc ==
             2);
  // So is a pruning run recorded by hand with a cut-off less than 12 months back, and pruning a young event.
  BOOST_TEST(refused(pruner, "INSERT INTO regfed_audit.prunings (node, category, cutoff, events, first_seq, "
                             "last_seq) VALUES ('" + std::string(kNode) + "', 'register_access', now(), 1, 1, 1)"));
  BOOST_TEST(refused(pruner, "INSERT INTO regfed_audit.prunings (node, category, cutoff, events, first_seq, "
                             "last_seq, pruned_at) VALUES ('" + std::string(kNode) + "', 'register_access', "
                             "'2020-01-01', 1, 1, 1, '2031-01-01')"));
  BOOST_TEST(refused(pruner,
                     "UPDATE regfed_audit.events SET actor = '', purpose = NULL, case_ref = NULL, criteria = NULL, "
                     "subjects = '{}', withheld = '{}', correlation_id = NULL, pruned_at = now() WHERE seq = 1"));

  // The categories as the library states them, to compare with what the SQL of the pruning run chose.
  std::map<std::string, long long> expected;
  {
    pqxx::connection c(fx.db.superuserDsn());
    pqxx::nontransaction tx(c);
    for (const auto& row : tx.exec("SELECT action, array_to_string(fields, ',') FROM regfed_audit.events WHERE "
                                   "request_id LIKE 'old-%'")) {
      std::vector<std::string> fields;
      std::stringstream list(row[1].as<std::string>());
      for (std::string f; std::getline(list, f, ',');) fields.push_back(f);
      ++expected[audit::retentionCategory(row[0].as<std::string>(), fields, {"steuer_id"})];
    }
  }
  BOOST_TEST(expected["idnr_transfers"] == 1);
  BOOST_TEST(expected["audit_review"] == 1);
  BOOST_TEST(expected["register_access"] == 4);
  // Closed alerts and reviews from long ago go; an open alert stays whatever its age.
  fx.db.exec(
      "INSERT INTO regfed.alerts (time, owner_ags, kind, detail, status, closed_at) VALUES "
      "('2020-01-01', '15088220', 'test', 'alt, erledigt', 'closed', '2020-01-02'), "
      "('2020-01-01', '15088220', 'test', 'alt, offen', 'open', NULL); "
      "INSERT INTO regfed.reviews (created_at, request_id, owner_ags, register, record_id, actor, actor_ags, "
      "status, closed_at) VALUES ('2020-01-01', 'r-1', '15088220', 'melderegister', 'MER-000007', "
      "'anna.schulz', '15088220', 'closed', '2020-01-02')");
  // Not even the pruning role deletes an open alert.
  BOOST_TEST(refused(pruner, "DELETE FROM regfed.alerts WHERE status = 'open'"));
  Cli pruned = command({"audit", "prune", "--config", fx.configPath, "--dsn", pruner});
  BOOST_TEST_INFO(pruned.out);
  BOOST_TEST(pruned.rc == 0);
  BOOST_TEST(pruned.out.find("register_access") != std::string::npos);
  BOOST_TEST(pruned.out.find("changed 8 in all") != std::string::npos);
  for (const auto& [category, n] : expected)
    BOOST_TEST(fx.db.scalar("SELECT coalesce(sum(events), 0) FROM regfed_audit.prunings WHERE category = '" +
                            category + "'") == std::to_string(n),
               category);
  BOOST_TEST(fx.db.scalar("SELECT string_agg(detail, ',') FROM regfed.alerts WHERE detail LIKE 'alt%'") ==
             "alt, offen");
  BOOST_TEST(fx.db.scalar("SELECT count(*) FROM regfed.reviews WHERE request_id = 'r-1'") == "0");
  BOOST_TEST(fx.db.scalar("SELECT count(*) FROM regfed_audit.events WHERE pruned_at IS NOT NULL") == "6");
  BOOST_TEST(fx.db.scalar("SELECT count(*) FROM regfed_audit.events WHERE request_id LIKE 'old-%' AND (actor <> '' "
                          "OR purpose IS NOT NULL OR case_ref IS NOT NULL OR subjects <> '{}')") == "0");
  // The figures stay, and so does today's log.
  BOOST_TEST(fx.db.scalar("SELECT count(*) FROM regfed_audit.events WHERE request_id LIKE 'old-%' AND "
                          "decision = 'deny'") == "1");
  BOOST_TEST(fx.db.scalar("SELECT count(*) FROM regfed_audit.events WHERE pruned_at IS NULL") ==
             std::to_string(fresh));
  const std::string rows = fx.db.scalar("SELECT count(*) FROM regfed_audit.prunings");
  BOOST_TEST(fx.db.scalar("SELECT count(*) FROM regfed_audit.prunings WHERE pruned_by <> 'regfed_pruner'") ==
             "0");

  Cli verified = verify(fx, key);
  BOOST_TEST_INFO(verified.out);
  BOOST_TEST(verified.rc == 0);
  BOOST_TEST(verified.out.find("6 events were pruned by retention") != std::string::npos);

  Cli again = command({"audit", "prune", "--config", fx.configPath, "--dsn", pruner});
  BOOST_TEST(again.rc == 0);
  BOOST_TEST(again.out.find("changed 0 in all") != std::string::npos);
  BOOST_TEST(fx.db.scalar("SELECT count(*) FROM regfed_audit.prunings") == rows);

  // A superuser who rewrites a pruned event's kept columns (its decision), or marks a fresh event as pruned
  // with a made-up pruning run, is caught: the digest of the personal part binds the rest to the leaf.
  const std::string oldSeq = fx.db.scalar("SELECT seq FROM regfed_audit.events WHERE request_id = 'old-3'");
  fx.db.exec("SET session_replication_role = replica; UPDATE regfed_audit.events SET decision = 'allow' WHERE seq = " +
             oldSeq);
  Cli rewritten = verify(fx, key);
  BOOST_TEST(rewritten.rc == 1);
  BOOST_TEST(rewritten.out.find("first bad event " + oldSeq) != std::string::npos, rewritten.out);
  fx.db.exec("SET session_replication_role = replica; UPDATE regfed_audit.events SET decision = 'deny' WHERE seq = " +
             oldSeq);
  fx.db.exec("SET session_replication_role = replica; UPDATE regfed_audit.events SET actor = '', subjects = '{}', "
             "purpose = NULL, case_ref = NULL, criteria = NULL, pruned_at = now() WHERE seq = 2; "
             "INSERT INTO regfed_audit.prunings (node, category, cutoff, events, first_seq, last_seq, pruned_at) "
             "VALUES ('" + std::string(kNode) + "', 'register_access', now() + interval '1 second', 1, 2, 2, "
             "now() + interval '2 seconds')");
  Cli hidden = verify(fx, key);
  BOOST_TEST(hidden.rc == 1);
  BOOST_TEST(hidden.out.find("first bad event 2") != std::string::npos, hidden.out);

  // A pruned event stays pruned: the trigger refuses a second pruning or a restored payload.
  BOOST_TEST(
      refused(pruner, "UPDATE regfed_audit.events SET actor = 'back', pruned_at = now() WHERE seq = 1"));
  BOOST_TEST(
      command({"audit", "prune", "--config", fx.configPath, "--dsn", pruner, "--today", "2030-02-30"}).rc !=
      0);
  BOOST_TEST(command({"audit", "prune", "--config", fx.configPath}).rc == 2);
}

BOOST_AUTO_TEST_CASE(retention_below_the_legal_minimum_is_a_config_error) {
  NodeFixture fx(options());
  std::string json = readText(fx.configPath);
  const auto end = json.rfind('}');
  auto check = [&](const std::string& retention) {
    std::string text = json;
    text.insert(end, ", \"retention\": " + retention + "\n");
    return command({"config", "check", fx.dir.write("retention.json", text)});
  };
  Cli tooShort = check(R"({"register_access": 6, "idnr_transfers": 12})");
  BOOST_TEST_INFO(tooShort.out);
  BOOST_TEST(tooShort.rc == 1);
  BOOST_TEST(tooShort.out.find("retention.register_access: must be at least 12 months") != std::string::npos);
  BOOST_TEST(tooShort.out.find("§40 BMG") != std::string::npos);
  BOOST_TEST(tooShort.out.find("retention.idnr_transfers: must be at least 24 months") != std::string::npos);
  Cli tooLong = check(R"({"mandates": 121, "typo": 1})");
  BOOST_TEST(tooLong.rc == 1);
  BOOST_TEST(tooLong.out.find("retention.mandates: must be between 1 and 120") != std::string::npos);
  BOOST_TEST(tooLong.out.find("retention.typo: unknown key") != std::string::npos);
  BOOST_TEST(check(R"({"register_access": 13, "alerts": 6, "idnr_fields": ["steuer_id"]})").rc == 0);
}

BOOST_AUTO_TEST_CASE(the_yearly_report_and_the_processing_record) {
  NodeFixture fx(options());
  makeEvents(fx);
  const std::string mandate = fx.approvedMandate(
      fx.token("mer.admin", kMerseburg, {"admin"}), fx.token("leu.admin", kLeuna, {"admin"}),
      mandateBody(R"(["lena.wagner"])", R"(["familienname","vornamen","ort"])", 0, 1));
  const std::string year = std::to_string(regfed::core::yearOf(regfed::core::berlinToday()));
  const std::string csvFile = fx.dir.path() + "/bericht.csv";
  Cli csv = command(
      {"report", "--config", fx.configPath, "--dsn", auditorDsn(fx), "--year", year, "--out", csvFile});
  BOOST_TEST_INFO(csv.out);
  BOOST_REQUIRE(csv.rc == 0);
  const std::string text = readText(csvFile);
  BOOST_TEST(text.rfind("\xEF\xBB\xBFGemeinde;AGS;Jahr;", 0) == 0);
  BOOST_TEST(text.find("\r\n") != std::string::npos);
  BOOST_TEST(text.find("Ablehnungen: no_mandate") != std::string::npos);
  std::vector<std::string> lines;
  std::stringstream in(text);
  for (std::string line; std::getline(in, line);) {
    BOOST_TEST((line.empty() || line.back() == '\r'));
    lines.push_back(line);
  }
  BOOST_REQUIRE_EQUAL(lines.size(), 3u);  // header, Merseburg, Leuna
  BOOST_TEST(lines[1].rfind("Stadt Merseburg;15088220;" + year + ";", 0) == 0);
  BOOST_TEST(lines[2].rfind("Stadt Leuna;15088205;" + year + ";", 0) == 0);
  // Leuna's helper committed 2 days (one helper, today and tomorrow) of the 10 of ZV-2026-01, if both fall in
  // the year; the denied request counts at Merseburg, the owner.
  const std::string days =
      regfed::core::yearOf(regfed::core::berlinToday() + 1) == std::stoi(year) ? "2" : "1";
  BOOST_TEST(lines[2].find(";" + days + ";10;0;4;") != std::string::npos);

  const std::string htmlFile = fx.dir.path() + "/bericht.html";
  Cli html = command({"report", "--config", fx.configPath, "--dsn", auditorDsn(fx), "--year", year,
                      "--format", "html", "--out", htmlFile});
  BOOST_REQUIRE(html.rc == 0);
  const std::string page = readText(htmlFile);
  BOOST_TEST(page.find("<html lang=\"de\">") != std::string::npos);
  BOOST_TEST(page.find("Stadt Merseburg (AGS 15088220)") != std::string::npos);
  BOOST_TEST(page.find("<caption>") != std::string::npos);
  BOOST_TEST(page.find("scope=\"row\"") != std::string::npos);
  BOOST_TEST(page.find("<code>no_mandate</code>") != std::string::npos);
  BOOST_TEST(page.find("http://") == std::string::npos);
  BOOST_TEST(page.find("https://") == std::string::npos);
  BOOST_TEST(page.find("<script") == std::string::npos);

  Cli record = command({"report", "--processing-record", "--config", fx.configPath});
  BOOST_TEST(record.rc == 0);
  BOOST_TEST(record.out.find("Art. 30") != std::string::npos);
  BOOST_TEST(record.out.find("Melderegister – Stadt Merseburg") != std::string::npos);
  BOOST_TEST(record.out.find("Melderegister – Stadt Leuna") != std::string::npos);
  BOOST_TEST(record.out.find("Gewerberegister – Stadt Merseburg") != std::string::npos);
  BOOST_TEST(record.out.find("<code>steuernummer</code></th><td>Text</td><td>streng vertraulich") !=
             std::string::npos);
  BOOST_TEST(record.out.find("<code>betriebsname</code></th><td>Text</td><td>intern") != std::string::npos);
  BOOST_TEST(record.out.find("Einwohnerinnen und Einwohner") != std::string::npos);
  BOOST_TEST(record.out.find("Gewerbetreibende") != std::string::npos);
  BOOST_TEST(record.out.find("Stadt Leuna (AGS 15088205)") != std::string::npos);
  BOOST_TEST(record.out.find("Protokolle der Registerabrufe: 12 Monate") != std::string::npos);
  BOOST_TEST(record.out.find("regfed_auditor") != std::string::npos);
  BOOST_TEST(record.out.find("Protokollierung der Zugriffe (Audit-Log)") != std::string::npos);
  BOOST_TEST(
      record.out.find("Übermittlung an Drittländer oder internationale Organisationen</th><td>keine") !=
      std::string::npos);

  BOOST_TEST(command({"report", "--config", fx.configPath, "--dsn", auditorDsn(fx), "--year", "20x6"}).rc ==
             2);
  BOOST_TEST(command({"report", "--config", fx.configPath, "--dsn", auditorDsn(fx), "--year", year,
                      "--format", "pdf"})
                 .rc == 2);
}
