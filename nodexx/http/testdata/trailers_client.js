// SPDX-License-Identifier: MIT
// Node's http client against nodexx's server (server_upgrade_test.cpp): sends a chunked request
// with trailers to /req-trailers and prints what the server read, then prints the trailers of
// /trailers' response as Node parses them. Usage: node trailers_client.js <port>
'use strict';
const http = require('http');
const port = Number(process.argv[2]);

function request(options, send) {
  return new Promise((resolve, reject) => {
    const req = http.request({host: '127.0.0.1', port, ...options}, (res) => {
      let body = '';
      res.setEncoding('latin1');
      res.on('data', (c) => body += c);
      res.on('end', () => resolve({body, trailers: res.trailers}));
    });
    req.on('error', reject);
    send(req);
  });
}

(async () => {
  const sent = await request({method: 'POST', path: '/req-trailers'}, (req) => {
    req.setHeader('Trailer', 'X-Sum, x-extra');
    req.write('abc');
    req.addTrailers({'X-Sum': '6', 'x-extra': 'yes'});
    req.end('def');
  });
  process.stdout.write(`request trailers: ${sent.body}\n`);
  const got = await request({path: '/trailers'}, (req) => req.end());
  process.stdout.write(`response trailers: ${JSON.stringify(got.trailers)}\n`);
  process.exit(0);
})().catch((e) => {
  process.stdout.write(`error: ${e.message}\n`);
  process.exit(1);
});
