// SPDX-License-Identifier: MIT
// Oracle for nodexx/web/route_pattern_test.cpp: matches a table of (pattern, options, paths)
// with path-to-regexp 8 exactly as router 2.x's Layer does (loosen() without strict routing,
// the use("/") fast path, decode: false), and prints one line per case: "REJECT" when the
// pattern does not compile, else per path "NO" or "YES <matched bytes> <params JSON>" with
// params sorted by name. Usage: node route_oracle.js <cases.json>; NODE_PATH must reach
// bench/node_modules.
'use strict'
const fs = require('fs')
const { match } = require('path-to-regexp')

const TRAILING_SLASH_REGEXP = /\/+$/
function loosen (path) {
  return path === '/' ? path : String(path).replace(TRAILING_SLASH_REGEXP, '')
}

const cases = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'))
const out = []
for (const [pattern, end, strict, sensitive, paths] of cases) {
  let fn
  if (pattern === '/' && !end) {
    fn = () => ({ path: '', params: {} })
  } else {
    try {
      fn = match(strict ? pattern : loosen(pattern), {
        sensitive, end, trailing: !strict, decode: false
      })
    } catch (e) {
      out.push('REJECT')
      continue
    }
  }
  for (const p of paths) {
    const m = fn(p)
    if (!m) {
      out.push('NO')
      continue
    }
    const params = Object.keys(m.params).sort().map((k) => [k, m.params[k]])
    out.push(`YES ${Buffer.byteLength(m.path)} ${JSON.stringify(params)}`)
  }
}
process.stdout.write(out.join('\n') + '\n')
