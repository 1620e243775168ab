// The audit log against a real PostgreSQL: group commit, signed tree heads, restart, and tampering by a
// database superuser found by the verifier and by `regfed audit verify`.
#define BOOST_TEST_MODULE audit_store_tests
#include <regfed/audit/AuditWriter.h>
#include <regfed/audit/LogVerifier.h>
#include <regfed/audit/Migrations.h>
#include <regfed/audit/TreeHeadLog.h>

#include <boost/test/unit_test.hpp>
#include <functional>
#include <pqxx/pqxx>
#include <thread>

#include "TestSupport.h"

using namespace regfed::audit;
using regfed::test::TempDir;
using regfed::test::TestDatabase;

namespace {

struct LogFixture {
  LogFixture() {
    AuditStore::migrate(db.dsn("regfed_owner"), "regfed_node");
    TreeHeadSigner::generatePrivateKeyFile(keyPath());
  }
  std::string keyPath() const { return dir.path() + "/audit.pem"; }
  TreeHeadSigner signer() const { return TreeHeadSigner::fromPrivateKeyFile(keyPath()); }

  std::string headFile() const { return dir.path() + "/audit.pem.heads"; }

  std::unique_ptr<AuditWriter> writer(std::int64_t signEvery = 10, bool keepHeads = false) {
    AuditWriterOptions o;
    o.dsn = db.dsn("regfed_node");
    o.node = "n1";
    o.signEveryEvents = signEvery;
    o.signInterval = std::chrono::milliseconds(60000);
    if (keepHeads) o.headLog = headFile();
    auto w = std::make_unique<AuditWriter>(o, signer(), nullptr);
    w->start();
    return w;
  }

  static AuditEvent event(int i) {
    AuditEvent e;
    e.time = utcNow();
    e.requestId = "req-" + std::to_string(i);
    e.actor = "anna";
    e.actorAgs = "15088220";
    e.roles = {"clerk"};
    e.action = "get";
    e.ownerAgs = "15088220";
    e.registerName = "melderegister";
    e.purpose = "Prüfung \"Antrag\"\n";
    e.caseRef = "ANT-" + std::to_string(i);
    e.criteria = R"({"id":"MER-)" + std::to_string(i) + R"("})";
    e.subjects = {"MER-" + std::to_string(i)};
    e.fields = {"id", "familienname"};
    e.resultCount = 1;
    e.decision = "allow";
    e.reason = "own_municipality";
    return e;
  }

  void write(AuditWriter& w, int from, int count) {
    for (int i = from; i < from + count; ++i) {
      std::vector<AuditEvent> one = {event(i)};
      BOOST_REQUIRE(w.record(one));
    }
  }

  VerifyResult verify(bool withHeadFile = false) {
    AuditStore store(db.dsn("regfed_node"));
    std::vector<TreeHead> fileHeads;
    if (withHeadFile) fileHeads = TreeHeadLog(headFile()).read("n1");
    return verifyLog(store, "n1", signer(), {}, fileHeads);
  }

  // A superuser bypasses the append-only triggers the way an attacker with full database access could.
  void tamper(const std::string& sql) { db.exec("SET session_replication_role = replica; " + sql); }

  TestDatabase db;
  TempDir dir;
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(audit_store, LogFixture)

BOOST_AUTO_TEST_CASE(writes_contiguous_events_signs_heads_and_verifies) {
  auto w = writer(10);
  write(*w, 1, 25);
  w->stop();  // signs a final head over the tail
  VerifyResult r = verify();
  BOOST_TEST(r.ok, r.problem);
  BOOST_TEST(r.size == 25);
  BOOST_TEST(r.headsChecked == 3);  // at 10, 20 and the final 25
  BOOST_TEST(r.unsignedEvents == 0);
  BOOST_TEST(db.scalar("SELECT string_agg(size::text, ',' ORDER BY size) FROM regfed_audit.tree_heads") ==
             "10,20,25");
  BOOST_TEST(db.scalar("SELECT purpose FROM regfed_audit.events WHERE seq = 3") == "Prüfung \"Antrag\"\n");
}

BOOST_AUTO_TEST_CASE(a_nul_character_is_recorded_as_a_replacement_character_and_disturbs_nobody) {
  auto w = writer(1000);
  std::vector<AuditEvent> bad = {event(1)};
  bad[0].purpose = std::string("a\0b", 3);
  bad[0].subjects = {std::string("MER\xFF", 4)};
  BOOST_TEST(hasUnstorableText(bad[0]));
  BOOST_TEST(w->record(bad));
  BOOST_TEST(w->available(), "the store stays available for everyone else");
  write(*w, 2, 3);
  w->stop();
  BOOST_TEST(db.scalar("SELECT count(*) FROM regfed_audit.events") == "4");
  BOOST_TEST(db.scalar("SELECT purpose FROM regfed_audit.events WHERE seq = 1") ==
             "a\xEF\xBF\xBD"
             "b");
  BOOST_TEST(verify().ok);
}

BOOST_AUTO_TEST_CASE(concurrent_writers_are_group_committed_without_gaps) {
  auto w = writer(1000);
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        std::vector<AuditEvent> two = {event(t * 1000 + i), event(t * 1000 + i + 500)};
        if (!w->record(two) || two[1].seq != two[0].seq + 1) ++failures;
      }
    });
  for (auto& th : threads) th.join();
  BOOST_TEST(failures.load() == 0, "the events of one request get adjacent sequence numbers");
  w->stop();
  BOOST_TEST(db.scalar("SELECT count(*) = max(seq) FROM regfed_audit.events") == "t");
  BOOST_TEST(verify().ok);
}

BOOST_AUTO_TEST_CASE(a_restarted_writer_continues_the_same_tree) {
  {
    auto w = writer(4);
    write(*w, 1, 6);
  }
  {
    auto w = writer(4);
    BOOST_TEST(w->size() == 6);
    write(*w, 7, 6);
  }
  VerifyResult r = verify();
  BOOST_TEST(r.ok, r.problem);
  BOOST_TEST(r.size == 12);
}

BOOST_AUTO_TEST_CASE(a_changed_row_is_found_at_its_sequence_number) {
  auto w = writer(5);
  write(*w, 1, 12);
  w->stop();
  tamper("UPDATE regfed_audit.events SET subjects = '{MER-999}' WHERE seq = 7");
  VerifyResult r = verify();
  BOOST_TEST(!r.ok);
  BOOST_TEST(r.firstBadSeq.value() == 7);
  BOOST_TEST(r.problem.find("event 7 was changed") != std::string::npos, r.problem);
}

BOOST_AUTO_TEST_CASE(a_row_rewritten_with_a_recomputed_hash_breaks_the_signed_head) {
  auto w = writer(5);
  write(*w, 1, 12);
  w->stop();
  // Rewrite event 8 and store a hash that matches the rewritten row: only the signed tree head can tell.
  AuditStore store(db.dsn("regfed_node"));
  StoredEvent e = store.events("n1", 7, 1).at(0);
  e.event.actor = "someone-else";
  tamper("UPDATE regfed_audit.events SET actor = 'someone-else', leaf_hash = decode('" +
         toHex(leafHash(canonicalForm(e.event))) + "', 'hex'), personal_hash = decode('" +
         bytesToHex(personalDigest(e.event)) + "', 'hex') WHERE seq = 8");
  VerifyResult r = verify();
  BOOST_TEST(!r.ok);
  BOOST_TEST(r.firstBadSeq.value() == 6, "the first event after the last good head");
  BOOST_TEST(
      r.problem.find("events 6 to 10 do not match the signed tree head at size 10") != std::string::npos,
      r.problem);
}

BOOST_AUTO_TEST_CASE(a_deleted_event_is_found_as_a_gap) {
  auto w = writer(5);
  write(*w, 1, 10);
  w->stop();
  tamper("DELETE FROM regfed_audit.events WHERE seq = 4");
  VerifyResult gap = verify();
  BOOST_TEST(!gap.ok);
  BOOST_TEST(gap.firstBadSeq.value() == 4);
  BOOST_TEST(gap.problem.find("event 4 is missing") != std::string::npos, gap.problem);
}

BOOST_AUTO_TEST_CASE(truncated_tail_and_forged_signature_are_found) {
  auto w = writer(5);
  write(*w, 1, 10);
  w->stop();
  tamper("DELETE FROM regfed_audit.events WHERE seq > 8");
  VerifyResult cut = verify();
  BOOST_TEST(!cut.ok);
  BOOST_TEST(cut.firstBadSeq.value() == 9);
  BOOST_TEST(cut.problem.find("events were deleted") != std::string::npos, cut.problem);

  tamper("DELETE FROM regfed_audit.tree_heads WHERE size = 10");
  BOOST_TEST(verify().ok,
             "without the head, the shorter log is consistent: that is why heads are kept elsewhere too");
  tamper("UPDATE regfed_audit.tree_heads SET signature = decode(repeat('00', 70), 'hex') WHERE size = 5");
  VerifyResult forged = verify();
  BOOST_TEST(!forged.ok);
  BOOST_TEST(forged.firstBadSeq.value() == 1);
  BOOST_TEST(forged.problem.find("no valid signature") != std::string::npos, forged.problem);
}

BOOST_AUTO_TEST_CASE(the_head_file_catches_deleted_events_whose_heads_were_deleted_too) {
  {
    auto w = writer(5, true);
    write(*w, 1, 12);
  }  // heads at 5, 10 and the final 12, in the database and in the file
  BOOST_TEST(TreeHeadLog(headFile()).read("n1").size() == 3u);
  BOOST_TEST(verify(true).ok);
  tamper("DELETE FROM regfed_audit.events WHERE seq > 7; DELETE FROM regfed_audit.tree_heads WHERE size > 7");
  BOOST_TEST(verify(false).ok, "the database alone cannot tell");
  VerifyResult r = verify(true);
  BOOST_TEST(!r.ok);
  BOOST_TEST(r.firstBadSeq.value() == 8);
  BOOST_TEST(r.problem.find("events were deleted") != std::string::npos, r.problem);
  // And the node refuses to continue such a log.
  AuditWriterOptions o;
  o.dsn = db.dsn("regfed_node");
  o.node = "n1";
  o.headLog = headFile();
  AuditWriter restarted(o, signer(), nullptr);
  BOOST_CHECK_THROW(restarted.start(), IntegrityError);
}

BOOST_AUTO_TEST_CASE(an_emptied_log_does_not_restart_while_the_head_file_remembers_it) {
  {
    auto w = writer(5, true);
    write(*w, 1, 6);
  }
  tamper("TRUNCATE regfed_audit.events, regfed_audit.tree_heads");
  BOOST_TEST(db.scalar("SELECT count(*) FROM regfed_audit.events") == "0");
  AuditWriterOptions o;
  o.dsn = db.dsn("regfed_node");
  o.node = "n1";
  o.headLog = headFile();
  AuditWriter restarted(o, signer(), nullptr);
  BOOST_CHECK_THROW(restarted.start(), IntegrityError);
  VerifyResult r = verify(true);
  BOOST_TEST(!r.ok);
  BOOST_TEST(r.firstBadSeq.value() == 1);
}

BOOST_AUTO_TEST_CASE(a_head_file_that_disagrees_with_the_database_or_is_malformed_is_refused) {
  {
    auto w = writer(5, true);
    write(*w, 1, 5);
  }
  TreeHead forged = TreeHeadLog(headFile()).read("n1").at(0);
  forged.root = leafHash("another history");
  TreeHeadLog(headFile()).append(forged);
  BOOST_CHECK_THROW(TreeHeadLog(headFile()).read("n1"), IntegrityError);  // the file contradicts itself
  dir.write("audit.pem.heads", "");
  TreeHeadLog(headFile()).append(forged);
  VerifyResult r = verify(true);  // the file contradicts the database
  BOOST_TEST(!r.ok);
  BOOST_TEST(r.problem.find("two different signed tree heads for size 5") != std::string::npos, r.problem);
  dir.write("audit.pem.heads", "v1 n1 five nonsense\n");
  BOOST_CHECK_THROW(TreeHeadLog(headFile()).read("n1"), std::runtime_error);
}

BOOST_AUTO_TEST_CASE(a_writer_refuses_to_start_on_a_tampered_log_or_with_too_many_rights) {
  {
    auto w = writer(5);
    write(*w, 1, 10);
  }
  AuditWriterOptions o;
  o.dsn = db.dsn("regfed_owner");
  o.node = "n1";
  AuditWriter owner(o, signer(), nullptr);
  BOOST_CHECK_THROW(owner.start(), IntegrityError);

  AuditStore store(db.dsn("regfed_node"));
  StoredEvent e = store.events("n1", 2, 1).at(0);
  e.event.decision = "deny";
  tamper("UPDATE regfed_audit.events SET decision = 'deny', leaf_hash = decode('" +
         toHex(leafHash(canonicalForm(e.event))) + "', 'hex') WHERE seq = 3");
  o.dsn = db.dsn("regfed_node");
  o.resumeFromFrontier = false;  // read and check every leaf before serving
  AuditWriter afterTamper(o, signer(), nullptr);
  BOOST_CHECK_THROW(afterTamper.start(), IntegrityError);
  // Opened from the newest head's frontier, the node starts at once; the check of every leaf behind it runs
  // in the background, and what it finds closes the log for writing (fail closed).
  o.resumeFromFrontier = true;
  AuditWriter resumed(o, signer(), nullptr);
  resumed.start();
  BOOST_TEST(resumed.size() == 10);
  BOOST_TEST(!resumed.awaitWholeLogCheck());
  BOOST_TEST(!resumed.available());
  std::vector<AuditEvent> one = {AuditEvent{}};
  one[0].actor = "x";
  BOOST_TEST(!resumed.record(one));
}

BOOST_AUTO_TEST_CASE(a_long_log_opens_from_the_frontier_of_its_newest_head) {
  {
    auto w = writer(4);
    write(*w, 1, 10);  // heads at 4 and 8, and at 10 when the writer stops
  }
  BOOST_TEST(db.scalar("SELECT count(*) FROM regfed_audit.tree_heads WHERE frontier IS NOT NULL") == "3");
  {
    AuditWriterOptions o;
    o.dsn = db.dsn("regfed_node");
    o.node = "n1";
    o.signEveryEvents = 4;
    AuditWriter resumed(o, signer(), nullptr);
    resumed.start();
    BOOST_TEST(resumed.awaitWholeLogCheck());
    write(resumed, 11, 3);
  }
  BOOST_TEST(verify().ok);
  BOOST_TEST(verify().size == 13);
  // A frontier that does not reproduce its signed root is refused at once.
  tamper("UPDATE regfed_audit.tree_heads SET frontier = decode(repeat('ab', 64), 'hex') WHERE size = 13");
  AuditWriterOptions o;
  o.dsn = db.dsn("regfed_node");
  o.node = "n1";
  AuditWriter refused(o, signer(), nullptr);
  BOOST_CHECK_THROW(refused.start(), IntegrityError);
}

BOOST_AUTO_TEST_CASE(regfed_audit_verify_command_names_the_first_bad_event) {
  {
    auto w = writer(5);
    write(*w, 1, 10);
  }
  auto keys = regfed::test::writeKeyPair(dir.path(), "idp");
  const std::string config = dir.write("node.json", R"({
    "node": {"id": "n1", "listen": "127.0.0.1:0"},
    "municipalities": [{"ags": "15088220", "name": "Stadt Merseburg"}],
    "plugin_dir": ")" + regfed::test::pluginDir() + R"(",
    "audit": {"dsn": ")" + db.dsn("regfed_node") + R"(", "signing_key": "audit.pem"},
    "issuers": [], "registers": []})");
  std::string out;
  BOOST_TEST(
      regfed::test::run({regfed::test::regfedBinary(), "audit", "verify", "--config", config}, out) == 0,
      out);
  BOOST_TEST(out.find("OK: 10 events") != std::string::npos, out);
  tamper("UPDATE regfed_audit.events SET purpose = 'harmlos' WHERE seq = 6");
  out.clear();
  BOOST_TEST(
      regfed::test::run({regfed::test::regfedBinary(), "audit", "verify", "--config", config}, out) == 1,
      out);
  BOOST_TEST(out.find("FAILED: first bad event 6") != std::string::npos, out);
}

BOOST_AUTO_TEST_CASE(migrations_are_idempotent) {
  BOOST_TEST(AuditStore::migrate(db.dsn("regfed_owner"), "regfed_node").empty());
  BOOST_TEST(db.scalar("SELECT count(*) FROM regfed_audit.schema_migrations") ==
             std::to_string(migrations().size()));
}

BOOST_AUTO_TEST_CASE(migrations_only_go_forward_and_a_newer_schema_is_refused) {
  // The fixture migrated the schema: this program's versions, nothing pending.
  BOOST_TEST(requireKnownSchema(db.dsn("regfed_node"), "regfed_audit", migrations()));
  BOOST_TEST(AuditStore::migrate(db.dsn("regfed_owner"), "regfed_node").empty());
  // A newer regfed migrated it (a version this one does not know): refused by the node's check and by the
  // migrator, which applies nothing.
  db.exec("INSERT INTO regfed_audit.schema_migrations (version, name) VALUES (9001, '9001_from_the_future')");
  for (auto attempt : std::vector<std::function<void()>>{
           [&] { requireKnownSchema(db.dsn("regfed_node"), "regfed_audit", migrations()); },
           [&] { AuditStore::migrate(db.dsn("regfed_owner"), "regfed_node"); }}) {
    try {
      attempt();
      BOOST_FAIL("a schema migrated by a newer regfed was accepted");
    } catch (const SchemaVersionError& e) {
      const std::string what = e.what();
      BOOST_TEST(what.find("9001 (9001_from_the_future)") != std::string::npos, what);
      BOOST_TEST(what.find("only go forward") != std::string::npos, what);
    }
  }
  // An older schema (a migration missing) is refused too: the node needs the owner's role to bring it up.
  db.exec("DELETE FROM regfed_audit.schema_migrations WHERE version >= 8");
  try {
    requireKnownSchema(db.dsn("regfed_node"), "regfed_audit", migrations());
    BOOST_FAIL("a schema with migrations pending was accepted");
  } catch (const SchemaVersionError& e) {
    BOOST_TEST(std::string(e.what()).find("lacks migrations 8") != std::string::npos, e.what());
  }
  // A role that may not read the versions is not blocked by the check, which says it checked nothing (the
  // node then logs that).
  db.exec("CREATE ROLE regfed_schema_blind_" + db.name() + " LOGIN");
  BOOST_TEST(!requireKnownSchema(db.dsn("regfed_schema_blind_" + db.name()), "regfed_audit", migrations()));
  db.exec("DROP ROLE regfed_schema_blind_" + db.name());
}

BOOST_AUTO_TEST_SUITE_END()
