// SPDX-License-Identifier: MIT
// Oracle for nodexx/web/content_type: content-type's parse (with its options) and format.
'use strict'
const contentType = require('content-type')

require('./util_oracle_common')((c) => {
  if (c.op === 'parse') {
    const r = contentType.parse(c.header, c.options)
    // Parameters as [name, value] pairs in enumeration order.
    return { type: r.type, index: r.index, parameters: Object.keys(r.parameters).map((k) => [k, r.parameters[k]]) }
  }
  const parameters = {}
  for (const [k, v] of c.parameters) parameters[k] = v
  return contentType.format({ type: c.type, parameters })
})
