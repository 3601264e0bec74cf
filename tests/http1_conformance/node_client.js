// SPDX-License-Identifier: MIT
// node as a real client of the nodexx test server: fetch (undici), http.request with a
// keep-alive Agent, and pipelining over a raw socket. Usage: node node_client.js SERVER_BINARY
'use strict';
const { spawn } = require('child_process');
const http = require('http');
const net = require('net');

let failed = 0;
function check(name, expected, actual) {
  if (JSON.stringify(expected) === JSON.stringify(actual)) {
    console.log(`PASS ${name}`);
  } else {
    console.log(`FAIL ${name}: expected ${JSON.stringify(expected)} got ${JSON.stringify(actual)}`);
    failed = 1;
  }
}

function startServer(binary) {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, ['--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
    child.stdout.on('data', (d) => {
      const m = /listening (\d+)/.exec(String(d));
      if (m) resolve({ child, port: Number(m[1]) });
    });
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
}

function request(agent, port, opts, body) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, agent, ...opts }, (res) => {
      let data = '';
      res.setEncoding('latin1');
      res.on('data', (c) => (data += c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: data,
                                    reused: req.reusedSocket }));
    });
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

function pipeline(port, raw) {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => s.end(raw));
    let data = '';
    s.setEncoding('latin1');
    s.on('data', (d) => (data += d));
    s.on('end', () => resolve(data));
    s.on('error', reject);
  });
}

(async () => {
  const { child, port } = await startServer(process.argv[2]);
  const base = `http://127.0.0.1:${port}`;
  try {
    // fetch (undici): GET, POST echo, 404.
    let r = await fetch(`${base}/`);
    check('fetch GET status', 200, r.status);
    check('fetch GET body', 'Hello, World!', await r.text());
    check('fetch content-type', 'text/plain', r.headers.get('content-type'));
    r = await fetch(`${base}/echo`, { method: 'POST', body: 'x'.repeat(70000) });
    check('fetch POST echo length', 70000, (await r.text()).length);
    r = await fetch(`${base}/nope`);
    check('fetch 404', 404, r.status);

    // http.request with a keep-alive agent: the second request reuses the socket.
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const a = await request(agent, port, { path: '/' });
    const b = await request(agent, port, { path: '/' });
    check('agent first not reused', false, a.reused);
    check('agent second reused', true, b.reused);
    check('keep-alive header', 'timeout=5', b.headers['keep-alive']);
    const c = await request(agent, port, { path: '/echo', method: 'POST' }, 'chunked-by-node');
    check('node chunked POST echo', 'chunked-by-node', c.body);
    const h = await request(agent, port, { path: '/', method: 'HEAD' });
    check('HEAD body empty', '', h.body);
    check('HEAD content-length', '13', h.headers['content-length']);
    agent.destroy();

    // Pipelining: three requests in one write; three answers in order, then close.
    const raw = 'GET /chunked HTTP/1.1\r\nHost: x\r\n\r\n' +
                'POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello' +
                'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n';
    const all = await pipeline(port, raw);
    const order = ['one,', 'hello', 'Hello, World!'].map((s) => all.indexOf(s));
    check('pipelined answers present', true, order.every((i) => i >= 0));
    check('pipelined answers in order', true, order[0] < order[1] && order[1] < order[2]);
    check('pipelined response count', 3, all.split('HTTP/1.1 200 OK').length - 1);

    // A malformed request from a raw socket: 400 problem+json, then close.
    const bad = await pipeline(port, 'GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab');
    check('smuggling attempt status', 'HTTP/1.1 400 Bad Request', bad.split('\r\n')[0]);
  } catch (e) {
    console.log(`FAIL exception: ${e.stack}`);
    failed = 1;
  } finally {
    child.removeAllListeners('exit');
    child.kill('SIGTERM');
  }
  process.exitCode = failed;
})();
