// SPDX-License-Identifier: MIT
// The Express 5 side of the Express oracle (express from bench/node_modules, NODE_PATH).
// `node express_app.js <files-dir>` listens on three ports of 127.0.0.1 (port 0 each) and prints
// one JSON line `{"main":P,"ext":P,"strict":P}` once all listen:
//   main   - default settings (case-insensitive, non-strict routing, simple query parser);
//   ext    - the "extended" query parser;
//   strict - case-sensitive and strict routing, trust proxy "loopback", json spaces 2, and a
//            sub-app with settings of its own mounted on /sub.
// twin.cpp is the same program written with nodexx; scenarios.py lists the requests sent to
// both, run.py compares the answers. Keep the routes of the two files in the same order.
'use strict';
const express = require('express');
const cookie = require('cookie');
const signature = require('cookie-signature');

const filesDir = process.argv[2];
if (!filesDir) {
  console.error('usage: node express_app.js <files-dir>');
  process.exit(2);
}
const SECRET = 'oracle-secret';

// cookie-parser is not among Express's dependencies, so this is its behaviour in a few lines:
// cookies parsed with `cookie`, `s:` values unsigned into signedCookies (false when the
// signature is wrong), `j:` values parsed as JSON.
function jsonCookie(str) {
  if (typeof str !== 'string' || str.slice(0, 2) !== 'j:') return undefined;
  try {
    return JSON.parse(str.slice(2));
  } catch {
    return undefined;
  }
}
function jsonCookies(obj) {
  for (const key of Object.keys(obj)) {
    const val = jsonCookie(obj[key]);
    if (val) obj[key] = val;
  }
  return obj;
}
function cookieParser(req, res, next) {
  req.secret = SECRET;
  req.cookies = Object.create(null);
  req.signedCookies = Object.create(null);
  const header = req.headers.cookie;
  if (!header) return next();
  const cookies = cookie.parse(header);
  const signed = Object.create(null);
  for (const key of Object.keys(cookies)) {
    const val = cookies[key];
    if (val.slice(0, 2) !== 's:') continue;
    const dec = signature.unsign(val.slice(2), SECRET);
    signed[key] = dec;
    delete cookies[key];
  }
  req.signedCookies = jsonCookies(signed);
  req.cookies = jsonCookies(cookies);
  next();
}

// Appends one step to the X-Trail response header (one field line per step).
function trail(res, step) {
  res.append('X-Trail', step);
}

// An error carrying an HTTP status, as http-errors makes them.
function httpError(status, message) {
  const err = new Error(message);
  err.status = status;
  return err;
}

// -- main app -------------------------------------------------------------------------------------
const app = express();
app.use((req, res, next) => {
  res.set('X-Global', 'yes');
  next();
});
app.use(cookieParser);

// Order: both handlers of one path run in registration order.
app.get('/order', (req, res, next) => {
  trail(res, 'first');
  next();
});
app.get('/order', (req, res) => {
  trail(res, 'second');
  res.send('order');
});

// Precedence: a static route registered before a param route wins; registered after, it loses.
app.get('/users/me', (req, res) => res.send('me'));
app.get('/users/:id', (req, res) => res.json({ route: 'user', params: req.params }));
app.get('/users/:id/books/:bookId', (req, res) => res.json({ params: req.params }));
app.get('/late/:id', (req, res) => res.json({ route: 'param', params: req.params }));
app.get('/late/static', (req, res) => res.send('static'));

// Optional groups and wildcards.
app.get('/opt{/:id}', (req, res) => res.json({ params: req.params }));
app.get('/file/:name{.:ext}', (req, res) => res.json({ params: req.params }));
app.get('/files/*path', (req, res) => res.json({ params: req.params }));
app.get('/both/:a-:b', (req, res) => res.json({ params: req.params }));

// Mounting: baseUrl, originalUrl, url, path as a mounted router sees them.
function where(req) {
  return { baseUrl: req.baseUrl, originalUrl: req.originalUrl, url: req.url, path: req.path };
}
const api = express.Router();
api.get('/info', (req, res) => res.json(where(req)));
const v1 = express.Router();
v1.get('/deep/:x', (req, res) => res.json({ ...where(req), params: req.params }));
api.use('/v1', v1);
app.use('/api', api);
app.use('/mw', (req, res) => res.json(where(req)));

// mergeParams.
const merged = express.Router({ mergeParams: true });
merged.get('/:itemId', (req, res) => res.json({ params: req.params }));
app.use('/shops/:shopId/items', merged);
const unmerged = express.Router();
unmerged.get('/:itemId', (req, res) => res.json({ params: req.params }));
app.use('/stores/:shopId/items', unmerged);

// router.param: called once per request and value, before the route's handlers.
app.param('pid', (req, res, next, value) => {
  trail(res, `param:${value}`);
  if (value === 'missing') return next(httpError(404, 'no such pid'));
  next();
});
app.get('/p/:pid', (req, res, next) => {
  trail(res, 'route1');
  next();
});
app.get('/p/:pid', (req, res) => {
  trail(res, 'route2');
  res.json({ params: req.params });
});

// next("route") and next("router").
app.get('/nr/:id', (req, res, next) => (req.params.id === 'skip' ? next('route') : next()),
  (req, res) => res.send('first'));
app.get('/nr/:id', (req, res) => res.send('second'));
const skipper = express.Router();
skipper.use((req, res, next) => (req.get('X-Skip') ? next('router') : next()));
skipper.get('/x', (req, res) => res.send('inside'));
app.use('/nrr', skipper);
app.get('/nrr/x', (req, res) => res.send('after'));

// Methods: HEAD from GET, OPTIONS with Allow, several methods on one path.
app.get('/multi', (req, res) => res.send('get'));
app.post('/multi', (req, res) => res.send('post'));
app.put('/multi', (req, res) => res.send('put'));
app.all('/any', (req, res) => res.send(req.method));

// Errors with the app's own error middleware (mounted on /err only).
const errs = express.Router();
errs.get('/sync', () => {
  throw httpError(418, 'sync boom');
});
errs.get('/async', async () => {
  await Promise.resolve();
  throw httpError(409, 'async boom');
});
errs.get('/next', (req, res, next) => next(httpError(422, 'next boom')));
errs.get('/plain', () => {
  throw new Error('plain boom');
});
errs.get('/chain', (req, res, next) => next(httpError(400, 'chain boom')),
  (req, res) => res.send('never'));
errs.use((req, res, next) => {
  // A non-error middleware between: skipped while an error is pending.
  trail(res, 'skipped?');
  next();
});
errs.use((err, req, res, next) => {
  trail(res, 'err1');
  next(err);
});
errs.use((err, req, res, next) => {
  trail(res, 'err2');
  res.status(err.status || 500).json({ message: err.message });
});
app.use('/err', errs);
// Without error middleware: the final handler answers.
app.get('/boom', () => {
  throw new Error('unhandled');
});
app.get('/boom-async', async () => {
  await Promise.resolve();
  throw httpError(503, 'unavailable');
});

// Responses.
app.get('/res/json', (req, res) => res.json({ a: 1, b: [true, null, 2.5], s: 'é"\n' }));
app.get('/res/json-escapes', (req, res) => res.json({ s: '<a href="x">\u2028\u0001\\é😀</a>' }));
app.get('/res/send-string', (req, res) => res.send('<p>hi</p>'));
app.get('/res/send-buffer', (req, res) => res.send(Buffer.from('bytes')));
app.get('/res/send-status', (req, res) => res.sendStatus(201));
app.get('/res/status-json', (req, res) => res.status(202).json({ queued: true }));
app.get('/res/type', (req, res) => res.type('json').send('{"x":1}'));
app.get('/res/redirect', (req, res) => res.redirect('/target?q=a b&x=<y>'));
app.get('/res/redirect301', (req, res) => res.redirect(301, 'http://example.com/ä?x=1'));
app.get('/res/cookie', (req, res) => {
  res.cookie('plain', 'v 1');
  res.cookie('full', 'x', {
    domain: 'example.com', path: '/p', httpOnly: true, secure: true, sameSite: 'strict',
    expires: new Date(Date.UTC(2030, 0, 2, 3, 4, 5)),
  });
  res.cookie('aged', '1', { maxAge: 60000, sameSite: 'lax' });
  res.send('cookies');
});
app.get('/res/cookie-signed', (req, res) => {
  res.cookie('sid', 'abc123', { signed: true, httpOnly: true });
  res.send('signed');
});
app.get('/res/clear-cookie', (req, res) => {
  res.clearCookie('sid', { path: '/', httpOnly: true });
  res.send('cleared');
});
app.get('/req/cookies', (req, res) => res.json({ cookies: req.cookies, signed: req.signedCookies }));
app.get('/res/vary', (req, res) => {
  res.vary('Accept');
  res.vary('Origin');
  res.vary('accept');
  res.send('vary');
});
app.get('/res/attachment', (req, res) => {
  res.attachment('résumé report.pdf');
  res.send('pdf');
});
app.get('/res/format', (req, res) => {
  res.format({
    'text/plain': () => res.send('plain'),
    'application/json': () => res.json({ format: 'json' }),
  });
});
app.get('/res/download', (req, res) => res.download('hello.txt', 'greeting.txt', { root: filesDir }));

app.get('/res/json-null', (req, res) => res.json(null));
app.get('/res/no-content', (req, res) => res.status(204).send('ignored'));
app.get('/res/set-type', (req, res) => {
  res.set('Content-Type', 'text/plain');
  res.send('typed');
});
app.get('/res/teapot', (req, res) => res.sendStatus(418));
app.get('/res/links', (req, res) => {
  res.links({ next: 'http://api.example.com/users?page=2', last: 'http://api.example.com/users?page=5' });
  res.send('links');
});
app.get('/res/attachment-bare', (req, res) => {
  res.attachment();
  res.send('bare');
});
app.get('/res/cookie-extra', (req, res) => {
  res.cookie('p', '1', { secure: true, partitioned: true, priority: 'high', sameSite: 'none' });
  res.clearCookie('old', { maxAge: 1000, path: '/x' });
  res.send('extra');
});
app.get('/res/download-utf8', (req, res) => res.download('hello.txt', 'naïve €.txt', { root: filesDir }));
app.get('/req/info', (req, res) => res.json({
  hostname: req.hostname, protocol: req.protocol, secure: req.secure, xhr: req.xhr,
  ip: req.ip, method: req.method,
}));
app.get('/req/accepts', (req, res) => res.json({ type: req.accepts(['html', 'json']) || null }));
app.route('/chained').get((req, res) => res.send('chained get')).post((req, res) => res.send('chained post'));
app.param('first', (req, res, next, value) => {
  trail(res, `first:${value}`);
  next();
});
app.param('second', (req, res, next, value) => {
  trail(res, `second:${value}`);
  next();
});
app.get('/pp/:second/:first', (req, res) => res.json({ params: req.params }));

// sendFile from the files folder (root option); errors go to the final handler.
app.get('/sf/:name', (req, res) => res.sendFile(req.params.name, { root: filesDir }));
app.get('/sf-cache/:name', (req, res) => res.sendFile(req.params.name,
  { root: filesDir, maxAge: 3600 * 1000, immutable: true }));
app.get('/sfw/*path', (req, res) => res.sendFile(req.params.path.join('/'), { root: filesDir }));

// Query strings.
app.get('/q', (req, res) => res.json({ query: req.query }));

// Body parsers (errors go to the final handler).
app.post('/body/json', express.json({ limit: 100 }), (req, res) => res.json({ body: req.body }));
app.post('/body/form', express.urlencoded({ extended: false }), (req, res) => res.json({ body: req.body }));
app.post('/body/text', express.text(), (req, res) => res.json({ body: req.body }));

// -- ext: the extended query parser ----------------------------------------------------------
const ext = express();
ext.set('query parser', 'extended');
ext.get('/q', (req, res) => res.json({ query: req.query }));

// -- strict: case-sensitive and strict routing, trust proxy ------------------------------------
const strict = express();
strict.set('case sensitive routing', true);
strict.set('strict routing', true);
strict.get('/Caps', (req, res) => res.send('Caps'));
strict.get('/slash/', (req, res) => res.send('slash/'));
strict.get('/noslash', (req, res) => res.send('noslash'));
strict.set('trust proxy', 'loopback');
strict.get('/req/info', (req, res) => res.json({
  hostname: req.hostname, protocol: req.protocol, secure: req.secure, ip: req.ip, ips: req.ips,
}));

// A mounted sub-app: its own settings inside it (etag, query parser), the parent's trust proxy
// and json spaces (which it leaves at their defaults), and the parent's settings after it.
strict.set('json spaces', 2);
const sub = express();
sub.set('etag', 'strong');
sub.set('query parser', 'extended');
sub.get('/info', (req, res) => res.json({ query: req.query, ip: req.ip, protocol: req.protocol }));
sub.get('/etag', (req, res) => res.send('a body with an etag'));
strict.use('/sub', sub);
strict.get('/sub/after', (req, res) => res.json({ query: req.query }));

// -- listen -------------------------------------------------------------------------------------
const ports = {};
const apps = { main: app, ext, strict };
let pending = Object.keys(apps).length;
for (const [name, a] of Object.entries(apps)) {
  const server = a.listen(0, '127.0.0.1', () => {
    ports[name] = server.address().port;
    if (--pending === 0) console.log(JSON.stringify(ports));
  });
}
