'use strict'
// The part of undici the CLI bundle uses (Agent and request: the OpenCX API client, which loads it on its first call; the
// probes use node:https), for scripts/bundle-cli.mjs only.
// undici's index.js loads everything it has (mock agents, caches on node:sqlite, proxies, HTTP/2 clients, WebSocket,
// EventSource, fetch) on import: about half of the CLI's start-up. Same modules, same behaviour, fewer of them loaded.
// `request` is undici's own index.js wrapper (makeDispatcher around api.request), kept to the same checks.
// test/cli/bundle.test.ts runs the bundled CLI, so an undici update that moves these files fails there, not in use.
const Agent = require('undici/lib/dispatcher/agent')
const Dispatcher = require('undici/lib/dispatcher/dispatcher')
const util = require('undici/lib/core/util')
const { InvalidArgumentError } = require('undici/lib/core/errors')
const api = require('undici/lib/api')
const { getGlobalDispatcher } = require('undici/lib/global')

Object.assign(Dispatcher.prototype, api)

function request (url, opts, handler) {
  if (typeof opts === 'function') {
    handler = opts
    opts = null
  }
  if (!url || (typeof url !== 'string' && typeof url !== 'object' && !(url instanceof URL))) {
    throw new InvalidArgumentError('invalid url')
  }
  if (opts != null && typeof opts !== 'object') {
    throw new InvalidArgumentError('invalid opts')
  }
  if (opts && opts.path != null) {
    if (typeof opts.path !== 'string') throw new InvalidArgumentError('invalid opts.path')
    const path = opts.path.startsWith('/') ? opts.path : `/${opts.path}`
    url = new URL(util.parseOrigin(url).origin + path)
  } else {
    if (!opts) opts = typeof url === 'object' ? url : {}
    url = util.parseURL(url)
  }
  const { agent, dispatcher = getGlobalDispatcher(), ...restOpts } = opts
  if (agent) throw new InvalidArgumentError('unsupported opts.agent. Did you mean opts.client?')
  return api.request.call(dispatcher, {
    ...restOpts,
    origin: url.origin,
    path: url.search ? `${url.pathname}${url.search}` : url.pathname,
    method: opts.method || (opts.body ? 'PUT' : 'GET')
  }, handler)
}

module.exports = { Agent, Dispatcher, request }
