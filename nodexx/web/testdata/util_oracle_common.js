// SPDX-License-Identifier: MIT
// Shared driver of the util_*.js oracle scripts: reads the JSON array of cases named on the
// command line, calls `run(case)` for each and prints one JSON line per case. A thrown error
// prints {"error": message}; undefined and false print as false.
'use strict'
const fs = require('fs')

module.exports = function drive (run) {
  const cases = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'))
  const out = []
  for (const c of cases) {
    let result
    try {
      result = run(c)
      if (result === undefined) result = false
    } catch (e) {
      result = { error: e.message }
    }
    out.push(JSON.stringify(result))
  }
  process.stdout.write(out.join('\n') + '\n')
}
