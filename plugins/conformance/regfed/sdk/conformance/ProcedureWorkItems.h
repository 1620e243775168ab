#pragma once
// The procedure conformance kit's data set (see ProcedureConformance.h) and the helpers that compare with it:
// a provider loads workItems() into its backend; the cases compare what the adapter answers with canonical().

#include <regfed/sdk/ProcedureAdapter.h>

#include <algorithm>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace regfed::sdk::conformance {

/// The kit's work items, in list order (received, then id) within each status.
inline std::vector<WorkItem> workItems() {
  const std::string hash = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
  const std::string hash2 = "60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752";
  auto received = [](const std::string& at) {
    return HistoryEntry{at, "open", "antragsteller", "Antrag online eingegangen"};
  };
  auto person = [](std::string familienname, std::string vornamen, std::string geburtsdatum) {
    return std::vector<ItemField>{{"familienname", "Familienname", std::move(familienname)},
                                  {"vornamen", "Vornamen", std::move(vornamen)},
                                  {"geburtsdatum", "Geburtsdatum", std::move(geburtsdatum)}};
  };
  auto item = [&](std::string id, std::string kind, std::string title, std::string at, std::string status,
                  std::vector<ItemField> applicant, std::vector<ItemReference> refs,
                  std::vector<Attachment> attachments, std::vector<HistoryEntry> later = {}) {
    WorkItem w;
    w.summary = {std::move(id), std::move(kind), std::move(title), at, std::move(status), std::nullopt};
    w.applicant = std::move(applicant);
    w.references = std::move(refs);
    w.attachments = std::move(attachments);
    w.history = {received(at)};
    w.history.insert(w.history.end(), later.begin(), later.end());
    return w;
  };
  const ItemReference melde{"melderegister", "P-001", "Antragsteller/in (Melderegister)"};
  const Attachment wohnungsgeber{"Wohnungsgeberbestätigung.pdf", "application/pdf", 183406, hash};
  const Attachment ausweis{"Personalausweis (Vorderseite).jpg", "image/jpeg", 1048576, hash2};
  const std::string clerk = "k.schulze@15088220";
  return {
      item("OA-K-0003", "Wohnsitzanmeldung", "Wohnsitzanmeldung – Müller, Anna", "2026-03-02T07:30:00Z",
           "open", person("Müller", "Anna", "1984-03-02"), {melde}, {ausweis, wohnungsgeber}),
      item("OA-K-0001", "Ummeldung innerhalb der Gemeinde", "Ummeldung innerhalb der Gemeinde – Weiß, Jürgen",
           "2026-03-02T09:15:00Z", "open", person("Weiß", "Jürgen", "1980-01-01"),
           {{"melderegister", "P-006", "Antragsteller/in (Melderegister)"}}, {wohnungsgeber}),
      item("OA-K-0002", "Abmeldung", "Abmeldung – O'Brien, Robert \"Bob\"", "2026-03-02T09:15:00Z", "open",
           person("O'Brien; DROP TABLE x;--", "Robert \"Bob\" \\ 100%_", "2001-07-04"),
           {{"melderegister", "P-005", "Antragsteller/in (Melderegister)"}}, {}),
      item("OA-K-0'%_", "Antrag auf Meldebescheinigung", "Antrag auf Meldebescheinigung – Schmidt, Anneliese",
           "2026-03-02T11:00:00Z", "open",
           {{"familienname", "Familienname", "Schmidt"},
            {"art", "Art der Bescheinigung", "erweitert"},
            {"zweck", "Verwendungszweck", "Vorlage bei der Bank"}},
           {{"melderegister", "P-004", "Antragsteller/in (Melderegister)"}}, {}),
      item("OA-K-0005", "Gewerbeanmeldung", "Gewerbeanmeldung – Yılmaz, Ayşe", "2026-03-03T08:00:00Z", "open",
           {{"betriebsname", "Betriebsname", "Änderungsschneiderei „Nadel & Faden“"},
            {"taetigkeit", "Tätigkeit", "Änderungsschneiderei"}},
           {melde, {"gewerberegister", "GEW-MER-00042", "Bisheriger Betrieb"}},
           {{"Gewerbeanmeldung.pdf", "application/pdf", 99, ""}}),
      item("OA-K-0006", "Gewerbeummeldung", "Gewerbeummeldung – Krause, Uwe", "2026-03-03T08:00:01Z", "open",
           person("Krause", "Uwe", "1966-05-17"), {}, {}),
      item("OA-K-0007", "Gewerbeabmeldung", "Gewerbeabmeldung – Lehmann, Petra", "2026-03-03T12:00:00Z",
           "open", {}, {}, {}),
      item("OA-K-0008", "Wohnsitzanmeldung", "Wohnsitzanmeldung – Nowak, Jana", "2026-03-04T00:00:00Z",
           "open", person("Nowak", "Jana", "1999-12-31"), {}, {ausweis}),
      item("OA-K-0009", "Abmeldung", "Abmeldung – Günther, Frieda", "2026-03-04T23:59:59Z", "open",
           person("Günther", "Frieda", "1931-02-28"), {}, {}),
      item("OA-K-0011", "Wohnsitzanmeldung", "Wohnsitzanmeldung – Haddad, Sami", "2026-03-05T10:00:00Z",
           "open", person("Haddad", "Sami", "1990-06-01"), {}, {wohnungsgeber}),
      item("OA-K-0012", "Wohnsitzanmeldung", "Wohnsitzanmeldung – Haddad, Lina", "2026-03-05T10:00:00Z",
           "open", person("Haddad", "Lina", "1992-09-09"), {}, {wohnungsgeber}),
      item("OA-K-0010", "Antrag auf Meldebescheinigung", "Antrag auf Meldebescheinigung – Vogel, Ida",
           "2026-03-06T06:45:00Z", "open", person("Vogel", "Ida", "2004-04-04"), {}, {}),
      item(
          "OA-K-0013", "Wohnsitzanmeldung", "Wohnsitzanmeldung – Fischer, Lea", "2026-03-01T10:00:00Z",
          "needs_info", person("Fischer", "Lea", "1995-01-20"), {}, {ausweis},
          {{"2026-03-01T12:00:00Z", "claimed", clerk, ""},
           {"2026-03-01T12:10:00Z", "needs_info", clerk, "Bitte die Wohnungsgeberbestätigung nachreichen."}}),
      item("OA-K-0014", "Gewerbeanmeldung", "Gewerbeanmeldung – Roth, Sven", "2026-03-05T09:00:00Z",
           "needs_info", {}, {}, {}, {{"2026-03-05T09:30:00Z", "needs_info", clerk, "Erlaubnis fehlt."}}),
      item("OA-K-0015", "Ummeldung innerhalb der Gemeinde", "Ummeldung innerhalb der Gemeinde – Hahn, Paul",
           "2026-02-27T08:00:00Z", "approved", person("Hahn", "Paul", "1977-07-07"), {}, {wohnungsgeber},
           {{"2026-02-27T09:00:00Z", "approved", clerk, "Unterlagen vollständig."}}),
      item("OA-K-0016", "Abmeldung", "Abmeldung – Beck, Max", "2026-02-28T08:00:00Z", "rejected", {}, {}, {},
           {{"2026-02-28T09:00:00Z", "rejected", clerk, "Doppelt eingereicht."}}),
  };
}

/// Ids of the kit's items in one status, in list order.
inline std::vector<std::string> workItemIds(const std::string& status) {
  std::vector<std::string> ids;
  for (const auto& w : workItems())
    if (w.summary.status == status) ids.push_back(w.summary.id);
  return ids;
}

/// The kit's item with this id.
inline WorkItem workItem(const std::string& id) {
  for (const auto& w : workItems())
    if (w.summary.id == id) return w;
  throw std::invalid_argument("no kit item " + id);
}

/// An item as one comparable text (attachments in name order: their order is not part of the contract).
inline std::string canonical(const WorkItem& w) {
  std::ostringstream out;
  const auto& s = w.summary;
  out << s.id << " | " << s.kind << " | " << s.title << " | " << s.received << " | " << s.status
      << " | claim " << (s.claim ? s.claim->holder + " " + s.claim->since + " " + s.claim->expires : "none")
      << "\n";
  for (const auto& f : w.applicant)
    out << "applicant " << f.name << " | " << f.label << " | " << f.value << "\n";
  for (const auto& r : w.references)
    out << "ref " << r.registerName << " | " << r.recordId << " | " << r.label << "\n";
  std::vector<Attachment> attachments = w.attachments;
  std::sort(attachments.begin(), attachments.end(),
            [](const Attachment& a, const Attachment& b) { return a.name < b.name; });
  for (const auto& a : attachments)
    out << "attachment " << a.name << " | " << a.mediaType << " | " << a.sizeBytes << " | " << a.sha256
        << "\n";
  for (const auto& h : w.history)
    out << "history " << h.at << " | " << h.status << " | " << h.by << " | " << h.note << "\n";
  return out.str();
}

/// Text of a claim outcome, for messages.
inline const char* outcomeName(ClaimOutcome o) {
  switch (o) {
    case ClaimOutcome::Claimed:
      return "Claimed";
    case ClaimOutcome::Renewed:
      return "Renewed";
    case ClaimOutcome::HeldByOther:
      return "HeldByOther";
    case ClaimOutcome::NotOpen:
      return "NotOpen";
    case ClaimOutcome::NotFound:
      return "NotFound";
  }
  return "?";
}

/// Text of a change outcome, for messages.
inline const char* outcomeName(ChangeOutcome o) {
  switch (o) {
    case ChangeOutcome::Done:
      return "Done";
    case ChangeOutcome::NotHeld:
      return "NotHeld";
    case ChangeOutcome::NotOpen:
      return "NotOpen";
    case ChangeOutcome::NotFound:
      return "NotFound";
  }
  return "?";
}

/// A note of exactly `characters` Unicode characters with umlauts, quotes, a backslash and a 4-byte
/// character.
inline std::string awkwardNote(std::size_t characters) {
  const std::vector<std::string> pieces = {"Prüfung", " ", "„ok“", " ", "'", "\"", "\\", "ä", "ö",
                                           "ü",       "ß", "Ä",    "€", "😀", ";",  "%",  "_", "\n"};
  std::string note;
  std::size_t count = 0;
  for (std::size_t i = 0; count < characters; ++i) {
    const std::string& piece = pieces[i % pieces.size()];
    std::size_t length = 0;
    for (unsigned char c : piece) length += (c & 0xC0) != 0x80;
    if (count + length > characters) {
      note += "x";
      ++count;
      continue;
    }
    note += piece;
    count += length;
  }
  return note;
}

}  // namespace regfed::sdk::conformance
