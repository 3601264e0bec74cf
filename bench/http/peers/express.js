// SPDX-License-Identifier: MIT
// The Express 5 peer of bench/http (express from bench/node_modules: npm ci --prefix bench).
// Usage: node express.js <port>   (or PORT in the environment).
'use strict';
const express = require('express');

const port = Number(process.argv[2] || process.env.PORT || 8080);
const app = express();
// Headers a production Express app turns off; left on they would only cost Express time.
app.disable('x-powered-by');
app.set('etag', false);

app.get('/plaintext', (req, res) => {
  res.set('Server', 'Express');
  res.type('text/plain');
  res.send('Hello, World!');
});

app.get('/json', (req, res) => {
  res.set('Server', 'Express');
  res.json({ message: 'Hello, World!' });
});

const server = app.listen(port, '127.0.0.1');
server.keepAliveTimeout = 120000;
server.headersTimeout = 121000;
server.requestTimeout = 0;
