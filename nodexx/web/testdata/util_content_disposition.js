// SPDX-License-Identifier: MIT
// Oracle for nodexx/web/content_disposition: create() and parse() of content-disposition.
'use strict'
const cd = require('content-disposition')

require('./util_oracle_common')((c) => {
  if (c.op === 'create') return cd.create(c.filename === null ? undefined : c.filename, c.options)
  const r = cd.parse(c.header, c.options)
  return { type: r.type, parameters: Object.keys(r.parameters).map((k) => [k, r.parameters[k]]) }
})
