#!/usr/bin/env node
// A remote SyncAdapter in Node.js (standard library only), wrapping a deliberately small toy sync.
//
//   node examples/node-adapter/adapter.js --port 0        # prints "listening on http://127.0.0.1:PORT"
//   pytest --pyargs conformance --sync-adapter=http://127.0.0.1:PORT
//
// It speaks the conformance kit's remote adapter protocol (conformance/protocol/adapter-protocol.json):
// one `POST /{operation}` per SyncAdapter call, body {"session", "args"}, answer {"result"} or an error body
// {"error", "message"} with 409 (Refused), 501 (NotSupported) or 500 (the sync failed).
//
// The toy sync really talks to Autotask (the kit's live mock) over HTTP: the zone lookup, then pages of
// Companies. It keeps its own in-memory documentation store and only syncs organizations: it matches an
// unlinked organization by exact name, else creates one, and orphans organizations whose company is gone.
// It is NOT a conforming sync (no configurations, contacts, locations, tickets, per-record controls or push),
// and it cuts corners on purpose (it orphans on a failed pass). The kit's verdict says which rules fail and why.
'use strict';

const http = require('node:http');

const PROTOCOL = '1.0';

class ToySync {
  constructor() {
    this.nextId = 1;
    this.records = [];          // {kind, id, org_id, fields, unmapped, link, created_at}
    this.settings = {account_types: []};
    this.conn = null;
    this.base = null;           // REST root from the zone lookup, ends in /ATServicesRest/
  }

  get capabilities() { return ['create_record']; }

  async autotask(method, url, body) {
    const c = this.conn;
    const res = await fetch(url, {
      method,
      headers: {'Content-Type': 'application/json', 'UserName': c.username, 'Secret': c.secret,
                'ApiIntegrationCode': c.integration_code},
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`Autotask answered ${res.status} to ${method} ${url}: ${text.slice(0, 200)}`);
    return JSON.parse(text);
  }

  async connect({connection}) {
    this.conn = connection;
    const root = connection.zone_lookup_url.replace(/\/+$/, '');
    const lookup = `${root}/ATServicesRest/V1.0/zoneInformation?user=${encodeURIComponent(connection.username)}`;
    const res = await fetch(lookup);
    if (!res.ok) throw new Error(`zone lookup failed: HTTP ${res.status}`);
    const zone = await res.json();
    this.base = zone.url.endsWith('/') ? zone.url : zone.url + '/';
    await this.autotask('POST', `${this.base}V1.0/Companies/query/count`,
                        {filter: [{op: 'gte', field: 'id', value: 0}]});   // C-01: prove the credentials work
    return null;
  }

  apply_settings({settings}) {
    this.settings = settings;
    return null;
  }

  async companies() {
    const body = {filter: [{op: 'gte', field: 'id', value: 0}], maxRecords: 500};
    let page = await this.autotask('POST', `${this.base}V1.0/Companies/query`, body);
    const out = [...page.items];
    while (page.pageDetails && page.pageDetails.nextPageUrl) {
      page = await this.autotask('POST', page.pageDetails.nextPageUrl, body);
      out.push(...page.items);
    }
    return out;
  }

  async run_pass() {
    let companies;
    try {
      companies = await this.companies();
    } catch (err) {
      // A corner cut on purpose: a failed fetch is treated as "no companies" (the kit flags O-08/C-11).
      companies = [];
      this.orphanMissing(new Set());
      return {ok: false, error: String(err.message || err)};
    }
    const types = new Set((this.settings.account_types || []).map(String));
    const s = this.settings;
    const classes = new Set((s.classification_sync ? s.classifications || [] : []).map(String));
    const classified = (c) => !s.classification_sync ||
      (c.classification == null ? Boolean(s.sync_without_classification) : classes.has(String(c.classification)));
    const wanted = companies.filter((c) => types.has(String(c.companyType)) && classified(c))
                            .sort((a, b) => a.id - b.id);
    const orgs = () => this.records.filter((r) => r.kind === 'organization');
    for (const c of wanted) {
      let rec = orgs().find((r) => r.link && r.link.psa_id === c.id);
      if (!rec) {
        rec = orgs().filter((r) => !r.link && r.fields.name === c.companyName)
                    .sort((a, b) => String(a.created_at).localeCompare(String(b.created_at)) || a.id - b.id)[0];
      }
      if (!rec) rec = this.create('organization', {}, null, null, {});
      rec.fields = {...rec.fields, name: c.companyName, org_type: String(c.companyType)};
      rec.link = {psa_id: c.id, state: 'enabled'};
    }
    this.orphanMissing(new Set(wanted.map((c) => c.id)));
    return {ok: true, error: null};
  }

  orphanMissing(present) {
    for (const r of this.records) {
      if (r.kind === 'organization' && r.link && !present.has(r.link.psa_id)) r.link.state = 'orphaned';
    }
  }

  create(kind, fields, org_id, created_at, unmapped) {
    const rec = {kind, id: this.nextId++, org_id: org_id ?? null, fields: {...fields}, unmapped: unmapped || {},
                 link: null, created_at: created_at || new Date().toISOString()};
    this.records.push(rec);
    return rec;
  }

  create_record({kind, fields, org_id, created_at, unmapped}) {
    return this.create(kind, fields, org_id, created_at, unmapped).id;
  }

  records_({kind}) { return this.records.filter((r) => r.kind === kind); }

  summary() {
    const out = {};
    for (const kind of ['organization', 'location', 'contact', 'configuration', 'ticket']) {
      const rs = this.records.filter((r) => r.kind === kind && r.link);
      out[kind] = {synced: rs.filter((r) => r.link.state === 'enabled').length,
                   orphaned: rs.filter((r) => r.link.state === 'orphaned').length,
                   disconnected: rs.filter((r) => r.link.state === 'disabled').length,
                   errors: rs.filter((r) => r.link.state === 'error').length};
    }
    return out;
  }
}

class HttpError extends Error {
  constructor(status, kind, message) { super(message); this.status = status; this.kind = kind; }
}

// The one dispatch table: wire operation -> how to run it on a session's ToySync.
const OPERATIONS = {
  capabilities: (s) => ({protocol: PROTOCOL, capabilities: s.capabilities, name: 'node toy sync'}),
  connect: (s, a) => s.connect(a),
  apply_settings: (s, a) => s.apply_settings(a),
  run_pass: (s, a) => s.run_pass(a),
  records: (s, a) => s.records_(a),
  summary: (s) => s.summary(),
  create_record: (s, a) => s.create_record(a),
  close: () => null,
};
const KNOWN = ['edit_and_save', 'disable', 'enable', 'sync_now', 'delete', 'push_all', 'pause', 'resume',
               'disconnect', 'delete_all'];
for (const name of KNOWN) {
  OPERATIONS[name] = () => { throw new HttpError(501, 'NotSupported', `the toy sync does not support ${name}`); };
}

const sessions = new Map();

async function handle(req, body) {
  const name = req.url.replace(/^\/+|\/+$/g, '');
  if (req.method === 'GET' && name === '') return [200, {protocol: PROTOCOL, operations: Object.keys(OPERATIONS)}];
  const op = OPERATIONS[name];
  if (!op) return [404, {error: 'UnknownOperation', message: `no operation ${JSON.stringify(name)}`}];
  if (req.method !== 'POST') return [405, {error: 'MethodNotAllowed', message: `use POST /${name}`}];
  let request;
  try { request = JSON.parse(body || 'null'); } catch { return [400, {error: 'BadRequest', message: 'the body is not JSON'}]; }
  if (!request || typeof request.session !== 'string') {
    return [400, {error: 'BadRequest', message: 'the body must be {"session": "...", "args": {...}}'}];
  }
  if (name === 'close') { sessions.delete(request.session); return [200, {result: null}]; }
  if (!sessions.has(request.session)) sessions.set(request.session, new ToySync());
  try {
    const result = await op(sessions.get(request.session), request.args || {});
    return [200, {result: result === undefined ? null : result}];
  } catch (err) {
    if (err instanceof HttpError) return [err.status, {error: err.kind, message: err.message}];
    return [500, {error: err.name || 'Error', message: String(err.message || err), traceback: String(err.stack || '')}];
  }
}

function main() {
  const args = process.argv.slice(2);
  const opt = (flag, dflt) => { const i = args.indexOf(flag); return i >= 0 ? args[i + 1] : dflt; };
  const host = opt('--host', '127.0.0.1');
  const port = Number(opt('--port', '0'));
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', async () => {
      const [status, payload] = await handle(req, Buffer.concat(chunks).toString('utf8'));
      const text = JSON.stringify(payload);
      res.writeHead(status, {'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text)});
      res.end(text);
    });
  });
  server.keepAliveTimeout = 600000;
  server.listen(port, host, () => {
    console.log(`listening on http://${host}:${server.address().port}`);
  });
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
}

main();
