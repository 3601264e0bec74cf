// SPDX-License-Identifier: MIT
// The route table of bench/web, shared by the Express and Fastify peers (nodexx_server.cpp
// builds the same table): 100 static routes, 80 routes with two params, 20 wildcard routes.
'use strict';

const STATIC = 100;
const PARAM = 80;
const WILDCARD = 20;

// [{ kind, k, express: pattern, fastify: pattern, body: constant body of a static route }]
function routes() {
  const out = [];
  for (let k = 0; k < STATIC; k++) {
    const p = `/api/v1/items/static${k}`;
    out.push({ kind: 'static', k, express: p, fastify: p, body: `static${k}` });
  }
  for (let k = 0; k < PARAM; k++) {
    out.push({
      kind: 'param', k,
      express: `/api/v1/users${k}/:id/items/:item`,
      fastify: `/api/v1/users${k}/:id/items/:item`,
    });
  }
  for (let k = 0; k < WILDCARD; k++) {
    // Express 5 names the wildcard (`*path`, one or more segments); Fastify's is `*` (zero or
    // more): the load only sends paths with at least one segment, where they agree.
    out.push({ kind: 'wildcard', k, express: `/files${k}/*path`, fastify: `/files${k}/*` });
  }
  return out;
}

// The ten cheap middleware steps: even ones set a response header, odd ones a per-request field.
const MIDDLEWARE = 10;

module.exports = { routes, MIDDLEWARE, STATIC, PARAM, WILDCARD };
