// SPDX-License-Identifier: MIT
// The Express twin of app_express_test.cpp: the same app, the same requests, one JSON line per
// request with the fields the C++ side compares. Run with NODE_PATH=<repo>/bench/node_modules.
'use strict';
const http = require('http');
const express = require('express');

const app = express();
app.get('/send', (req, res) => res.send('hello'));
app.get('/json', (req, res) => res.status(201).json({ a: 1, b: [true, null], s: 'x\u2028y' }));
app.get('/status', (req, res) => res.sendStatus(418));
app.get('/redirect', (req, res) => res.redirect('/a b?x=<y>'));
app.get('/items', (req, res) => res.send('list'));
app.put('/items', (req, res) => res.send('put'));
const api = express.Router();
api.get('/users/:id', (req, res) =>
  res.send([req.baseUrl, req.url, req.path, req.originalUrl, req.params.id].join('|')));
app.use('/api', api);
app.get('/p/:v', (req, res) => res.send(req.params.v));
app.get('/cookie', (req, res) => res.cookie('sid', 'a b;c', { domain: 'example.com', path: '/x',
  httpOnly: true, secure: true, sameSite: 'strict' }).cookie('two', 'v').send('c'));
app.get('/vary', (req, res) => res.vary('Accept').vary('Origin').vary('accept').send('v'));
app.get('/attach', (req, res) => res.attachment('dir/r\u00e9sum\u00e9.txt').send('a'));
app.get('/q', (req, res) => res.json(req.query));
app.get('/type', (req, res) => res.type('json').send('{"x":1}'));
app.get('/links', (req, res) => res.links({ next: '/p/2', last: '/p/5' }).send('l'));
app.get('/format', (req, res) => res.format({
  'text/plain': () => res.send('text'),
  json: () => res.send('{}'),
}));
app.get('/location', (req, res) => res.location('/a b/\u00e9').sendStatus(201));
app.get('/chain', (req, res, next) => next('route'), (req, res) => res.send('skipped'));
app.get('/chain', (req, res) => res.send('next route'));
app.get('/empty', (req, res) => res.status(204).send('ignored'));
app.get('/buffer', (req, res) => res.send(Buffer.from([1, 2, 3])));

const cases = JSON.parse(process.argv[2]);
const fields = ['content-type', 'content-length', 'etag', 'location', 'allow', 'vary',
  'set-cookie', 'content-disposition', 'link'];

const server = app.listen(0, '127.0.0.1', async () => {
  const port = server.address().port;
  for (const c of cases) {
    const out = await new Promise((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, method: c.method, path: c.url,
        headers: Object.assign({ connection: 'close' }, c.headers || {}) }, (res) => {
        const chunks = [];
        res.on('data', (d) => chunks.push(d));
        res.on('end', () => {
          const h = {};
          for (const f of fields) {
            const v = res.headers[f];
            if (v !== undefined) h[f] = Array.isArray(v) ? v.join('\n') : v;
          }
          resolve({ status: res.statusCode, headers: h, body: Buffer.concat(chunks).toString('latin1') });
        });
      });
      req.on('error', reject);
      req.end();
    });
    process.stdout.write(JSON.stringify(out) + '\n');
  }
  server.close();
});
