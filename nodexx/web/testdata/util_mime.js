// SPDX-License-Identifier: MIT
// Oracle for nodexx/web/mime: mime-types' lookup, contentType, extension and charset.
'use strict'
const mime = require('mime-types')

require('./util_oracle_common')((c) => {
  if (c.op === 'all') {
    // Every extension of the table, to compare lookup() exhaustively.
    return Object.keys(mime.types).sort().map((e) => [e, mime.types[e]])
  }
  return mime[c.op](c.s)
})
