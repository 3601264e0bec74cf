// SPDX-License-Identifier: MIT
// Node's side of the differential test: http.createServer with the limits of nodexx's
// ServerOptions defaults (which are Node's own), the handler chosen by path (twin.cpp is the
// same handler on nx::http::Server). Listens on 127.0.0.1 port 0 and prints the port; with
// `--short-timeouts` the deadlines are 1 s (head, keep-alive) and 2 s (request).
'use strict';
const http = require('http');

function reply(res, status, body) {
  res.statusCode = status;
  res.setHeader('Content-Type', 'text/plain');
  res.end(body);
}

// Each route writes its response in one way (writeHead, setHeader, write, end variants), so that
// the framing each server adds can be compared.
const routes = {
  '/': (req, res) => reply(res, 200, 'hello\n'),
  '/echo': (req, res) => {
    const parts = [];
    req.on('data', (c) => parts.push(c));
    req.on('end', () => {
      const body = Buffer.concat(parts);
      const prefix = `${req.method} ${req.url} HTTP/${req.httpVersion} body=${body.length}:`;
      reply(res, 200, Buffer.concat([Buffer.from(prefix, 'latin1'), body]));
    });
  },
  '/headers': (req, res) => {
    let out = '';
    for (let i = 0; i < req.rawHeaders.length; i += 2) {
      out += `${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}\n`;
    }
    // Node decodes field bytes as latin1: encoding back the same way gives the bytes received.
    reply(res, 200, Buffer.from(out, 'latin1'));
  },
  '/count': (req, res) => reply(res, 200, String(req.rawHeaders.length / 2)),
  '/write': (req, res) => {
    res.write('a');
    res.write('b');
    res.end('c');
  },
  '/write-end-empty': (req, res) => {
    res.write('abc');
    res.end();
  },
  '/writehead': (req, res) => {
    res.writeHead(201, {'X-A': '1', 'Content-Type': 'text/plain'});
    res.end('created');
  },
  '/writehead-reason': (req, res) => {
    res.writeHead(299, 'Custom Reason');
    res.end('r');
  },
  '/writehead-cl': (req, res) => {
    res.writeHead(200, {'Content-Length': '5'});
    res.end('hello');
  },
  '/writehead-write': (req, res) => {
    res.writeHead(202);
    res.write('one ');
    res.end('two');
  },
  '/setheader-cl-write': (req, res) => {
    res.setHeader('Content-Length', '6');
    res.write('abc');
    res.end('def');
  },
  '/te-chunked': (req, res) => {
    res.setHeader('Transfer-Encoding', 'chunked');
    res.write('x');
    res.end('y');
  },
  '/te-chunked-end': (req, res) => {
    res.setHeader('Transfer-Encoding', 'chunked');
    res.end('body');
  },
  '/flush': (req, res) => {
    res.flushHeaders();
    res.end('late');
  },
  '/empty': (req, res) => res.end(),
  '/204': (req, res) => {
    res.statusCode = 204;
    res.end();
  },
  '/204-body': (req, res) => {
    res.statusCode = 204;
    res.end('dropped');
  },
  '/304': (req, res) => {
    res.statusCode = 304;
    res.end('dropped');
  },
  '/304-write': (req, res) => {
    res.statusCode = 304;
    res.write('dropped');
    res.end();
  },
  '/404': (req, res) => reply(res, 404, 'nope'),
  '/multi': (req, res) => {
    res.appendHeader('Set-Cookie', 'a=1');
    res.appendHeader('Set-Cookie', 'b=2');
    res.end('m');
  },
  '/case': (req, res) => {
    res.setHeader('x-lower', 'v1');
    res.setHeader('X-MiXeD', 'v2');
    res.end('c');
  },
  '/conn-close': (req, res) => {
    res.setHeader('Connection', 'close');
    res.end('bye');
  },
  '/conn-keep-alive': (req, res) => {
    res.setHeader('Connection', 'keep-alive');
    res.end('ka');
  },
  '/date-off': (req, res) => {
    res.sendDate = false;
    res.end('nd');
  },
  '/big': (req, res) => res.end('x'.repeat(100000)),
  '/big-write': (req, res) => {
    for (let i = 0; i < 4; ++i) res.write(String(i).repeat(32768));
    res.end();
  },
};

// `--short-timeouts`: the timeout cases' server, with deadlines short enough to wait for.
const short = process.argv.includes('--short-timeouts');
const options = {maxHeaderSize: 16384};
if (short) options.connectionsCheckingInterval = 100;
const server = http.createServer(options, (req, res) => {
  const path = req.url.split(/[?#]/)[0];
  const route = routes[path];
  if (route) return route(req, res);
  reply(res, 404, `not found: ${req.method} ${req.url}`);
});
// Node 20's defaults, written out: ServerOptions has the same values.
server.keepAliveTimeout = short ? 1000 : 5000;
server.headersTimeout = short ? 1000 : 60000;
server.requestTimeout = short ? 2000 : 300000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${server.address().port}\n`);
});
process.on('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
});
