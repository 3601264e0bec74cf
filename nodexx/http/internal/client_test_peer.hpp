// SPDX-License-Identifier: MIT
// Test support for the HTTP client tests: runs a Node.js http server (the script below) as a
// child process and reads the port it listens on from its first stdout line. The server counts
// connections, so tests can check keep-alive reuse from the server's side.
#pragma once

#include <cstdlib>
#include <string>

#include "nodexx/core/internal/node_runner.hpp"

namespace nx::http::testing {

inline constexpr const char* kNodeServerScript = R"JS(
'use strict';
const http = require('http');
const zlib = require('zlib');
let connections = 0, open = 0, maxOpen = 0;
const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://x');
  const p = url.pathname;
  const q = (k, d) => url.searchParams.get(k) ?? d;
  if (p === '/hello') { res.setHeader('Content-Length', 5); res.end('hello'); }
  else if (p === '/conn') { res.end(String(req.socket.connId)); }
  else if (p === '/stats') { res.end(JSON.stringify({ connections, open, maxOpen })); }
  else if (p === '/reset-stats') { connections = 0; maxOpen = open; res.end('ok'); }
  else if (p === '/chunked') {
    res.write('a'); setTimeout(() => { res.write('bb'); setTimeout(() => res.end('ccc'), 5); }, 5);
  }
  else if (p === '/gzip') {
    res.setHeader('Content-Encoding', 'gzip');
    res.end(zlib.gzipSync('gzipped ' + 'z'.repeat(Number(q('n', 10)))));
  }
  else if (p === '/br') {
    res.setHeader('Content-Encoding', 'br');
    res.end(zlib.brotliCompressSync('brotli body'));
  }
  else if (p === '/deflate') {
    res.setHeader('Content-Encoding', 'deflate');
    res.end(zlib.deflateSync('deflated body'));
  }
  else if (p === '/slow') { res.writeHead(200); res.write('first'); setTimeout(() => res.end('late'), Number(q('ms', 3000))); }
  else if (p === '/hang') { /* never answers */ }
  else if (p === '/delay') { setTimeout(() => res.end('delayed'), Number(q('ms', 50))); }
  else if (p === '/redirect') {
    const n = Number(q('n', 1));
    res.writeHead(Number(q('code', 302)), { Location: n > 1 ? `/redirect?n=${n - 1}&code=${q('code', 302)}` : '/echo' });
    res.end();
  }
  else if (p === '/loop') { res.writeHead(302, { Location: '/loop' }); res.end(); }
  else if (p === '/close-mid-body') {
    res.setHeader('Content-Length', 100); res.write('0123456789');
    setTimeout(() => req.socket.destroy(), 20);
  }
  else if (p === '/close-after') { res.end('bye'); setTimeout(() => req.socket.destroy(), Number(q('ms', 50))); }
  else if (p === '/close-before-response') { req.socket.destroy(); }
  else if (p === '/garbage') { req.socket.end('HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'); }
  else if (p === '/big') {
    const total = Number(q('n', 1 << 20)); let sent = 0; const block = Buffer.alloc(16384, 'x');
    res.setHeader('Content-Length', total);
    const pump = () => { while (sent < total) { const n = Math.min(block.length, total - sent); sent += n; if (!res.write(block.subarray(0, n))) { res.once('drain', pump); return; } } res.end(); };
    pump();
  }
  else if (p === '/echo') {
    const chunks = []; let n = 0;
    req.on('data', (c) => { chunks.push(c); n += c.length; });
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify({ method: req.method, url: req.url, length: n,
        te: req.headers['transfer-encoding'] || '', cl: req.headers['content-length'] || '',
        host: req.headers.host, auth: req.headers.authorization || '', ae: req.headers['accept-encoding'] || '',
        head: body.slice(0, 64), tail: body.slice(-16) }));
    });
  }
  else if (p === '/head') { res.setHeader('Content-Length', 1000); res.end(req.method === 'HEAD' ? undefined : 'x'.repeat(1000)); }
  else if (p === '/no-content') { res.writeHead(204); res.end(); }
  else if (p === '/continue') { res.writeContinue(); setTimeout(() => res.end('after continue'), 5); }
  else if (p === '/close-delimited') { res.useChunkedEncodingByDefault = false; res.shouldKeepAlive = false; res.writeHead(200, { Connection: 'close' }); res.end('until close'); }
  else { res.statusCode = 404; res.end('not found'); }
});
server.keepAliveTimeout = 10000;
server.on('connection', (s) => {
  s.connId = ++connections; ++open; maxOpen = Math.max(maxOpen, open);
  s.on('close', () => { --open; });
});
server.listen(0, '127.0.0.1', () => { console.log(server.address().port); });
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
)JS";

/// A running `node` HTTP server; port() is 0 if node is missing or failed to start.
class NodeHttpPeer {
 public:
  NodeHttpPeer()
      : script_("nx_http_peer", kNodeServerScript, ".js"),
        node_(nx::testing::NodeCommand{.script = script_.path()}),
        port_(std::atoi(node_.firstLine().c_str())) {}

  int port() const noexcept { return port_; }
  std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }

 private:
  nx::testing::TempFile script_;
  nx::testing::NodeServer node_;
  int port_ = 0;
};

}  // namespace nx::http::testing
