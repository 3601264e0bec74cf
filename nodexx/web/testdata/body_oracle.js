// SPDX-License-Identifier: MIT
// Runs the requests of body_oracle_cases.json through Express 5 with body-parser (from
// NODE_PATH) over real HTTP, and prints one JSON array: for each case its status, the parsed
// body (null for undefined, {"hex": ...} for a Buffer) and the error type on failure.
// Usage: NODE_PATH=<repo>/bench/node_modules node body_oracle.js <cases.json>
'use strict'

const fs = require('node:fs')
const http = require('node:http')
const zlib = require('node:zlib')
const express = require('express')

const cases = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'))

function bodyOf (c) {
  let bytes = c.bodyHex !== undefined ? Buffer.from(c.bodyHex, 'hex')
    : c.body !== undefined ? Buffer.from(c.body, 'utf8') : null
  if (bytes !== null && c.encoding === 'gzip') bytes = zlib.gzipSync(bytes)
  if (bytes !== null && c.encoding === 'deflate') bytes = zlib.deflateSync(bytes)
  if (bytes !== null && c.encoding === 'br') bytes = zlib.brotliCompressSync(bytes)
  return bytes
}

function appFor (c) {
  const app = express()
  app.use(express[c.parser](c.options || {}))
  app.post('/', (req, res) => {
    const body = req.body === undefined ? null
      : Buffer.isBuffer(req.body) ? { hex: req.body.toString('hex') } : req.body
    res.json({ body })
  })
  app.use((err, req, res, next) => {
    res.status(err.status || 500).json({ error: err.type || null })
  })
  return app
}

function run (c) {
  return new Promise((resolve, reject) => {
    const server = http.createServer(appFor(c)).listen(0, '127.0.0.1', () => {
      const headers = {}
      for (const [k, v] of c.headers) headers[k] = v
      if (c.encoding) headers['Content-Encoding'] = c.encoding
      const body = bodyOf(c)
      if (body !== null && !c.chunked) headers['Content-Length'] = String(body.length)
      const req = http.request({
        host: '127.0.0.1',
        port: server.address().port,
        method: 'POST',
        path: '/',
        headers
      }, (res) => {
        const parts = []
        res.on('data', (d) => parts.push(d))
        res.on('end', () => {
          server.close()
          const json = JSON.parse(Buffer.concat(parts).toString('utf8'))
          resolve({ name: c.name, status: res.statusCode, body: json.body === undefined ? null : json.body, error: json.error === undefined ? null : json.error })
        })
      })
      req.on('error', reject)
      if (body !== null) req.write(body)
      req.end()
    })
  })
}

(async () => {
  const out = []
  for (const c of cases) out.push(await run(c))
  process.stdout.write(JSON.stringify(out))
})().catch((e) => { console.error(e); process.exit(1) })
