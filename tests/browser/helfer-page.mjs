#!/usr/bin/env node
// End-to-end test of the helpers' page (web/helfer, served by the node under /helfer/) in Debian's Chromium, driven
// by playwright-core (common.mjs holds what the tests of both pages share).
//
// Environment:
//   REGFED_URL                 base URL of the helper's home node, e.g. http://127.0.0.1:8443
//   REGFED_HELPER_TOKEN        a JWT of a helper (e.g. lena.wagner of 15088205) named by the mandate
//   REGFED_OTHER_HELPER_TOKEN  a JWT of a second helper named by the same mandate
//   REGFED_MANDATE             the support mandate's id (approved, in force today, operation "process" on the
//                              procedure, and "get"/"search" on the melderegister)
//   REGFED_OWNER_AGS           the municipality whose items are processed, e.g. 15088220
//   REGFED_PROCEDURE           the procedure, e.g. online-antraege
//   REGFED_ADMIN_TOKEN         a JWT of an admin of the owner municipality: revokes the mandate at the end
//   REGFED_ADMIN_URL           where the admin revokes (default REGFED_URL; the owner's node when they differ)
//   REGFED_SCREENSHOT_DIR      where the PNG screenshots go (default: a new folder under the temp dir)
//   REGFED_CHROMIUM            the browser (default /usr/bin/chromium)
// The procedure must hold more than 6 open items nobody has claimed (paging is checked with 5 per page; one item
// is decided, one claimed). The test revokes the mandate: run it again with a new one. Exit 0 when every step
// passed, 1 with the failing step otherwise.

import {STEP_MS, claimsOf, environment, fail, openPage, waitUntil, withResponse} from './common.mjs';

function config() {
  const base = environment(['REGFED_HELPER_TOKEN', 'REGFED_OTHER_HELPER_TOKEN', 'REGFED_MANDATE', 'REGFED_OWNER_AGS',
    'REGFED_PROCEDURE', 'REGFED_ADMIN_TOKEN']);
  return {
    ...base,
    adminUrl: (process.env.REGFED_ADMIN_URL || base.url).replace(/\/+$/, ''),
    token: process.env.REGFED_HELPER_TOKEN.trim(),
    otherToken: process.env.REGFED_OTHER_HELPER_TOKEN.trim(),
    adminToken: process.env.REGFED_ADMIN_TOKEN.trim(),
    mandate: process.env.REGFED_MANDATE,
    ags: process.env.REGFED_OWNER_AGS,
    procedure: process.env.REGFED_PROCEDURE,
  };
}

/** A call of the API from this process (not the page): another person's view of the same node. */
async function callApi(base, token, method, apiPath, headers = {}) {
  const response = await fetch(`${base}/v1${apiPath}`, {
    method, headers: {Authorization: `Bearer ${token}`, Accept: 'application/json', ...headers},
  });
  let body = null;
  try { body = await response.json(); } catch { /* no JSON */ }
  return {status: response.status, body};
}

async function main() {
  const cfg = config();
  const claims = claimsOf('REGFED_HELPER_TOKEN');
  const itemsPath = `/v1/procedures/${cfg.ags}/${encodeURIComponent(cfg.procedure)}/items`;
  const isItems = (url) => url.pathname === itemsPath;
  const isItem = (id) => (url) => url.pathname === `${itemsPath}/${encodeURIComponent(id)}`;
  const isAction = (id, action) => (url, request) => request.method() === 'POST' &&
    url.pathname === `${itemsPath}/${encodeURIComponent(id)}/${action}`;

  const t = await openPage({url: cfg.url, site: '/helfer/', screenshots: cfg.screenshots, chromium: cfg.chromium});
  const {page, step, shot, nav, region} = t;
  const completes = []; // every POST …/complete the page sends
  page.on('request', (r) => {
    if (r.method() === 'POST' && /\/complete$/.test(new URL(r.url()).pathname)) completes.push(r);
  });

  const alertText = async () => (await page.locator('#error').textContent()) || '';
  const noticeText = async () => (await page.locator('#notice').textContent()) || '';

  const inbox = page.locator('#view-posteingang');
  const inboxTable = inbox.getByRole('table', {name: 'Offene Vorgänge, älteste zuerst'});
  const inboxRows = inboxTable.locator('tbody tr');
  const rowIds = () => inboxRows.evaluateAll((rows) => rows.map((r) => r.dataset.id));
  const freeRows = inboxRows.filter({has: page.locator('td[data-col="status"]', {hasText: /^offen$/})});
  const itemView = page.locator('#view-vorgang');
  const itemHeading = page.getByRole('heading', {level: 1, name: /^Vorgang /});

  /** Opens the first item nobody holds; answers its id. */
  const openFirstFree = async () => {
    await waitUntil(async () => (await freeRows.count()) > 0, 'an open item nobody holds in the inbox');
    const id = await freeRows.first().getAttribute('data-id');
    await withResponse(page, isItem(id), () => freeRows.first().getByRole('button', {name: `Vorgang ${id} öffnen`}).click());
    await waitUntil(async () => (await itemHeading.textContent()) === `Vorgang ${id}`, `the heading "Vorgang ${id}"`);
    return id;
  };
  const claimShown = async (id) => {
    const response = await withResponse(page, isAction(id, 'claim'),
      () => itemView.getByRole('button', {name: 'Übernehmen', exact: true}).click());
    if (response.status() !== 200) throw new Error(`claim answered ${response.status()}: ${await response.text()}`);
    await waitUntil(async () => /in Bearbeitung durch Sie/.test(await itemView.locator('#item-claim-state').textContent()),
      '"in Bearbeitung durch Sie"');
    await itemView.getByRole('button', {name: 'Zurückgeben'}).waitFor();
  };

  let firstId;
  let secondId;
  await t.run(async () => {
    await step('the page loads under /helfer/ with its Content-Security-Policy', async () => {
      await t.load();
      const icon = await page.locator('link[rel="icon"]').getAttribute('href');
      const iconResponse = await page.request.get(new URL(icon, `${cfg.url}/helfer/`).href);
      if (iconResponse.status() !== 200) throw new Error(`the favicon ${icon} answered ${iconResponse.status()}`);
    });

    await step('sign in with the keyboard only (Tab to the token field, visible focus, Enter)', async () => {
      await t.signInByKeyboard(cfg.token, (u) => u.pathname === '/v1/procedures');
      await region('Mandate und Verfahren').waitFor();
      await t.expectSignedIn(claims);
    });

    await step(`pick mandate ${cfg.mandate} (${cfg.ags}/${cfg.procedure}); the inbox lists items`, async () => {
      const card = region('Mandate und Verfahren').getByRole('article').filter({hasText: cfg.mandate});
      await waitUntil(async () => (await card.count()) === 1, `one entry for mandate ${cfg.mandate}`);
      const response = await withResponse(page, isItems, () => card.getByRole('button', {name: /^Posteingang öffnen/}).click());
      const headers = response.request().headers();
      if (headers['regfed-mandate'] !== cfg.mandate) throw new Error(`the inbox was asked without Regfed-Mandate: ${JSON.stringify(headers)}`);
      if (response.status() !== 200) throw new Error(`the inbox answered ${response.status()}: ${await response.text()}`);
      await waitUntil(async () => (await inboxRows.count()) > 0, 'rows in the inbox');
      const received = await inboxRows.first().locator('td time').textContent();
      if (!/^\d{2}\.\d{2}\.\d{4}, \d{2}:\d{2}$/.test(received)) throw new Error(`"Eingang" is not a German date and time: "${received}"`);
      if (!(await page.locator('#inbox-context').textContent()).includes(cfg.mandate)) throw new Error('the inbox does not name the mandate');
    });

    await step('5 per page: the next page shows other items, the previous page returns', async () => {
      await withResponse(page, (u) => isItems(u) && u.searchParams.get('limit') === '5',
        () => inbox.getByLabel('Vorgänge pro Seite').selectOption('5'));
      await waitUntil(async () => (await inboxRows.count()) === 5, '5 rows (the procedure needs more than 6 open items)');
      const first = await rowIds();
      const next = inbox.getByRole('button', {name: 'Nächste Seite'});
      if (await next.isDisabled()) throw new Error('no next page after 5 items: the procedure needs more than 6 open items');
      await withResponse(page, (u) => isItems(u) && u.searchParams.get('after') === first[4], () => next.click());
      await waitUntil(async () => /Seite 2/.test(await inbox.locator('#inbox-page').textContent()), '"Seite 2"');
      const second = await rowIds();
      if (!second.length) throw new Error('the second page is empty');
      if (second.some((id) => first.includes(id))) throw new Error(`page 2 (${second}) repeats items of page 1 (${first})`);
      await withResponse(page, (u) => isItems(u) && !u.searchParams.has('after'),
        () => inbox.getByRole('button', {name: 'Vorherige Seite'}).click());
      await waitUntil(async () => (await rowIds()).join() === first.join(), 'the first page again');
      await shot('01-posteingang.png');
    });

    await step('open the first open item: applicant data, references, attachments, history', async () => {
      firstId = await openFirstFree();
      for (const name of ['Antragsdaten', 'Anlagen', 'Verlauf', 'Entscheidung']) {
        await itemView.getByRole('heading', {level: 2, name}).waitFor();
      }
      await itemView.getByRole('heading', {level: 2, name: /^Bezüge zu/}).waitFor();
      if (!(await itemView.locator('#item-applicant dd').count())) throw new Error('no applicant data shown');
      const sizes = await itemView.locator('#attachments-table tbody td.number').allTextContents();
      if (sizes.some((s) => !/ kB$/.test(s))) throw new Error(`attachment sizes not in kB: ${sizes}`);
      if (await itemView.locator('#attachments-table a').count()) throw new Error('attachments offer a download');
      const openButtons = itemView.locator('#item-references').getByRole('button', {name: /^Öffnen/});
      if (!(await openButtons.count())) throw new Error('the item names no register record ("Öffnen")');
      if (!(await openButtons.first().isDisabled())) throw new Error('a reference opens before the item is claimed');
      if (!(await itemView.getByRole('radio').first().isDisabled())) throw new Error('the decision is open before the item is claimed');
    });

    await step('claim it ("Übernehmen")', async () => {
      await claimShown(firstId);
      if (!/übernommen/.test(await noticeText())) throw new Error(`no confirmation of the claim: "${await noticeText()}"`);
      await itemView.getByRole('button', {name: 'Entscheidung erfassen'}).click();
      const focused = await page.evaluate(() => document.activeElement && document.activeElement.type);
      if (focused !== 'radio') throw new Error(`"Entscheidung erfassen" moved the focus to a ${focused}, not to the choice`);
    });

    await step('the second helper claiming the same item through the API gets 409 already_claimed', async () => {
      const answer = await callApi(cfg.url, cfg.otherToken, 'POST', `/procedures/${cfg.ags}/${encodeURIComponent(cfg.procedure)}/items/${encodeURIComponent(firstId)}/claim`,
        {'Regfed-Mandate': cfg.mandate});
      if (answer.status !== 409 || answer.body?.error?.code !== 'already_claimed') {
        throw new Error(`expected 409 already_claimed, got ${answer.status} ${JSON.stringify(answer.body)}`);
      }
      if (!answer.body.error.request_id) throw new Error('the refusal has no request_id');
    });

    await step("open the applicant's Melderegister reference: the record's fields, bound to the item", async () => {
      const button = itemView.locator('#item-references').getByRole('button', {name: /^Öffnen/}).first();
      const response = await withResponse(page, (u) => u.pathname.startsWith(`/v1/registers/${cfg.ags}/`), () => button.click());
      const headers = response.request().headers();
      if (headers['regfed-case-ref'] !== firstId) throw new Error(`Regfed-Case-Ref is "${headers['regfed-case-ref']}", not ${firstId}`);
      if (headers['regfed-mandate'] !== cfg.mandate) throw new Error('the lookup did not name the mandate');
      if (!decodeURIComponent(headers['regfed-purpose'] || '').includes(firstId)) throw new Error('the purpose does not name the item');
      if (response.status() !== 200) throw new Error(`the record answered ${response.status()}: ${await response.text()}`);
      const box = itemView.locator('#item-references .record-box').first();
      await waitUntil(async () => (await box.locator('dd').count()) > 0, 'the fields of the record');
      const terms = await box.locator('dt').allTextContents();
      if (!terms.some((t) => /Familienname|Vornamen|Anschrift|Ort|Geburtsdatum/.test(t))) {
        throw new Error(`no Melderegister field shown: ${terms.join(', ')}`);
      }
      await shot('02-vorgang.png');
    });

    await step('search the Melderegister from the prefilled form: case reference and mandate sent explicitly', async () => {
      t.tolerate(/status of 4\d\d/); // the criteria may still not meet § 38 BMG: then a German refusal is shown
      const form = itemView.locator('#search-form');
      // The application may state less than a search needs: complete it from the record opened before.
      const record = itemView.locator('#item-references .record-box').first();
      for (const label of ['Familienname', 'Vornamen', 'Anschrift']) {
        const input = form.getByLabel(label, {exact: true});
        if ((await input.inputValue()) !== '') continue;
        const value = record.locator('div').filter({has: page.locator('dt', {hasText: new RegExp(`^${label}$`)})}).locator('dd');
        if (await value.count()) await input.fill((await value.first().textContent()).trim());
      }
      const response = await withResponse(page, (u, r) => u.pathname === '/v1/query' && r.method() === 'POST',
        () => form.getByRole('button', {name: 'Im Melderegister suchen'}).click());
      const body = JSON.parse(response.request().postData() || '{}');
      if (body.case_ref !== firstId || body.mandate !== cfg.mandate || !String(body.purpose || '').includes(firstId) ||
          JSON.stringify(body.municipalities) !== JSON.stringify([cfg.ags])) {
        throw new Error(`the query is not bound to the item: ${JSON.stringify(body)}`);
      }
      await waitUntil(async () => (await itemView.locator('#search-results').textContent()).trim() !== '' ||
        /Suche wurde nicht ausgeführt/.test(await alertText()), 'results or a German refusal');
      const results = (await itemView.locator('#search-results').textContent()).trim();
      console.log(`     (query answered ${response.status()}: ${results ? results.slice(0, 80) : (await alertText()).slice(0, 120)})`);
    });

    await step('decision "Rückfrage" without a note: the page refuses with a German message and sends nothing', async () => {
      await itemView.getByRole('radio', {name: 'Rückfrage an Antragsteller'}).check();
      const before = completes.length;
      await itemView.getByRole('button', {name: 'Entscheidung speichern'}).click();
      await waitUntil(async () => /Begründung/.test(await alertText()) && /nicht gespeichert/.test(await alertText()),
        'a German refusal naming the missing "Begründung"');
      if (completes.length !== before) throw new Error('the page sent the decision without a note');
      if ((await page.evaluate(() => document.activeElement && document.activeElement.id)) !== 'd-note') {
        throw new Error('the focus is not on the note');
      }
      if ((await itemView.locator('#d-note').getAttribute('aria-invalid')) !== 'true') throw new Error('the note is not marked invalid');
    });

    const note = `Bitte reichen Sie eine Kopie des Mietvertrags nach (Browsertest ${new Date().toISOString()}).`;

    await step('with a note: saved, confirmed, and the item leaves the inbox', async () => {
      await itemView.getByLabel(/^Begründung/).fill(note);
      const count = await itemView.locator('#d-note-count').textContent();
      if (count !== `${[...note].length} von 2000 Zeichen`) throw new Error(`the counter shows "${count}"`);
      const response = await withResponse(page, isAction(firstId, 'complete'),
        () => itemView.getByRole('button', {name: 'Entscheidung speichern'}).click());
      if (response.status() !== 200) throw new Error(`complete answered ${response.status()}: ${await response.text()}`);
      const sent = JSON.parse(response.request().postData());
      if (sent.decision !== 'needs_info' || sent.note !== note) throw new Error(`unexpected body ${JSON.stringify(sent)}`);
      await waitUntil(async () => /gespeichert/.test(await noticeText()) && (await noticeText()).includes(firstId),
        'the confirmation naming the item');
      await inbox.waitFor();
      await waitUntil(async () => (await inboxRows.count()) > 0 && !(await rowIds()).includes(firstId),
        `the inbox without ${firstId}`);
      const listed = await callApi(cfg.url, cfg.token, 'GET',
        `/procedures/${cfg.ags}/${encodeURIComponent(cfg.procedure)}/items?status=open&limit=200`, {'Regfed-Mandate': cfg.mandate});
      if (listed.status !== 200) throw new Error(`the API inbox answered ${listed.status}`);
      if (listed.body.items.some((i) => i.id === firstId)) throw new Error(`${firstId} is still open according to the API`);
      await shot('03-entscheidung.png');
    });

    await step('claim another item', async () => {
      secondId = await openFirstFree();
      if (secondId === firstId) throw new Error('the decided item was opened again');
      await claimShown(secondId);
    });

    await step(`the owner's admin revokes mandate ${cfg.mandate} (API)`, async () => {
      const answer = await callApi(cfg.adminUrl, cfg.adminToken, 'POST', `/mandates/${encodeURIComponent(cfg.mandate)}/revoke`);
      if (answer.status !== 200) throw new Error(`revoke answered ${answer.status} ${JSON.stringify(answer.body)}`);
    });

    await step('the next action shows plainly that the mandate was revoked and the claim released; the inbox closes', async () => {
      t.tolerate(/status of 403/);
      const refresh = itemView.getByRole('button', {name: 'Aktualisieren'});
      // The revocation may take a moment to reach the helper's node: the helper tries again.
      await waitUntil(async () => {
        if (/widerrufen/.test(await alertText())) return true;
        if (await refresh.isVisible() && await refresh.isEnabled()) {
          await withResponse(page, isItem(secondId), () => refresh.click());
        }
        return /widerrufen/.test(await alertText());
      }, 'the revocation message', 3 * STEP_MS);
      const text = await alertText();
      for (const word of ['widerrufen', 'freigegeben', 'nichts entschieden', secondId, 'Anfrage-ID']) {
        if (!text.includes(word)) throw new Error(`the message lacks "${word}": "${text}"`);
      }
      await region('Mandate und Verfahren').waitFor();
      if (await inboxTable.isVisible() || await itemView.isVisible()) throw new Error('the inbox or the item is still shown');
      if (await nav('Posteingang').isVisible()) {
        throw new Error('the inbox is still offered in the navigation');
      }
      await waitUntil(async () => (await region('Mandate und Verfahren').getByRole('article').filter({hasText: cfg.mandate}).count()) === 0,
        `mandate ${cfg.mandate} no longer offered`);
      await shot('04-widerruf.png');
    });

    await step('the API agrees: the mandate is refused for the other helper too', async () => {
      const answer = await callApi(cfg.url, cfg.otherToken, 'GET',
        `/procedures/${cfg.ags}/${encodeURIComponent(cfg.procedure)}/items?status=open`, {'Regfed-Mandate': cfg.mandate});
      if (answer.status !== 403 || answer.body?.error?.code !== 'mandate_revoked') {
        throw new Error(`expected 403 mandate_revoked, got ${answer.status} ${JSON.stringify(answer.body)}`);
      }
    });
  });
}

main().catch((error) => fail(error.stack || String(error)));
