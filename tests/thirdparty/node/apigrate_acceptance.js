// Drives @apigrate/autotask-restapi against the Autotask mock; run by tests/thirdparty/test_thirdparty_apigrate.py.
//
// Configuration comes only from the environment: the base URL the client is given (used by the client for the
// zone lookup only), the API user's credentials and where the package is installed. Every step catches its own
// error, so one mismatch does not hide the others; the script prints one JSON document on its last stdout line:
//   {"steps": {"<name>": {"ok": true, "data": ...} | {"ok": false, "error": {...}}}}
// and the Python test asserts on it.
'use strict';

const path = require('path');

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`environment variable ${name} is required`);
  return value;
};

const moduleDir = env('APIGRATE_MODULE_DIR');
const { AutotaskRestApi, AutotaskApiError } = require(path.join(moduleDir, 'node_modules', '@apigrate', 'autotask-restapi'));

const BASE_URL = env('AT_BASE_URL');
const USER = env('AT_USER');
const SECRET = env('AT_SECRET');
const CODE = env('AT_CODE');
const BULK_PREFIX = env('AT_BULK_PREFIX');
const OWNER = Number(env('AT_OWNER_RESOURCE_ID'));
const NAME = 'Apigrate Acceptance Co';

const steps = {};
const state = {};

function describeError(err) {
  return {
    name: err && err.constructor ? err.constructor.name : typeof err,
    isAutotaskApiError: err instanceof AutotaskApiError,
    message: err && err.message,
    status: err && err.status,
    details: err && err.details,
  };
}

async function step(name, fn) {
  try {
    steps[name] = { ok: true, data: await fn() };
  } catch (err) {
    steps[name] = { ok: false, error: describeError(err) };
  }
}

async function main() {
  const api = new AutotaskRestApi(USER, SECRET, CODE, { base_url: BASE_URL });

  // Zone lookup: the first call fetches {base_url}v1.0/zoneInformation?user=... and then uses zoneInfo.url.
  await step('zone', async () => {
    const before = api.zoneInfo;
    const first = await api.Companies.get(1);
    return { before, zoneInfo: api.zoneInfo, first };
  });

  await step('create', async () => {
    // PascalCase property names, as in the library's README: input binding is case-insensitive.
    const result = await api.Companies.create({
      CompanyName: NAME, CompanyType: 1, OwnerResourceID: OWNER, Phone: '555-0142', City: 'Nodeville',
    });
    state.companyId = result && result.itemId;
    return result;
  });

  await step('get', async () => api.Companies.get(state.companyId));

  await step('get_missing', async () => api.Companies.get(987654321));

  await step('query', async () => ({
    and_filters_include_fields: await api.Companies.query({
      filter: [
        { op: 'beginsWith', field: 'companyName', value: `${BULK_PREFIX} 00` },
        { op: 'eq', field: 'companyType', value: 1 },
      ],
      includeFields: ['Id', 'companyName', 'companyType'],
    }),
    or_group: await api.Companies.query({
      filter: [{ op: 'or', items: [
        { op: 'eq', field: 'companyName', value: NAME },
        { op: 'eq', field: 'id', value: 2 },
      ] }],
    }),
    in_list: await api.Companies.query({ filter: [{ op: 'in', field: 'id', value: [1, 2, 3] }] }),
    udf: await api.Companies.query({
      filter: [{ op: 'eq', field: 'Number of Employees', value: '42', udf: true }],
    }),
    not_exist_case_insensitive: await api.Companies.query({
      filter: [
        { op: 'beginsWith', field: 'companyName', value: 'ACME' },
        { op: 'notExist', field: 'parentCompanyID' },
      ],
    }),
    contains_max_records: await api.Companies.query({
      filter: [{ op: 'contains', field: 'companyName', value: 'company 01' }],
      maxRecords: 10,
    }),
  }));

  // No automatic paging in this client: loop with id > last id, as the maintainer recommends (issue #24).
  await step('paging', async () => {
    const pages = [];
    const ids = [];
    let last = 0;
    for (let guard = 0; guard < 10; guard++) {
      const result = await api.Companies.query({
        filter: [
          { op: 'beginsWith', field: 'companyName', value: BULK_PREFIX },
          { op: 'gt', field: 'id', value: last },
        ],
      });
      const items = result.items;
      pages.push({
        count: result.pageDetails.count,
        requestCount: result.pageDetails.requestCount,
        prevPageUrl: result.pageDetails.prevPageUrl,
        nextPageUrl: result.pageDetails.nextPageUrl,
        firstId: items.length ? items[0].id : null,
        lastId: items.length ? items[items.length - 1].id : null,
      });
      for (const item of items) ids.push(item.id);
      if (items.length < 500) break;
      last = items[items.length - 1].id;
    }
    const ascending = ids.every((id, i) => i === 0 || ids[i - 1] < id);
    return { pages, total: ids.length, unique: new Set(ids).size, ascending, firstId: ids[0], lastId: ids[ids.length - 1] };
  });

  await step('update', async () => {
    const result = await api.Companies.update({ id: state.companyId, phone: '555-0199' });
    const after = await api.Companies.get(state.companyId);
    return { result, after };
  });

  await step('count', async () => ({
    all: await api.Companies.count({ filter: [{ op: 'beginsWith', field: 'companyName', value: BULK_PREFIX }] }),
    customers: await api.Companies.count({
      filter: [
        { op: 'beginsWith', field: 'companyName', value: BULK_PREFIX },
        { op: 'eq', field: 'companyType', value: 1 },
      ],
    }),
  }));

  // Contacts are written only through the parent: POST/PATCH /Companies/{id}/Contacts, DELETE .../Contacts/{id}.
  await step('child', async () => {
    const created = await api.CompanyContacts.create(state.companyId, {
      firstName: 'Ada', lastName: 'Apigrate', isActive: 1, emailAddress: 'ada@apigrate.example',
    });
    const contactId = created && created.itemId;
    const got = await api.Contacts.get(contactId);
    const byCompany = await api.Contacts.query({ filter: [{ op: 'eq', field: 'companyID', value: state.companyId }] });
    const updated = await api.CompanyContacts.update(state.companyId, { id: contactId, title: 'CTO' });
    const afterUpdate = await api.Contacts.get(contactId);
    const deleted = await api.CompanyContacts.delete(state.companyId, contactId);
    const afterDelete = await api.Contacts.get(contactId);
    return { created, got, byCompany, updated, afterUpdate, deleted, afterDelete };
  });

  await step('metadata', async () => {
    const info = await api.Companies.info();
    const fields = await api.Companies.fieldInfo();
    const udfs = await api.Companies.udfInfo();
    const contactInfo = await api.Contacts.info();
    const contactFields = await api.Contacts.fieldInfo();
    // GET /CompanyContacts/entityInformation: not a path of the real API (the spec has
    // /Companies/{parentId}/Contacts/entityInformation); the client maps the 404 to null.
    const companyContactsInfo = await api.CompanyContacts.info();
    return { info, fields, udfs, contactInfo, contactFields, companyContactsInfo };
  });

  await step('wrong_secret', async () => {
    const bad = new AutotaskRestApi(USER, 'not-the-secret', CODE, { base_url: BASE_URL });
    try {
      const result = await bad.Companies.get(1);
      return { threw: false, result, zoneInfo: bad.zoneInfo };
    } catch (err) {
      return { threw: true, zoneInfo: bad.zoneInfo, error: describeError(err) };
    }
  });

  await step('unknown_user', async () => {
    const bad = new AutotaskRestApi('nobody@UNKNOWN.APIUSER.com', SECRET, CODE, { base_url: BASE_URL });
    try {
      const result = await bad.Companies.get(1);
      return { threw: false, result, zoneInfo: bad.zoneInfo };
    } catch (err) {
      return { threw: true, zoneInfo: bad.zoneInfo, error: describeError(err) };
    }
  });

  process.stdout.write(`\n${JSON.stringify({ steps })}\n`);
}

main().catch((err) => {
  process.stdout.write(`\n${JSON.stringify({ fatal: describeError(err), steps })}\n`);
  process.exitCode = 1;
});
