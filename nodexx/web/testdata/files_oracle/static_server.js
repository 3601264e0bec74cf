// SPDX-License-Identifier: MIT
// Serves a folder with express.static under several option sets and plays a list of requests
// against it, printing one JSON line per request with the fields nodexx's serveStatic must
// reproduce. Usage: node static_server.js <root> <requests.jsonl>; each request line is
// [method, path, {header: value}].
'use strict';
const fs = require('fs');
const http = require('http');
const express = require('express');

const root = process.argv[2];
const requests = fs.readFileSync(process.argv[3], 'utf8').split('\n').filter((l) => l.length).map((l) => JSON.parse(l));

const app = express();
app.set('etag', 'weak');
// The same mounts as serve_static_test.cpp's oracle app.
app.use('/d', express.static(root));
app.use('/m', express.static(root, { maxAge: 3600500, immutable: true }));
app.use('/f', express.static(root, { fallthrough: false }));
app.use('/a', express.static(root, { dotfiles: 'allow' }));
app.use('/x', express.static(root, { dotfiles: 'deny' }));
app.use('/n', express.static(root, { index: false }));
app.use('/r', express.static(root, { redirect: false }));
app.use('/e', express.static(root, { extensions: ['html'] }));
app.use('/c', express.static(root, { etag: false, lastModified: false, cacheControl: false, acceptRanges: false }));
app.use(express.static(root));
app.use((req, res) => res.status(404).end());
// eslint-disable-next-line no-unused-vars
app.use((err, req, res, next) => res.status(err.status || 500).end());

function pick(res, body) {
  const h = res.headers;
  const ok = res.statusCode < 300 || res.statusCode === 304;
  return {
    status: res.statusCode,
    // nodexx's problem responses drop the ETag of the file that failed (finalhandler keeps it).
    etag: res.statusCode < 400 ? h.etag || null : null,
    lastModified: h['last-modified'] || null,
    cacheControl: ok ? h['cache-control'] || null : null,
    acceptRanges: ok ? h['accept-ranges'] || null : null,
    contentRange: h['content-range'] || null,
    contentLength: ok ? h['content-length'] || null : null,
    contentType: ok ? h['content-type'] || null : null,
    location: h.location || null,
    allow: h.allow || null,
    body: ok && body.length <= 64 ? body : null,
  };
}

const server = app.listen(0, '127.0.0.1', async () => {
  const port = server.address().port;
  const out = [];
  for (const [method, path, headers] of requests) {
    out.push(await new Promise((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, method, path, headers, agent: false }, (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve(JSON.stringify(pick(res, Buffer.concat(chunks).toString('latin1')))));
      });
      req.on('error', reject);
      req.end();
    }));
  }
  process.stdout.write(out.join('\n') + '\n');
  server.close();
});
