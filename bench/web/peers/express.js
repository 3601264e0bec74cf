// SPDX-License-Identifier: MIT
// The Express 5 peer of bench/web (express from bench/node_modules: npm ci --prefix bench).
// Usage: node express.js <port>   (or PORT in the environment).
// Ten app.use() middleware, then 200 app.get() routes (routes.js); see bench/web/README.md.
'use strict';
const express = require('express');
const { routes, MIDDLEWARE } = require('./routes');

const port = Number(process.argv[2] || process.env.PORT || 8080);
const app = express();
// What a production Express app turns off; nodexx and Fastify send neither.
app.disable('x-powered-by');
app.set('etag', false);

for (let i = 0; i < MIDDLEWARE; i++) {
  if (i % 2 === 0) {
    const name = `X-Mw-${i}`;
    app.use((req, res, next) => {
      res.setHeader(name, '1');
      next();
    });
  } else {
    const key = `mw${i}`;
    app.use((req, res, next) => {
      res.locals[key] = i;
      next();
    });
  }
}

for (const r of routes()) {
  if (r.kind === 'static') {
    const body = r.body;
    app.get(r.express, (req, res) => {
      res.type('text/plain');
      res.send(body);
    });
  } else if (r.kind === 'param') {
    app.get(r.express, (req, res) => {
      res.type('text/plain');
      res.send(`${req.params.id}/${req.params.item}`);
    });
  } else {
    app.get(r.express, (req, res) => {
      res.type('text/plain');
      res.send(req.params.path.join('/'));
    });
  }
}

const server = app.listen(port, '127.0.0.1');
server.keepAliveTimeout = 120000;
server.headersTimeout = 121000;
server.requestTimeout = 0;
