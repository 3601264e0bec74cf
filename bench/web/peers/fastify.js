// SPDX-License-Identifier: MIT
// The Fastify 5 peer of bench/web (fastify from bench/node_modules: npm ci --prefix bench).
// Usage: node fastify.js <port>   (or PORT in the environment).
// Ten onRequest hooks (Fastify's middleware), then 200 routes (routes.js); see README.md.
'use strict';
const { routes, MIDDLEWARE } = require('./routes');

const fastify = require('fastify')({
  logger: false,
  keepAliveTimeout: 120000,
  requestTimeout: 0,
});

const port = Number(process.argv[2] || process.env.PORT || 8080);

// Fastify's counterpart of res.locals: a request decoration, declared up front so every
// request object has the same shape.
fastify.decorateRequest('locals', null);
for (let i = 0; i < MIDDLEWARE; i++) {
  if (i % 2 === 0) {
    const name = `X-Mw-${i}`;
    fastify.addHook('onRequest', (req, reply, done) => {
      reply.header(name, '1');
      done();
    });
  } else {
    const key = `mw${i}`;
    fastify.addHook('onRequest', (req, reply, done) => {
      if (req.locals === null) req.locals = {};
      req.locals[key] = i;
      done();
    });
  }
}

for (const r of routes()) {
  if (r.kind === 'static') {
    const body = r.body;
    fastify.get(r.fastify, (req, reply) => {
      reply.type('text/plain').send(body);
    });
  } else if (r.kind === 'param') {
    fastify.get(r.fastify, (req, reply) => {
      reply.type('text/plain').send(`${req.params.id}/${req.params.item}`);
    });
  } else {
    fastify.get(r.fastify, (req, reply) => {
      reply.type('text/plain').send(req.params['*']);
    });
  }
}

fastify.listen({ port, host: '127.0.0.1' }, (err) => {
  if (err) {
    console.error(err);
    process.exit(1);
  }
});
