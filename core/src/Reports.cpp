#include "Reports.h"

#include <ctime>
#include <iostream>
#include <map>
#include <pqxx/pqxx>
#include <set>
#include <stdexcept>

#include "AuditCli.h"
#include "CalendarDate.h"
#include "Database.h"
#include "MandateStore.h"

namespace regfed::core::cli {

namespace {

// The figures of one municipality hosted by the node, for one Berlin calendar year.
struct YearFigures {
  std::string ags, name;
  struct Quota {
    const AgreementConfig* agreement;
    std::int64_t used = 0;  // days this municipality's staff committed as helpers
  };
  std::vector<Quota> quotas;
  std::int64_t daysReceived = 0;                 // support days of mandates on its data
  std::map<std::string, std::int64_t> mandates;  // "<kind> <status>" of mandates it is party to
  std::map<std::string, std::int64_t> requests;  // decision of get/search on its data
  std::map<std::string, std::int64_t> denials;   // reason of denied get/search on its data
  std::int64_t emergencyActivations = 0;
  std::int64_t alertsOpened = 0, alertsClosed = 0;
};

const std::vector<std::pair<std::string, std::string>> kKinds = {{"support", "Unterstützung"},
                                                                 {"emergency", "Notfall"}};
const std::vector<std::pair<std::string, std::string>> kStatuses = {
    {"pending", "beantragt"}, {"approved", "genehmigt"}, {"revoked", "widerrufen"}};
const std::vector<std::pair<std::string, std::string>> kDecisions = {
    {"allow", "erlaubt"}, {"deny", "abgelehnt"}, {"error", "mit Fehler"}};

std::int64_t valueOr0(const std::map<std::string, std::int64_t>& m, const std::string& key) {
  auto it = m.find(key);
  return it == m.end() ? 0 : it->second;
}

std::vector<YearFigures> yearFigures(const Config& c, const std::string& dsn, int year) {
  std::vector<YearFigures> out;
  std::map<std::string, YearFigures*> byAgs;
  out.reserve(c.municipalities.size());
  for (const auto& m : c.municipalities) {
    out.push_back(YearFigures{m.ags, m.name, {}, 0, {}, {}, {}, 0, 0, 0});
    for (const auto& a : c.agreements) out.back().quotas.push_back({&a, 0});
  }
  for (auto& f : out) byAgs[f.ags] = &f;

  // Support days as the node counts them for its quota checks.
  Database db(dsn, 1);
  MandateStore mandates(db);
  mandates.refresh();
  const Day first = firstDayOf(year), last = firstDayOf(year + 1) - 1;
  for (auto& f : out)
    for (auto& q : f.quotas) q.used = mandates.usedDays(f.ags, q.agreement->id, year);
  for (const Mandate& m : mandates.all()) {
    if (m.validUntil < first || m.validFrom > last) continue;
    const std::string key = std::string(mandateKindName(m.kind)) + " " + m.status();
    for (const std::string& party : std::set<std::string>{m.ownerAgs, m.helperAgs})
      if (auto it = byAgs.find(party); it != byAgs.end()) ++it->second->mandates[key];
    if (auto it = byAgs.find(m.ownerAgs); it != byAgs.end() && !m.helperApprovedBy.empty())
      it->second->daysReceived += m.supportDaysIn(year);
  }

  // Europe/Berlin year boundaries; `param` is the year's parameter.
  auto inYear = [](const std::string& column, const std::string& param) {
    return column + " >= make_timestamptz(" + param + "::int, 1, 1, 0, 0, 0, 'Europe/Berlin') AND " + column +
           " < make_timestamptz(" + param + "::int + 1, 1, 1, 0, 0, 0, 'Europe/Berlin')";
  };
  db.transaction([&](pqxx::work& tx) {
    // Data requests on the municipality's data, as this node (the owner's) recorded them; pruned events keep
    // action, owner, decision and reason, so retention does not change these figures.
    for (const auto& r :
         tx.exec_params("SELECT owner_ags, decision, reason, count(*) FROM regfed_audit.events "
                        "WHERE node = $1 AND action IN ('get', 'search') AND " +
                            inYear("time", "$2") + " GROUP BY owner_ags, decision, reason",
                        c.nodeId, year)) {
      auto it = byAgs.find(r[0].is_null() ? "" : r[0].as<std::string>());
      if (it == byAgs.end()) continue;
      const std::string decision = r[1].as<std::string>();
      it->second->requests[decision] += r[3].as<std::int64_t>();
      if (decision == "deny") it->second->denials[r[2].as<std::string>()] += r[3].as<std::int64_t>();
    }
    for (const auto& r :
         tx.exec_params("SELECT m.owner_ags, count(*) FROM regfed.emergency_activations a "
                        "JOIN regfed.mandates m ON m.id = a.mandate "
                        "WHERE a.day >= make_date($1::int, 1, 1) AND a.day < make_date($1::int + 1, 1, 1) "
                        "GROUP BY m.owner_ags",
                        year))
      if (auto it = byAgs.find(r[0].as<std::string>()); it != byAgs.end())
        it->second->emergencyActivations = r[1].as<std::int64_t>();
    for (const auto& r : tx.exec_params("SELECT owner_ags, count(*) FILTER (WHERE " + inYear("time", "$1") +
                                            "), count(*) FILTER (WHERE " + inYear("closed_at", "$1") +
                                            ") FROM regfed.alerts GROUP BY owner_ags",
                                        year))
      if (auto it = byAgs.find(r[0].as<std::string>()); it != byAgs.end()) {
        it->second->alertsOpened = r[1].as<std::int64_t>();
        it->second->alertsClosed = r[2].as<std::int64_t>();
      }
  });
  return out;
}

// A CSV cell for German Excel: quoted when needed, and never read as a formula.
std::string csvCell(const std::string& text) {
  std::string cell = text;
  if (!cell.empty() && std::string("=+-@\t\r").find(cell[0]) != std::string::npos) cell = "'" + cell;
  if (cell.find_first_of(";\"\r\n") == std::string::npos) return cell;
  std::string quoted = "\"";
  for (char c : cell) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  return quoted + "\"";
}

// Every denial reason in any municipality, so each gets a column.
std::set<std::string> denialReasons(const std::vector<YearFigures>& figures) {
  std::set<std::string> reasons;
  for (const auto& f : figures)
    for (const auto& [reason, n] : f.denials) reasons.insert(reason);
  return reasons;
}

// UTF-8 with BOM, ';' and CRLF: what German Excel opens without an import dialog.
std::string csvReport(const Config& c, const std::vector<YearFigures>& figures, int year) {
  const std::set<std::string> reasons = denialReasons(figures);
  std::vector<std::string> header = {"Gemeinde", "AGS", "Jahr"};
  for (const auto& a : c.agreements) {
    header.push_back("Unterstützungstage geleistet (" + a.id + ")");
    header.push_back("Kontingent (" + a.id + ")");
  }
  header.push_back("Unterstützungstage erhalten");
  for (const auto& [kind, kindName] : kKinds)
    for (const auto& [status, statusName] : kStatuses)
      header.push_back("Mandate " + kindName + " " + statusName);
  for (const auto& [decision, name] : kDecisions) header.push_back("Datenabfragen " + name);
  for (const auto& reason : reasons) header.push_back("Ablehnungen: " + reason);
  for (const char* h : {"Notfallaktivierungen", "Warnmeldungen eröffnet", "Warnmeldungen geschlossen"})
    header.push_back(h);
  auto line = [](const std::vector<std::string>& cells) {
    std::string out;
    for (std::size_t i = 0; i < cells.size(); ++i) out += (i ? ";" : "") + csvCell(cells[i]);
    return out + "\r\n";
  };
  std::string out = "\xEF\xBB\xBF" + line(header);
  for (const auto& f : figures) {
    std::vector<std::string> row = {f.name, f.ags, std::to_string(year)};
    for (const auto& q : f.quotas) {
      row.push_back(std::to_string(q.used));
      row.push_back(std::to_string(q.agreement->supportDaysPerYear));
    }
    row.push_back(std::to_string(f.daysReceived));
    for (const auto& [kind, kindName] : kKinds)
      for (const auto& [status, statusName] : kStatuses)
        row.push_back(std::to_string(valueOr0(f.mandates, kind + " " + status)));
    for (const auto& [decision, name] : kDecisions)
      row.push_back(std::to_string(valueOr0(f.requests, decision)));
    for (const auto& reason : reasons) row.push_back(std::to_string(valueOr0(f.denials, reason)));
    row.push_back(std::to_string(f.emergencyActivations));
    row.push_back(std::to_string(f.alertsOpened));
    row.push_back(std::to_string(f.alertsClosed));
    out += line(row);
  }
  return out;
}

std::string html(const std::string& text) {
  std::string out;
  for (char ch : text) switch (ch) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += ch;
    }
  return out;
}

// Today in Berlin as Germans write a date (28.11.2026).
std::string todayText() {
  const std::string iso = formatDay(berlinToday());
  return iso.substr(8, 2) + "." + iso.substr(5, 2) + "." + iso.substr(0, 4);
}

// A standalone page: everything inline, nothing fetched.
std::string page(const std::string& title, const std::string& body) {
  return "<!DOCTYPE html>\n<html lang=\"de\">\n<head>\n<meta charset=\"utf-8\">\n"
         "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>" +
         html(title) +
         "</title>\n<style>\n"
         "body{font-family:system-ui,-apple-system,\"Segoe "
         "UI\",Roboto,sans-serif;max-width:60rem;margin:2rem auto;"
         "padding:0 1rem;color:#1a1a1a;line-height:1.5}\n"
         "h1{font-size:1.6rem}h2{font-size:1.25rem;margin-top:2.5rem;border-bottom:2px solid #1a4d80}"
         "h3{font-size:1.05rem}\n"
         "table{border-collapse:collapse;margin:1rem 0;min-width:50%}\n"
         "caption{text-align:left;font-weight:600;padding:.25rem 0}\n"
         "th,td{border:1px solid #999;padding:.3rem .6rem;text-align:left;vertical-align:top}\n"
         "td.n{text-align:right;font-variant-numeric:tabular-nums}\nthead th{background:#e8eef5}\n"
         "th[scope=row]{background:#f5f5f5;font-weight:600}\n.note{color:#444;font-size:.9rem}\n"
         "@media print{body{margin:0}h2{break-before:page}}\n"
         "</style>\n</head>\n<body>\n" +
         body + "</body>\n</html>\n";
}

std::string numberCell(std::int64_t n) { return "<td class=\"n\">" + std::to_string(n) + "</td>"; }

std::string htmlReport(const Config& c, const std::vector<YearFigures>& figures, int year) {
  const std::string title = "Jahresbericht " + std::to_string(year) + " der Verwaltungskooperation (regfed)";
  std::string b =
      "<h1>" + html(title) + "</h1>\n<p>Knoten <strong>" + html(c.nodeId) + "</strong>, erstellt am " +
      todayText() + ". Zeitraum: 1. Januar bis 31. Dezember " + std::to_string(year) +
      " (deutsche Zeit). Quelle: Mandate, Audit-Log und Warnmeldungen des Knotens, gelesen mit der "
      "Prüfrolle.</p>\n";
  for (const auto& f : figures) {
    b += "<section>\n<h2>" + html(f.name) + " (AGS " + html(f.ags) + ")</h2>\n";
    b += "<table>\n<caption>Unterstützungstage: geleistet von Beschäftigten der Gemeinde für andere, "
         "erhalten auf "
         "Daten der Gemeinde</caption>\n"
         "<thead><tr><th scope=\"col\">Vereinbarung</th><th scope=\"col\">geleistet</th>"
         "<th scope=\"col\">Kontingent</th><th scope=\"col\">verbleibend</th></tr></thead>\n<tbody>\n";
    for (const auto& q : f.quotas)
      b += "<tr><th scope=\"row\">" + html(q.agreement->title) + " (" + html(q.agreement->id) + ")</th>" +
           numberCell(q.used) + numberCell(q.agreement->supportDaysPerYear) +
           numberCell(std::max<std::int64_t>(0, q.agreement->supportDaysPerYear - q.used)) + "</tr>\n";
    b += "<tr><th scope=\"row\">erhalten (alle Vereinbarungen)</th>" + numberCell(f.daysReceived) +
         "<td></td><td></td></tr>\n</tbody>\n</table>\n";
    b += "<table>\n<caption>Mandate, an denen die Gemeinde beteiligt ist (im Jahr gültig)</caption>\n"
         "<thead><tr><th scope=\"col\">Art</th>";
    for (const auto& [status, name] : kStatuses) b += "<th scope=\"col\">" + name + "</th>";
    b += "</tr></thead>\n<tbody>\n";
    for (const auto& [kind, kindName] : kKinds) {
      b += "<tr><th scope=\"row\">" + kindName + "</th>";
      for (const auto& [status, name] : kStatuses) b += numberCell(valueOr0(f.mandates, kind + " " + status));
      b += "</tr>\n";
    }
    b += "</tbody>\n</table>\n";
    b +=
        "<table>\n<caption>Datenabfragen auf Register der Gemeinde (Abruf und Suche)</caption>\n"
        "<thead><tr><th scope=\"col\">Entscheidung</th><th scope=\"col\">Anzahl</th></tr></thead>\n<tbody>\n";
    for (const auto& [decision, name] : kDecisions)
      b += "<tr><th scope=\"row\">" + name + "</th>" + numberCell(valueOr0(f.requests, decision)) + "</tr>\n";
    b += "</tbody>\n</table>\n";
    b += "<table>\n<caption>Ablehnungen nach Grund</caption>\n<thead><tr><th scope=\"col\">Grund (Code)</th>"
         "<th scope=\"col\">Anzahl</th></tr></thead>\n<tbody>\n";
    if (f.denials.empty()) b += "<tr><td colspan=\"2\">keine Ablehnungen</td></tr>\n";
    for (const auto& [reason, n] : f.denials)
      b += "<tr><th scope=\"row\"><code>" + html(reason) + "</code></th>" + numberCell(n) + "</tr>\n";
    b += "</tbody>\n</table>\n";
    b += "<table>\n<caption>Notfallzugriffe und Warnmeldungen an den Datenschutz</caption>\n<tbody>\n"
         "<tr><th scope=\"row\">Notfallaktivierungen auf Daten der Gemeinde</th>" +
         numberCell(f.emergencyActivations) + "</tr>\n<tr><th scope=\"row\">Warnmeldungen eröffnet</th>" +
         numberCell(f.alertsOpened) + "</tr>\n<tr><th scope=\"row\">Warnmeldungen geschlossen</th>" +
         numberCell(f.alertsClosed) + "</tr>\n</tbody>\n</table>\n</section>\n";
  }
  return page(title, b);
}

std::string classificationText(sdk::Classification k) {
  switch (k) {
    case sdk::Classification::Intern:
      return "intern";
    case sdk::Classification::Vertraulich:
      return "vertraulich";
    case sdk::Classification::StrengVertraulich:
      return "streng vertraulich – wird nie außerhalb der Eigentümergemeinde offengelegt";
  }
  return "";
}

std::string typeText(sdk::FieldType t) {
  switch (t) {
    case sdk::FieldType::String:
      return "Text";
    case sdk::FieldType::Date:
      return "Datum";
    case sdk::FieldType::Integer:
      return "Zahl";
    case sdk::FieldType::Boolean:
      return "Ja/Nein";
  }
  return "";
}

std::string subjectsOf(const RegisterConfig& r) {
  if (r.name == "melderegister")
    return "Einwohnerinnen und Einwohner (gemeldete Personen) sowie Angehörige, deren Daten mit ihnen "
           "geführt werden";
  if (r.name == "gewerberegister") return "Gewerbetreibende: Betriebe sowie ihre Inhaberinnen und Inhaber";
  return "Personen, deren Daten im Register „" + r.title + "“ geführt werden";
}

std::string row(const std::string& heading, const std::string& cell) {
  return "<tr><th scope=\"row\">" + heading + "</th><td>" + cell + "</td></tr>\n";
}

std::string list(const std::vector<std::string>& items) {
  std::string out = "<ul>";
  for (const auto& i : items) out += "<li>" + i + "</li>";
  return out + "</ul>";
}

std::string processingRecord(const Config& c) {
  const RetentionConfig& r = c.retention;
  // Who may receive data: every other municipality of the cooperation this node knows (its own and its
  // peers'), each only under a mandate both sides approved.
  std::vector<std::pair<std::string, std::string>> municipalities;  // ags, as shown
  for (const auto& m : c.municipalities)
    municipalities.emplace_back(m.ags, html(m.name) + " (AGS " + html(m.ags) + ")");
  for (const auto& p : c.federation.peers)
    for (const auto& m : p.municipalities)
      municipalities.emplace_back(m.ags,
                                  html(m.name) + " (AGS " + html(m.ags) + ", Knoten " + html(p.node) + ")");
  std::string agreements;
  for (const auto& a : c.agreements)
    agreements += (agreements.empty() ? "" : ", ") + html(a.title) + " (" + html(a.id) + ", bis zu " +
                  std::to_string(a.supportDaysPerYear) + " Unterstützungstage je Jahr und Gemeinde)";
  if (agreements.empty()) agreements = "keine Vereinbarung konfiguriert";

  std::vector<std::string> measures = {
      "Verbindungen zwischen den Knoten: gegenseitig authentisiertes TLS (mTLS, TLS 1.2 oder neuer) gegen "
      "die CA "
      "des Verbunds" +
          std::string(c.federation.enabled() ? "" : " (dieser Knoten ist in keinem Verbund)"),
      c.tlsCertificate.empty()
          ? (c.tlsTerminatedBy.empty() ? "HTTP-Schnittstelle nur auf der lokalen Schnittstelle (Loopback)"
                                       : "TLS endet am vorgelagerten Proxy: " + html(c.tlsTerminatedBy))
          : "HTTP-Schnittstelle nur über HTTPS",
      "Anmeldung mit signierten Tokens (JWT) der Identitätsanbieter der Gemeinden, geprüft auf Aussteller, "
      "Signatur, Gültigkeit und Zielgruppe (audience)",
      "Rollen (Sachbearbeitung, Unterstützung, Datenschutz, Administration, Eingreifgruppe); Mandate "
      "brauchen die "
      "Genehmigung beider Gemeinden (Vier-Augen-Prinzip) und gelten nur für genannte Personen, Register, "
      "Felder "
      "und Tage",
      "§38 BMG: Personensuchen von außerhalb nur mit den vorgeschriebenen Suchmerkmalen; Trefferlisten "
      "begrenzt; "
      "Auskunftssperren (§51/§52 BMG) führen zu einer neutralen Antwort und manueller Bearbeitung",
      "Streng vertrauliche Felder verlassen die Eigentümergemeinde nie",
      "Manipulationssicheres Audit-Log: jede Entscheidung wird protokolliert, als Merkle-Baum (RFC 6962) "
      "verkettet, "
      "Baumköpfe werden signiert und von den anderen Knoten gegengezeichnet (Witness-Cosignaturen)",
      "Fail-closed: ohne funktionierendes Audit-Log werden keine Daten herausgegeben",
      "Getrennte Datenbankrollen: der Knoten darf Protokolle nur anfügen und lesen; lesende Prüfrolle „" +
          html(c.audit.auditorRole) + "“ für Datenschutz und Berichte; eigene Löschrolle „" +
          html(c.audit.prunerRole) + "“, die nur die Löschfristen umsetzt",
      "Registerdaten bleiben in den Fachverfahren der Gemeinde: regfed fragt ab und speichert sie nicht"};
  if (!c.databaseHostsWithoutTls.empty())
    for (const auto& [host, why] : c.databaseHostsWithoutTls)
      measures.push_back("Datenbankverbindung ohne TLS zu " + html(host) + ": " + html(why));

  const std::string title = "Verzeichnis von Verarbeitungstätigkeiten (Art. 30 DSGVO) – Knoten " + c.nodeId;
  std::string b = "<h1>" + html(title) +
                  "</h1>\n<p class=\"note\">Aus der Konfiguration des Knotens erzeugt am " + todayText() +
                  ". Einträge je Register; von der verantwortlichen Stelle zu prüfen und zu ergänzen "
                  "(Kontaktdaten, Datenschutzbeauftragte).</p>\n";
  int number = 0;
  for (const auto& reg : c.registers) {
    const std::string owner = c.municipalityName(reg.ags);
    std::vector<std::string> helpers;
    for (const auto& [ags, name] : municipalities)
      if (ags != reg.ags) helpers.push_back(name);
    const std::string helperList = helpers.empty() ? "keine" : list(helpers);
    b += "<section>\n<h2>" + std::to_string(++number) + ". " + html(reg.title) + " – " + html(owner) +
         "</h2>\n";
    b += "<table>\n<caption>Verarbeitungstätigkeit „" + html(reg.title) + "“ (Register <code>" +
         html(reg.name) + "</code>)</caption>\n<tbody>\n";
    b += row("Verantwortliche Stelle", html(owner) + " (AGS " + html(reg.ags) + ")");
    b += row("Zwecke",
             list({"Führung und Nutzung des Registers „" + html(reg.title) + "“ durch die Gemeinde selbst",
                   "Unterstützung durch Beschäftigte anderer Gemeinden nach " + agreements +
                       ", nur unter einem von beiden Gemeinden genehmigten Mandat",
                   "Notfallzugriff der Eingreifgruppe unter einem vorab vereinbarten Notfallmandat, für ein "
                   "begrenztes Zeitfenster, gekennzeichnet und dem Datenschutz gemeldet"}));
    b += row("Kategorien betroffener Personen", html(subjectsOf(reg)));
    std::string fields =
        "<table>\n<caption>Datenkategorien (Felder) mit Schutzklasse</caption>\n<thead><tr>"
        "<th scope=\"col\">Feld</th><th scope=\"col\">Typ</th><th scope=\"col\">Schutzklasse</th>"
        "</tr></thead>\n<tbody>\n";
    for (const auto& f : reg.fields)
      fields += "<tr><th scope=\"row\"><code>" + html(f.name) + "</code></th><td>" + typeText(f.type) +
                "</td><td>" + classificationText(f.classification) + "</td></tr>\n";
    fields += "</tbody>\n</table>";
    if (!reg.blockFields.empty()) {
      std::string names;
      for (const auto& f : reg.blockFields) names += (names.empty() ? "" : ", ") + html(f);
      fields += "<p>Sperrkennzeichen (" + names +
                "): gesperrte Datensätze werden außerhalb der Gemeinde nicht "
                "offengelegt.</p>";
    }
    b += row("Kategorien personenbezogener Daten", fields);
    b += row("Empfänger",
             list({"Unterstützende Gemeinden der Kooperation, nur mit genehmigtem Mandat und nur die darin "
                   "genannten Felder:" +
                       helperList,
                   "Betroffene Personen auf Antrag (Auskunft nach Art. 15 DSGVO aus dem Audit-Log)"}));
    b += row("Übermittlung an Drittländer oder internationale Organisationen", "keine");
    b += row("Löschfristen",
             list({"Registerdaten: nach den für das Register geltenden Vorschriften in der Gemeinde; regfed "
                   "speichert sie nicht",
                   "Protokolle der Registerabrufe: " + std::to_string(r.registerAccessMonths) +
                       " Monate (§40 BMG: mindestens 12 Monate, Löschung bis zum Ende des Folgejahres)",
                   "Protokolle von Übermittlungen mit der Identifikationsnummer: " +
                       std::to_string(r.idnrTransfersMonths) + " Monate (§9 IDNrG)",
                   "Protokolle der Datenschutzprüfungen: " + std::to_string(r.auditReviewMonths) + " Monate",
                   "Protokolle zu Mandaten: " + std::to_string(r.mandatesMonths) + " Monate",
                   "Abgeschlossene Warnmeldungen: " + std::to_string(r.alertsMonths) +
                       " Monate; abgeschlossene Prüffälle: " + std::to_string(r.reviewsMonths) +
                       " Monate; Notfallfenster: " + std::to_string(r.emergencyWindowsMonths) + " Monate"}) +
                 "<p class=\"note\">Gelöscht werden die Angaben zu Personen und Vorgängen; Zeitpunkt, "
                 "Zählwerte und "
                 "der Hash des Eintrags bleiben, damit die Integrität des Protokolls prüfbar bleibt.</p>");
    b += row("Technische und organisatorische Maßnahmen (Art. 32 DSGVO)", list(measures));
    b += "</tbody>\n</table>\n</section>\n";
  }
  // The log of those accesses is a processing of its own (staff and residents are named in it).
  std::vector<std::string> controllers;
  for (const auto& m : c.municipalities) controllers.push_back(html(m.name) + " (AGS " + html(m.ags) + ")");
  b += "<section>\n<h2>" + std::to_string(++number) + ". Protokollierung der Zugriffe (Audit-Log)</h2>\n";
  b += "<table>\n<caption>Verarbeitungstätigkeit „Protokollierung der Registerzugriffe“</caption>\n<tbody>\n";
  b += row("Verantwortliche Stellen",
           "jede Gemeinde für die Zugriffe auf ihre Daten und durch ihre Beschäftigten:" + list(controllers));
  b += row(
      "Zwecke",
      list({"Protokollierung nach §40 BMG; Verwendung nur für Datenschutzkontrollen, Strafverfahren, die "
            "Sicherstellung des Registerbetriebs und Auskünfte an Betroffene",
            "Auskunft an betroffene Personen (Art. 15 DSGVO), Nachweis der Unterstützungstage, Jahresbericht",
            "Erkennen von Missbrauch (Warnmeldungen an den Datenschutz)"}));
  b += row("Kategorien betroffener Personen",
           "Beschäftigte der Gemeinden (anfragende Personen); Personen, deren Datensätze abgefragt wurden");
  b += row(
      "Kategorien personenbezogener Daten",
      "anfragende Person und Gemeinde, Rollen, Zeitpunkt, Anlass und Aktenzeichen, Mandat, Suchmerkmale, "
      "Kennungen der offengelegten oder zurückgehaltenen Datensätze, Namen der offengelegten Felder (nicht "
      "deren Inhalte), Entscheidung und Grund");
  b += row(
      "Empfänger",
      list({"Datenschutzbeauftragte der Gemeinden, je für die eigene Gemeinde (lesend, der Lesezugriff wird "
            "selbst protokolliert)",
            "Betroffene Personen für die Zugriffe auf ihre Daten",
            "Die anderen Knoten des Verbunds erhalten nur signierte Baumköpfe (Größe und Hash), keine "
            "personenbezogenen Daten"}));
  b += row("Übermittlung an Drittländer oder internationale Organisationen", "keine");
  b += row("Löschfristen", "wie bei den Registern angegeben, je Kategorie des Eintrags; die Löschrolle „" +
                               html(c.audit.prunerRole) +
                               "“ entfernt Personen- und Vorgangsangaben, Hash und Zählwerte bleiben");
  b += row("Technische und organisatorische Maßnahmen (Art. 32 DSGVO)", list(measures));
  b += "</tbody>\n</table>\n</section>\n";
  return page(title, b);
}

int yearlyReport(const Flags& f) {
  const Config c = loadOrExit(f.required("config"));
  const std::string yearText = f.required("year");
  if (yearText.size() != 4 || yearText.find_first_not_of("0123456789") != std::string::npos)
    throw std::invalid_argument("--year must be a year like 2026");
  const int year = std::stoi(yearText);
  const std::string format = f.get("format", "csv");
  if (format != "csv" && format != "html") throw std::invalid_argument("--format must be csv or html");
  const auto figures = yearFigures(c, f.required("dsn"), year);
  writeOutput(f.get("out"), format == "csv" ? csvReport(c, figures, year) : htmlReport(c, figures, year));
  if (f.has("out")) std::cerr << "wrote " << f.get("out") << "\n";
  return 0;
}

}  // namespace

int runReport(int argc, char** argv) {
  const Flags f(argc, argv, 2, {"config", "dsn", "year", "format", "out"}, {"processing-record"});
  if (f.has("processing-record")) {
    if (f.has("dsn") || f.has("year") || f.has("format"))
      throw std::invalid_argument("--processing-record takes only --config and --out");
    writeOutput(f.get("out"), processingRecord(loadOrExit(f.required("config"))));
    if (f.has("out")) std::cerr << "wrote " << f.get("out") << "\n";
    return 0;
  }
  return yearlyReport(f);
}

}  // namespace regfed::core::cli
