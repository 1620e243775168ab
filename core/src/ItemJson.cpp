#include "ItemJson.h"

namespace regfed::core {

using namespace regfed::sdk;

void writeSummary(JsonWriter& w, const WorkItemSummary& s, const std::string& viewer, bool ownStaff) {
  w.key("id").value(s.id).key("kind").value(s.kind).key("title").value(s.title);
  w.key("received").value(s.received).key("status").value(s.status);
  w.key("claim");
  if (!s.claim) {
    w.null();
    return;
  }
  const bool mine = s.claim->holder == viewer;
  w.beginObject().key("mine").value(mine);
  if (mine || ownStaff) w.key("holder").value(s.claim->holder).key("since").value(s.claim->since);
  w.key("expires").value(s.claim->expires).endObject();
}

std::string itemJson(const WorkItem& item, const std::string& ags, const std::string& procedure,
                     const std::string& viewer, bool ownStaff) {
  JsonWriter w;
  w.beginObject().key("ags").value(ags).key("procedure").value(procedure);
  writeSummary(w, item.summary, viewer, ownStaff);
  w.key("applicant").beginArray();
  for (const auto& f : item.applicant)
    w.beginObject().key("name").value(f.name).key("label").value(f.label).key("value").value(f.value).endObject();
  w.endArray().key("references").beginArray();
  for (const auto& r : item.references)
    w.beginObject().key("register").value(r.registerName).key("id").value(r.recordId).key("label").value(r.label)
        .endObject();
  w.endArray().key("attachments").beginArray();
  for (const auto& a : item.attachments) {
    w.beginObject().key("name").value(a.name).key("media_type").value(a.mediaType);
    w.key("size_bytes").value(a.sizeBytes).key("sha256").value(a.sha256).endObject();
  }
  w.endArray().key("history").beginArray();
  // Who else worked on it is the owner's business; a helper sees their own steps and the applicant's.
  for (const auto& h : item.history) {
    const bool shown = ownStaff || h.by == viewer || h.by.find('@') == std::string::npos;
    w.beginObject().key("at").value(h.at).key("status").value(h.status);
    w.key("by").value(shown ? h.by : std::string("Sachbearbeitung"));
    w.key("note").value(shown ? h.note : std::string()).endObject();
  }
  w.endArray().endObject();
  return w.str();
}

}  // namespace regfed::core
