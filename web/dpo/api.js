// What of the API client (../common/api.js) is the DPO page's own: where its token is kept and the sentences for
// the answers a DPO meets. app.js sets it up with configureApi(dpoApi) before anything else.

export const dpoApi = {
  tokenKey: 'regfed.dpo.token',
  statusText: {
    403: 'Dafür fehlt die Berechtigung (Rolle „dpo“, Daten der eigenen Gemeinde).',
    409: 'Die Aktion passt nicht zum aktuellen Stand.',
    503: 'Der Dienst ist vorübergehend nicht verfügbar (Protokollspeicher oder ein anderer Dienst). ' +
      'Bitte versuchen Sie es später erneut.',
  },
  codeText: {
    already_closed: 'Die Warnung ist bereits abgeschlossen.',
  },
};
