// SPDX-License-Identifier: MIT
// The Fastify 5 peer of bench/http (fastify from bench/node_modules: npm ci --prefix bench).
// Usage: node fastify.js <port>   (or PORT in the environment).
'use strict';
const fastify = require('fastify')({
  logger: false,
  keepAliveTimeout: 120000,
  requestTimeout: 0,
});

const port = Number(process.argv[2] || process.env.PORT || 8080);

fastify.get('/plaintext', (req, reply) => {
  reply.header('Server', 'Fastify').type('text/plain').send('Hello, World!');
});

// A response schema lets Fastify serialize with fast-json-stringify, as its users would.
const jsonSchema = {
  schema: {
    response: {
      200: { type: 'object', properties: { message: { type: 'string' } } },
    },
  },
};
fastify.get('/json', jsonSchema, (req, reply) => {
  reply.header('Server', 'Fastify').send({ message: 'Hello, World!' });
});

fastify.listen({ port, host: '127.0.0.1' }, (err) => {
  if (err) {
    console.error(err);
    process.exit(1);
  }
});
