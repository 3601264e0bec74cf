# SPDX-License-Identifier: MIT
"""The Express oracle's scenario table: one raw request each, sent to Express 5 and to the nodexx
twin, and what to compare in the two answers (run.py does the work; README.md explains).

Fields of S(...):
  name     what the scenario shows (printed on failure);
  request  "METHOD /target" (HTTP/1.1; Connection: close, and Host unless given, are added);
  app      "main" (default settings), "ext" (extended query parser) or "strict" (case-sensitive
           and strict routing, trust proxy "loopback"): which listener gets the request;
  headers  extra request header lines [(name, value)], placeholders allowed (below);
  body     request body bytes (Content-Length is added);
  compare  response headers compared: "Name" exact (repeated fields joined with ", "),
           "Name:present" same presence, "Name:etag" both absent or both the same ETag form
           (weak/strong), "Set-Cookie" the list of fields exactly except Expires dates, which
           may differ by up to 5 s (maxAge is relative to each server's clock);
  mode     the body: "exact", "json" (equal once parsed), "empty", "problem" (Express's HTML
           error page against nodexx's problem+json: only the status is compared, and the
           nodexx body must be problem JSON whose "status" is the HTTP status), "none";
  differs  a deliberate difference: {"express": {...}, "nodexx": {...}, "why": "..."}, each
           side pinned to its own {"status": N, "headers": {name: value}, "json": body}; the
           common checks above still apply to everything the sides do not override.

Placeholders in header values, filled by run.py from the files folder it creates:
  {etag:NAME}     the weak ETag send gives the file, W/"<size hex>-<mtime ms hex>";
  {lastmod:NAME}  its Last-Modified date;
  {bodyetag:TEXT} the weak ETag Express gives a body TEXT (UTF-8);
  {signed:VALUE}  "s:VALUE.<HMAC-SHA256>" URI-encoded, as res.cookie(..., {signed: true}) sets
                  it with the apps' secret.
"""

HTML = "text/html; charset=utf-8"


def S(name, request, app="main", headers=(), body=b"", compare=("Content-Type",),
      mode="exact", differs=None):
    return {"name": name, "request": request, "app": app, "headers": list(headers),
            "body": body, "compare": list(compare), "mode": mode, "differs": differs}


CT = "Content-Type"
CL = "Content-Length"
JSON_H = (CT, CL)

NOT_ALLOWED = {
    "express": {"status": 404},
    "why": "the path exists but not for this method: nodexx answers 405 with Allow (RFC 9110 "
           "15.5.6), Express falls through to its 404",
}

SCENARIOS = [
    # -- routing precedence and order ---------------------------------------------------------
    S("handlers of one path run in registration order", "GET /order",
      compare=(CT, "X-Trail", "X-Global")),
    S("static route registered first beats the param route", "GET /users/me"),
    S("param route", "GET /users/42", compare=JSON_H, mode="json"),
    S("param route registered first wins over a later static route", "GET /late/static",
      mode="json"),
    S("two params", "GET /users/7/books/b-9", mode="json"),
    S("params are decoded (decodeURIComponent)", "GET /users/caf%C3%A9%20x", mode="json"),
    S("a static route does not match an encoded spelling of itself", "GET /users/%6De",
      mode="json"),
    S("an empty first segment matches no route", "GET //users/me", mode="problem"),
    S("an encoded slash stays inside the param", "GET /users/a%2Fb", mode="json"),
    S("a bad escape in a param is a 400", "GET /users/%E0%A4%A", mode="problem"),
    S("routing is case-insensitive by default", "GET /USERS/ME"),
    S("a trailing slash matches by default (non-strict)", "GET /users/me/"),
    S("optional group absent", "GET /opt", mode="json"),
    S("optional group present", "GET /opt/5", mode="json"),
    S("optional extension absent", "GET /file/readme", mode="json"),
    S("optional extension present", "GET /file/archive.tar.gz", mode="json"),
    S("two params in one segment", "GET /both/left-right", mode="json"),
    S("wildcard gives the segments, each decoded", "GET /files/a/b%20c/d.txt", mode="json"),
    S("wildcard needs at least one segment", "GET /files/", mode="problem"),
    # -- mounting -------------------------------------------------------------------------------
    S("mounted router sees baseUrl, url and originalUrl", "GET /api/info?x=1", mode="json"),
    S("nested routers stack baseUrl", "GET /api/v1/deep/z%20z?y=2", mode="json"),
    S("mount path matches case-insensitively and keeps the request's case",
      "GET /API/Info", mode="json"),
    S("path-mounted middleware sees the stripped url", "GET /mw/a/b?c=d", mode="json"),
    S("a mount path matches whole segments only", "GET /mwx", mode="problem"),
    S("a mounted route matches with a trailing slash", "GET /api/info/", mode="json"),
    S("mergeParams: the child sees the parent's params", "GET /shops/s1/items/i2", mode="json"),
    S("without mergeParams the parent's params are hidden", "GET /stores/s1/items/i2",
      mode="json"),
    # -- router.param ---------------------------------------------------------------------------
    S("app.param runs once per request before the handlers", "GET /p/abc",
      compare=(CT, "X-Trail"), mode="json"),
    S("app.param can end the request with an error", "GET /p/missing", mode="problem"),
    # -- methods --------------------------------------------------------------------------------
    S("HEAD is answered by the GET route without a body", "HEAD /users/me",
      compare=(CT, CL, "ETag"), mode="empty"),
    S("OPTIONS lists the path's methods in Allow", "OPTIONS /multi",
      compare=("Allow",), mode="none"),
    S("OPTIONS of a GET route lists GET and HEAD", "OPTIONS /users/me",
      compare=("Allow",), mode="none"),
    S("OPTIONS is answered by app.all itself", "OPTIONS /any", compare=(CT,)),
    S("OPTIONS of an unknown path is 404", "OPTIONS /nowhere", mode="problem"),
    S("app.route() chains methods on one path", "POST /chained"),
    S("OPTIONS of an app.route() path", "OPTIONS /chained", compare=("Allow",), mode="none"),
    S("an app.route() path with another method", "PUT /chained", mode="problem",
      differs=dict(NOT_ALLOWED, nodexx={"status": 405,
                                        "headers": {"Allow": "GET, HEAD, POST"}})),
    S("param hooks run in the order of the path's params", "GET /pp/two/one",
      compare=(CT, "X-Trail"), mode="json"),
    S("POST to a GET-only path", "POST /users/me", mode="problem",
      differs=dict(NOT_ALLOWED, nodexx={"status": 405, "headers": {"Allow": "GET, HEAD"}})),
    S("DELETE on a path with three methods", "DELETE /multi", mode="problem",
      differs=dict(NOT_ALLOWED, nodexx={"status": 405,
                                        "headers": {"Allow": "GET, HEAD, POST, PUT"}})),
    S("app.all answers any method", "PATCH /any"),
    S("unknown path is 404", "GET /nowhere", mode="problem"),
    # -- next("route") and next("router") -------------------------------------------------------
    S("without next('route') the first route answers", "GET /nr/go"),
    S("next('route') skips the rest of the route", "GET /nr/skip"),
    S("a router's middleware runs when it calls next()", "GET /nrr/x"),
    S("next('router') leaves the router", "GET /nrr/x", headers=[("X-Skip", "1")]),
    # -- error middleware -----------------------------------------------------------------------
    S("sync throw reaches error middleware", "GET /err/sync", compare=(CT, "X-Trail"),
      mode="json"),
    S("async rejection reaches error middleware", "GET /err/async", compare=(CT, "X-Trail"),
      mode="json"),
    S("next(err) reaches error middleware", "GET /err/next", compare=(CT, "X-Trail"),
      mode="json"),
    S("an error thrown without a status is a 500 there", "GET /err/plain",
      compare=(CT, "X-Trail"), mode="json"),
    S("next(err) skips the route's other handlers and plain middleware", "GET /err/chain",
      compare=(CT, "X-Trail"), mode="json"),
    S("without error middleware a throw is a 500", "GET /boom", mode="problem"),
    S("without error middleware a rejection keeps its status", "GET /boom-async",
      mode="problem"),
    # -- responses ------------------------------------------------------------------------------
    S("res.json", "GET /res/json", compare=(CT, CL, "ETag"), mode="json"),
    S("res.json escapes as JSON.stringify does", "GET /res/json-escapes", compare=JSON_H),
    S("res.send(string) is HTML with a weak ETag", "GET /res/send-string",
      compare=(CT, CL, "ETag")),
    S("res.send(bytes) is octet-stream", "GET /res/send-buffer", compare=(CT, CL, "ETag")),
    S("res.send with a matching If-None-Match is 304", "GET /res/send-string",
      headers=[("If-None-Match", "{bodyetag:<p>hi</p>}")],
      compare=("ETag",), mode="empty"),
    S("res.json(null)", "GET /res/json-null", compare=JSON_H),
    S("HEAD of a JSON route keeps the length, sends no body", "HEAD /res/json",
      compare=(CT, CL, "ETag"), mode="empty"),
    S("a 204 drops the body and its fields", "GET /res/no-content", compare=(CT, CL),
      mode="empty"),
    S("res.set('Content-Type') then send(string) adds the charset", "GET /res/set-type",
      compare=(CT, CL)),
    S("res.sendStatus with a status Express names", "GET /res/teapot", compare=(CT, CL)),
    S("res.links", "GET /res/links", compare=("Link",)),
    S("res.attachment() without a name", "GET /res/attachment-bare",
      compare=(CT, "Content-Disposition")),
    S("res.cookie partitioned and priority; clearCookie ignores maxAge", "GET /res/cookie-extra",
      compare=("Set-Cookie",)),
    S("res.download with a non-latin1 name", "GET /res/download-utf8",
      compare=(CT, "Content-Disposition")),
    S("req.hostname, protocol, secure, xhr, ip", "GET /req/info",
      headers=[("Host", "example.com:8080"), ("X-Requested-With", "XMLHttpRequest")],
      mode="json"),
    S("req.accepts picks the first acceptable offer", "GET /req/accepts",
      headers=[("Accept", "application/json, text/html;q=0.9")], mode="json"),
    S("req.accepts with nothing acceptable", "GET /req/accepts",
      headers=[("Accept", "image/png")], mode="json"),
    S("req.accepts without Accept takes the first offer", "GET /req/accepts", mode="json"),
    S("res.format with */* takes the first key", "GET /res/format", headers=[("Accept", "*/*")],
      compare=(CT, "Vary")),
    S("res.sendStatus", "GET /res/send-status", compare=(CT, CL)),
    S("res.status().json()", "GET /res/status-json", mode="json"),
    S("res.type('json')", "GET /res/type"),
    S("res.redirect encodes the URL, text body", "GET /res/redirect",
      compare=(CT, "Location", CL)),
    S("res.redirect with an HTML client escapes the URL", "GET /res/redirect",
      headers=[("Accept", "text/html")], compare=(CT, "Location", CL)),
    S("res.redirect(301, absolute URL)", "GET /res/redirect301", compare=(CT, "Location")),
    S("HEAD of a redirect has no body", "HEAD /res/redirect", compare=("Location", CL),
      mode="empty"),
    S("res.cookie with every attribute", "GET /res/cookie", compare=("Set-Cookie",)),
    S("res.cookie signed", "GET /res/cookie-signed", compare=("Set-Cookie",)),
    S("res.clearCookie", "GET /res/clear-cookie", compare=("Set-Cookie",)),
    S("req.cookies and req.signedCookies", "GET /req/cookies",
      headers=[("Cookie", "a=1; b=x%20y; sid={signed:abc123}; a=2")], mode="json"),
    S("JSON cookies and bad signatures", "GET /req/cookies",
      headers=[("Cookie", "sid={signed:abc123}; bad={signed:zz}x; j=j%3A%7B%22k%22%3A2%7D")],
      mode="json",
      differs={"express": {"json": {"cookies": {"j": {"k": 2}},
                                    "signed": {"sid": "abc123", "bad": False}}},
               "nodexx": {"json": {"cookies": {"j": 'j:{"k":2}'},
                                   "signed": {"sid": "abc123"}}},
               "why": "cookies() holds strings (a `j:` value stays text: parse it where it is "
                      "wanted) and a signed cookie that fails verification is absent, where "
                      "cookie-parser gives the parsed JSON and `false`"}),
    S("res.vary adds each field once", "GET /res/vary", compare=(CT, "Vary")),
    S("res.attachment sets Content-Disposition and the type", "GET /res/attachment",
      compare=(CT, "Content-Disposition")),
    S("res.format picks text/plain", "GET /res/format", headers=[("Accept", "text/plain")],
      compare=(CT, "Vary")),
    S("res.format picks JSON", "GET /res/format",
      headers=[("Accept", "text/html;q=0.5, application/json")], compare=(CT, "Vary"),
      mode="json"),
    S("res.format with no acceptable type is 406", "GET /res/format",
      headers=[("Accept", "image/png")], mode="problem"),
    S("res.download", "GET /res/download",
      compare=(CT, CL, "Content-Disposition", "ETag", "Last-Modified")),
    # -- sendFile -------------------------------------------------------------------------------
    S("sendFile 200 with validators", "GET /sf/hello.txt",
      compare=(CT, CL, "ETag", "Last-Modified", "Accept-Ranges", "Cache-Control")),
    S("sendFile maxAge and immutable", "GET /sf-cache/hello.txt",
      compare=(CT, CL, "Cache-Control")),
    S("sendFile JSON file type", "GET /sf/data.json", compare=(CT, CL)),
    S("sendFile HEAD", "HEAD /sf/hello.txt", compare=(CT, CL, "ETag"), mode="empty"),
    S("sendFile 304 via If-None-Match", "GET /sf/hello.txt",
      headers=[("If-None-Match", "{etag:hello.txt}")], compare=("ETag", "Last-Modified"),
      mode="empty"),
    S("sendFile 304 via If-Modified-Since", "GET /sf/hello.txt",
      headers=[("If-Modified-Since", "{lastmod:hello.txt}")], compare=("ETag",), mode="empty"),
    S("sendFile 200 when If-None-Match differs", "GET /sf/hello.txt",
      headers=[("If-None-Match", 'W/"0-0"')], compare=(CT, CL)),
    S("sendFile Range gives 206", "GET /sf/hello.txt", headers=[("Range", "bytes=0-4")],
      compare=(CT, CL, "Content-Range")),
    S("sendFile suffix Range", "GET /sf/hello.txt", headers=[("Range", "bytes=-3")],
      compare=(CT, CL, "Content-Range")),
    S("sendFile unsatisfiable Range is 416", "GET /sf/hello.txt",
      headers=[("Range", "bytes=100-200")], compare=("Content-Range",), mode="problem"),
    S("sendFile If-Range with a stale ETag sends everything", "GET /sf/hello.txt",
      headers=[("Range", "bytes=0-4"), ("If-Range", 'W/"0-0"')], compare=(CL,)),
    S("sendFile If-Range with the current ETag honours the Range", "GET /sf/hello.txt",
      headers=[("Range", "bytes=0-4"), ("If-Range", "{etag:hello.txt}")],
      compare=(CL, "Content-Range")),
    S("sendFile with several ranges sends the whole file", "GET /sf/hello.txt",
      headers=[("Range", "bytes=0-1,3-4")], compare=(CT, CL, "Content-Range")),
    S("sendFile missing file is 404", "GET /sf/nope.txt", mode="problem"),
    S("sendFile dotfile is ignored (404)", "GET /sf/.secret", mode="problem"),
    S("sendFile encoded traversal is 403", "GET /sf/..%2F..%2Fetc%2Fpasswd", mode="problem"),
    S("sendFile traversal through a wildcard is 403", "GET /sfw/sub/..%2F..%2F..%2Fetc/passwd",
      mode="problem"),
    S("sendFile in a subfolder through a wildcard", "GET /sfw/sub/page.html", compare=(CT, CL)),
    # -- query strings --------------------------------------------------------------------------
    S("simple query parser: repeated keys become an array", "GET /q?a=1&a=2&b=&c",
      mode="json"),
    S("simple query parser keeps brackets literally", "GET /q?a[b]=1&x=%20y+z", mode="json"),
    S("simple query parser leaves a bad escape as it is", "GET /q?bad=%E0%A4%A&ok=1",
      mode="json"),
    S("extended query parser nests objects and arrays", "GET /q?a[b]=1&a[c][]=2&a[c][]=3&d=x",
      app="ext", mode="json"),
    S("extended query parser: indexed arrays", "GET /q?l[1]=b&l[0]=a", app="ext",
      mode="json"),
    S("extended query parser: an index above 20 makes an object", "GET /q?l[21]=x",
      app="ext", mode="json"),
    S("extended query parser: __proto__ keys are harmless", "GET /q?__proto__[x]=1&a=2",
      app="ext", mode="json"),
    S("extended query parser: mixed indexes and pushes", "GET /q?a[]=x&a[5]=y&a[]=z",
      app="ext", mode="json"),
    S("extended query parser: no dot notation", "GET /q?a.b=1", app="ext", mode="json"),
    S("extended query parser: depth is capped at 5", "GET /q?a[b][c][d][e][f][g]=1",
      app="ext", mode="json"),
    # -- body parsers ---------------------------------------------------------------------------
    S("json body parsed", "POST /body/json", headers=[(CT, "application/json")],
      body=b'{"name":"n","list":[1,2]}', mode="json"),
    S("the json parser ignores +json types by default", "POST /body/json",
      headers=[(CT, "application/vnd.api+json")], body=b"[1,2]", mode="json"),
    S("json body of another type is not parsed", "POST /body/json",
      headers=[(CT, "text/plain")], body=b'{"a":1}', mode="json"),
    S("an empty JSON body is not parsed", "POST /body/json",
      headers=[(CT, "application/json"), ("Content-Length", "0")], mode="json"),
    S("bad JSON is 400", "POST /body/json", headers=[(CT, "application/json")],
      body=b'{"a":', mode="problem"),
    S("strict JSON refuses a top-level string", "POST /body/json",
      headers=[(CT, "application/json")], body=b'"text"', mode="problem"),
    S("JSON over the limit is 413", "POST /body/json", headers=[(CT, "application/json")],
      body=b'{"pad":"' + b"x" * 200 + b'"}', mode="problem"),
    S("JSON in latin1 is 415", "POST /body/json",
      headers=[(CT, "application/json; charset=latin1")], body=b'{"a":1}', mode="problem"),
    S("urlencoded body", "POST /body/form",
      headers=[(CT, "application/x-www-form-urlencoded")], body=b"a=1&b=x+y&a=2&c[d]=e",
      mode="json"),
    S("text body", "POST /body/text", headers=[(CT, "text/plain; charset=utf-8")],
      body="héllo".encode(), mode="json"),
    S("text body in latin1 is decoded", "POST /body/text",
      headers=[(CT, "text/plain; charset=iso-8859-1")], body=b"h\xe9llo", mode="json"),
    # -- case and strict routing ----------------------------------------------------------------
    S("case-sensitive routing matches the exact case", "GET /Caps", app="strict"),
    S("case-sensitive routing refuses another case", "GET /caps", app="strict",
      mode="problem"),
    S("strict routing: a route with a slash matches it", "GET /slash/", app="strict"),
    S("strict routing: a route with a slash needs it", "GET /slash", app="strict",
      mode="problem"),
    S("trust proxy: ip, ips, protocol and hostname from X-Forwarded-*", "GET /req/info",
      app="strict", headers=[("X-Forwarded-For", "203.0.113.7, 10.0.0.1"),
                             ("X-Forwarded-Proto", "https"),
                             ("X-Forwarded-Host", "api.example.com")], mode="json"),
    S("trust proxy without forwarding fields", "GET /req/info", app="strict", mode="json"),
    S("strict routing: a route without a slash refuses one", "GET /noslash/", app="strict",
      mode="problem"),
    # -- a mounted sub-app ----------------------------------------------------------------------
    S("a sub-app parses with its own query parser, inherits trust proxy and json spaces",
      "GET /sub/info?a[b]=1", app="strict",
      headers=[("X-Forwarded-For", "203.0.113.7"), ("X-Forwarded-Proto", "https")]),
    S("a sub-app's own etag setting", "GET /sub/etag", app="strict", compare=(CT, "ETag")),
    S("after a sub-app the parent's settings apply again", "GET /sub/after?a[b]=1",
      app="strict"),
]
