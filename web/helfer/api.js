// What of the API client (../common/api.js) is the helpers' page's own: where its token is kept and the German
// sentences for the API's error codes. app.js sets it up with configureApi(helferApi) before anything else.

import {formatClock} from './ui.js';

export const helferApi = {
  tokenKey: 'regfed.helfer.token',
  statusText: {
    403: 'Dafür fehlt die Berechtigung.',
    409: 'Die Aktion passt nicht zum aktuellen Stand des Vorgangs.',
    429: 'Zu viele gleichzeitige Anfragen. Bitte warten Sie einen Moment.',
    503: 'Der Dienst ist vorübergehend nicht verfügbar. Bitte versuchen Sie es später erneut.',
  },
  // One sentence per code, in the words of the people who use the page. Codes of mandates that ended are
  // handled apart (work.js): they close the inbox.
  codeText: {
    // Mandate and roles
    no_mandate: 'Vorgänge einer anderen Gemeinde dürfen Sie nur unter einem Unterstützungsmandat bearbeiten, ' +
      'das dieses Verfahren nennt.',
    mandate_not_found: 'Dieses Mandat ist dem Knoten nicht bekannt.',
    mandate_not_yours: 'Dieses Mandat nennt Sie nicht als Helferin oder Helfer.',
    no_helper_role: 'Für die Arbeit unter einem Unterstützungsmandat brauchen Sie die Rolle „helper“.',
    mandate_scope: 'Das Mandat deckt diese Aktion nicht ab (andere Gemeinde, anderes Verfahren oder Register, ' +
      'oder die Bearbeitung von Vorgängen ist nicht vereinbart).',
    mandate_revoked: 'Das Unterstützungsmandat wurde widerrufen.',
    mandate_not_approved: 'Das Mandat ist noch nicht von beiden Gemeinden genehmigt.',
    mandate_not_in_force: 'Das Unterstützungsmandat gilt heute nicht (seine Laufzeit ist zu Ende oder hat noch nicht ' +
      'begonnen).',
    not_home_node: 'Bitte arbeiten Sie über den regfed-Knoten Ihrer eigenen Gemeinde.',
    no_clerk_role: 'Vorgänge der eigenen Gemeinde bearbeiten Sie mit der Rolle „clerk“ (Sachbearbeitung).',
    field_not_permitted: 'Das Mandat erlaubt den Zugriff auf diese Felder nicht.',
    other_municipality: 'Das Register gehört einer anderen Gemeinde; dafür brauchen Sie ein Mandat.',
    no_search_criteria: 'Dieses Register kann von außerhalb der Gemeinde nicht durchsucht werden.',
    // Procedures and items
    procedure_not_found: 'Dieses Verfahren gibt es auf dem Knoten nicht.',
    item_not_found: 'Diesen Vorgang gibt es nicht oder er ist nicht mehr offen.',
    not_found: 'Nicht gefunden.',
    item_not_open: 'Der Vorgang ist nicht mehr offen: Er wurde bereits entschieden oder wartet auf den Antragsteller.',
    already_claimed: (details) => (details && details.expires
      ? `Der Vorgang wird bereits von einer anderen Person bearbeitet (vergeben bis ${formatClock(details.expires)}).`
      : 'Der Vorgang wird bereits von einer anderen Person bearbeitet.'),
    not_claimed: 'Sie haben diesen Vorgang nicht (mehr) übernommen. Eine Übernahme verfällt, wenn eine Weile ' +
      'nicht an dem Vorgang gearbeitet wird; übernehmen Sie ihn bitte erneut.',
    missing_note: 'Für eine Ablehnung oder eine Rückfrage ist eine Begründung nötig.',
    invalid_note: 'Die Begründung darf höchstens 2000 Zeichen lang sein.',
    invalid_decision: 'Diese Entscheidung sieht das Verfahren nicht vor.',
    invalid_status: 'Dieser Status kann nicht angezeigt werden.',
    invalid_limit: 'Die Seitengröße ist ungültig.',
    unknown_parameter: 'Die Anfrage enthält einen unbekannten Parameter.',
    // Register lookups
    insufficient_criteria: 'Für eine Personensuche von außerhalb der Gemeinde (§ 38 BMG) reichen die Angaben nicht: ' +
      'Nötig sind Familienname und Vornamen und dazu z. B. die Anschrift oder Ort und Geburtsdatum.',
    missing_purpose: 'Zu jeder Abfrage gehört ein Zweck.',
    invalid_purpose: 'Der Zweck muss 3 bis 500 Zeichen lang sein.',
    missing_case_ref: 'Zu jeder Abfrage gehört ein Aktenzeichen.',
    invalid_case_ref: 'Das Aktenzeichen darf höchstens 100 Zeichen lang sein.',
    unknown_register: 'Dieses Register ist im Verbund nicht bekannt.',
    register_unavailable: 'Das Register ist gerade nicht erreichbar. Bitte versuchen Sie es gleich noch einmal.',
    register_timeout: 'Das Register hat nicht rechtzeitig geantwortet. Bitte versuchen Sie es gleich noch einmal.',
    register_error: 'Das Register hat einen Fehler gemeldet.',
    // Availability
    procedure_unavailable: 'Das Fachverfahren ist gerade nicht erreichbar. Bitte versuchen Sie es gleich noch einmal.',
    procedure_timeout: 'Das Fachverfahren hat nicht rechtzeitig geantwortet. Bitte versuchen Sie es gleich noch einmal.',
    audit_unavailable: 'Das Protokoll ist gerade nicht verfügbar; deshalb wurde nichts ausgeführt. ' +
      'Bitte versuchen Sie es später erneut.',
    database_unavailable: 'Die Datenbank des Knotens ist gerade nicht erreichbar. Bitte versuchen Sie es später erneut.',
    peer_unreachable: 'Der Knoten der anderen Gemeinde ist gerade nicht erreichbar. Bitte versuchen Sie es später erneut.',
  },
};
