// SPDX-License-Identifier: MIT
// The Node `http` peer of bench/http: GET /plaintext and GET /json, TechEmpower style.
// Usage: node node_http.js <port>   (or PORT in the environment). Node adds Date by itself.
'use strict';
const http = require('node:http');

const port = Number(process.argv[2] || process.env.PORT || 8080);
const plaintext = Buffer.from('Hello, World!');

const server = http.createServer((req, res) => {
  if (req.url === '/plaintext') {
    res.writeHead(200, {
      'Content-Type': 'text/plain',
      'Content-Length': plaintext.length,
      Server: 'node',
    });
    res.end(plaintext);
  } else if (req.url === '/json') {
    // Serialized per request, as TechEmpower requires.
    const body = JSON.stringify({ message: 'Hello, World!' });
    res.writeHead(200, {
      'Content-Type': 'application/json',
      'Content-Length': Buffer.byteLength(body),
      Server: 'node',
    });
    res.end(body);
  } else {
    res.writeHead(404, { 'Content-Length': 0, Server: 'node' });
    res.end();
  }
});
// The idle-connection measurement keeps 10,000 connections open for a few seconds; Node's
// default 5 s keep-alive timeout would close them under it.
server.keepAliveTimeout = 120000;
server.headersTimeout = 121000;
server.requestTimeout = 0;
server.maxRequestsPerSocket = 0;
server.listen(port, '127.0.0.1');
